"""What the brush-driven controllers (the hint brushes, refine edge, box and lasso, the mask commands) use
of the main window: its layers, canvas and painter, and the touch-up that makes the alpha and the
composite follow an edit. Each extends this protocol with what else it needs (see ``app.gui.window_api``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from app.gui.window_api import MainWindowApi

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.gui.canvas import Canvas
    from app.gui.painting import PaintController
    from app.gui.touch_up_controller import AlphaTouchUp
    from app.model.layers import LayerStack


class BrushWindow(MainWindowApi, Protocol):
    @property
    def layers(self) -> LayerStack: ...
    @property
    def canvas(self) -> Canvas: ...
    @property
    def painter(self) -> PaintController: ...
    @property
    def touch_up(self) -> AlphaTouchUp: ...
    @property
    def undo_stack(self) -> QUndoStack: ...
