"""The preferences the editing tools take: the brush's default size, hardness and opacity, and the
number of undo steps kept.

Qt lets a ``QUndoStack``'s limit change only while the stack is empty, so a new limit chosen with a
history in place waits until the history is next cleared (a new photo or cut-out).
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoStack

from app.gui.settings import Settings
from app.model.tools import BrushTool


class ToolSettings(QObject):
    """Applies ``settings`` to ``tool`` and ``undo_stack`` on ``apply`` (at start and after Preferences)."""

    def __init__(self, settings: Settings, tool: BrushTool, undo_stack: QUndoStack) -> None:
        super().__init__(undo_stack)
        self._settings, self._tool, self._undo_stack = settings, tool, undo_stack
        self.pending_limit: int | None = None  # A limit waiting for the history to be cleared.
        undo_stack.indexChanged.connect(lambda _index: self._apply_pending())

    def apply(self) -> None:
        settings = self._settings
        self._tool.set_defaults(
            size=settings.get("brush/size"),
            hardness=settings.get("brush/hardness"),
            opacity=settings.get("brush/opacity"),
        )
        limit = int(settings.get("editing/undo_limit"))
        self.pending_limit = None if limit == self._undo_stack.undoLimit() else limit
        self._apply_pending()

    def _apply_pending(self) -> None:
        if self.pending_limit is not None and self._undo_stack.count() == 0:
            self._undo_stack.setUndoLimit(self.pending_limit)
            self.pending_limit = None
