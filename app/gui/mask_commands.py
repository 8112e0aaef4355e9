"""Edit ▸ Mask: invert, clear, fill, grow, shrink and feather the current mask, each one undo step.

The mask edited is the one a brush paints (``edit_target.composite_paint_target``): the active layer
when it is a paintable mask, else the first present of the alpha, refined mask and segmentation mask.
Each command runs as a job (``mask_edits.edit_mask``: grey-level morphology on a soft 24 MP alpha takes
seconds at large radii) and its result is pushed as a ``PatchCommand`` over the whole layer, which keeps
only the tiles that changed. What depends on the mask follows as after a brush stroke
(``AlphaTouchUp.follow_edit``): the alpha is re-solved after the segmentation mask, the composite remade
after the alpha. ``ask_pixels`` (a ``QInputDialog`` by default) can be replaced, e.g. by tests.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QMenuBar

from app.gui.brush_window import BrushWindow
from app.gui.patch_command import Change, PatchCommand
from app.model.brush import Region
from app.model.edit_target import composite_paint_target
from app.model.mask_edits import MASK_EDITS, MAX_PIXELS, MaskEdit, edit_mask

if TYPE_CHECKING:
    from app.gui.job_panel import JobPanel
    from app.gui.jobs import JobRunner
    from app.model.document import Document

# How many pixels to grow, shrink or feather by; None: the user cancelled.
AskPixels = Callable[[MaskEdit, str, int], "int | None"]
DEFAULT_PIXELS = 4


class MaskCommandsWindow(BrushWindow, Protocol):
    """What the mask commands use of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def job_panel(self) -> JobPanel: ...
    @property
    def jobs(self) -> JobRunner: ...


class MaskCommands(QObject):
    """The Mask submenu of the Edit menu; ``actions`` by command name ("Invert", "Grow"…)."""

    def __init__(self, window: MaskCommandsWindow, *, ask_pixels: AskPixels | None = None) -> None:
        super().__init__(window.window())
        self._window = window
        self.ask_pixels: AskPixels = ask_pixels or self._ask_pixels_dialog
        self.pixels = {name: DEFAULT_PIXELS for name, edit in MASK_EDITS.items() if edit.takes_pixels}
        self.menu = QMenu("&Mask", window.window())
        self.actions: dict[str, QAction] = {}
        for name, edit in MASK_EDITS.items():
            action = QAction(f"&{name}{'…' if edit.takes_pixels else ''}", window.window())
            action.triggered.connect(lambda _checked=False, name=name: self.run(name))
            self.menu.addAction(action)
            self.actions[name] = action
        edit_menu = _edit_menu(window.menuBar())
        edit_menu.addSeparator()
        edit_menu.addMenu(self.menu)
        self.menu.aboutToShow.connect(self.update)
        window.layers.connect(lambda _event: self.update())
        window.document.connect_view(self.update)  # The active layer chooses the mask.
        for change in (window.job_panel.started, window.jobs.finished, window.jobs.failed):
            change.connect(lambda *_: self.update())
        window.jobs.cancelled.connect(self.update)
        self.update()

    def target(self) -> str | None:
        """The mask the commands edit, or None when there is none."""
        document = self._window.document
        return composite_paint_target(document.layers.names(), document.active_layer)

    def update(self) -> None:
        """Enable the commands when there is a mask and no job runs; say which mask they edit."""
        target = self.target()
        enabled = target is not None and not self._window.jobs.is_busy
        self.menu.setEnabled(target is not None)
        for name, action in self.actions.items():
            action.setEnabled(enabled)
            action.setStatusTip(f"{name} the {target}" if target else "Cut the subject out first")

    def run(self, name: str, pixels: int | None = None) -> bool:
        """Start command ``name`` on the current mask (asking for pixels when it takes some and none are
        given); False when it did not start."""
        window, edit = self._window, MASK_EDITS[name]
        target = self.target()
        mask = None if target is None else window.layers.get(target)
        if target is None or mask is None:
            window.statusBar().showMessage("There is no mask to edit yet: cut the subject out first", 5_000)
            return False
        if window.jobs.is_busy:  # The job may be reading the mask.
            window.statusBar().showMessage(
                "Wait for the running job to finish before editing the mask", 5_000
            )
            return False
        if edit.takes_pixels and pixels is None:
            pixels = self.ask_pixels(edit, target, self.pixels[name])
            if pixels is None:
                return False
            self.pixels[name] = pixels
        amount = pixels or 0
        # The job reads the live mask: the brush and these commands wait while a job runs.
        return window.job_panel.run(
            f"{edit.step_name(amount)} ({target})",
            partial(self._apply, edit, target, mask, amount),
            edit_mask,
            name,
            mask,
            amount,
        )

    def _apply(self, edit: MaskEdit, name: str, source: np.ndarray, pixels: int, result: np.ndarray) -> None:
        window = self._window
        if window.layers.get(name) is not source or result.shape != source.shape:
            return  # The mask was replaced while the job ran (a new cut-out).
        mask = window.painter.writable(name)  # Undo and redo write into the layer's image.
        assert mask is not None
        whole = Region(0, 0, mask.shape[0], mask.shape[1])
        command = PatchCommand(edit.step_name(pixels), [Change(window.layers, name, whole, mask, result)])
        if not command.names:
            window.statusBar().showMessage(f"{edit.step_name(pixels)}: the {name} stays as it is", 5_000)
            return
        window.undo_stack.push(command)  # Its first redo writes the changed tiles.
        window.touch_up.follow_edit(name, command.region(name))

    def _ask_pixels_dialog(self, edit: MaskEdit, target: str, default: int) -> int | None:
        pixels, ok = QInputDialog.getInt(
            self._window.window(),
            f"{edit.name} Mask",
            f"{edit.name} the {target} by (pixels):",
            default,
            1,
            MAX_PIXELS,
        )
        return pixels if ok else None


def _edit_menu(menu_bar: QMenuBar) -> QMenu:
    """The menu bar's Edit menu (made when there is none)."""
    for action in menu_bar.actions():
        menu = action.menu()
        if action.text() == "&Edit" and isinstance(menu, QMenu):
            return menu
    return menu_bar.addMenu("&Edit")
