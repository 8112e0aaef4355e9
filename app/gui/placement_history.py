"""Placement changes on the undo stack: one ``PlacementCommand`` per move, scale, rotation or flip.

A drag (or a spin box held down) changes the placement many times a second; changes less than
``MERGE_SECONDS`` apart merge into one command, so a whole gesture is one undo step. Undo and redo apply
the placement through the editor, which updates the fields, the handles and the composite; those
applications are not recorded again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.gui.placement_panel import PlacementPanel
from classic.placement import Placement

MERGE_SECONDS = 0.6
_PLACEMENT_COMMAND_ID = 7001


class PlacementCommand(QUndoCommand):
    """The placement before and after one gesture; the change was applied live, so the first redo
    does nothing."""

    def __init__(
        self, old: Placement, new: Placement, apply: Callable[[Placement], None], *, stamp: float
    ) -> None:
        super().__init__("Move subject")
        self.old, self.new, self.stamp = old, new, stamp
        self._apply = apply
        self._applied = True

    def id(self) -> int:
        return _PLACEMENT_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, PlacementCommand) or other.stamp - self.stamp > MERGE_SECONDS:
            return False
        self.new, self.stamp = other.new, other.stamp
        return True

    def undo(self) -> None:
        self._apply(self.old)

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self._apply(self.new)


class PlacementHistory(QObject):
    """Records the panel's placement changes on the undo stack ``stack()`` returns.

    Connect it before anything that stores the new placement: ``current()`` must still return the old one
    when ``placement_changed`` reaches it.
    """

    def __init__(
        self,
        panel: PlacementPanel,
        current: Callable[[], Placement | None],
        apply: Callable[[Placement], None],
        stack: Callable[[], QUndoStack | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._current, self._apply, self._stack = current, apply, stack
        self._applying = False
        panel.placement_changed.connect(self._on_change)

    def _on_change(self, placement: Placement) -> None:
        old, stack = self._current(), self._stack()
        if self._applying or stack is None or old is None or old == placement:
            return
        stack.push(PlacementCommand(old, placement, self._replay, stamp=time.monotonic()))

    def _replay(self, placement: Placement) -> None:
        self._applying = True
        try:
            self._apply(placement)
        finally:
            self._applying = False
