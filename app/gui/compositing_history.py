"""The document's compositing settings on the undo stack: one ``CompositingCommand`` per user action,
named after it ("Move subject", "Scale subject", "Rotate subject", "Flip subject", "Compositing method",
"Edge shift", "Feather radius", "Smoothing", "Decontamination").

Every edit of the user's reaches the document (``Document.set_compositing``), from the compositing panel,
the toolbar's method box, the placement panel or a drag on the canvas, and is recorded here. A drag (or a
spin box held down) changes the settings many times a second; changes of the same kind less than
``MERGE_SECONDS`` apart merge into one command, so a whole gesture is one undo step. Undo and redo set
the document's settings, which every view shows; those changes are not recorded again. A command made
for other photos (a new foreground or background was opened since) does nothing and leaves the stack.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.model.compositing_settings import CompositingSettings
from app.model.document import Document

MERGE_SECONDS = 0.6
_COMPOSITING_COMMAND_ID = 7001
_SETTING_NAMES = {
    "method": "Compositing method",
    "edge_shift": "Edge shift",
    "feather_radius": "Feather radius",
    "smoothing": "Smoothing",
    "decontamination": "Decontamination",
}


def action_name(old: CompositingSettings, new: CompositingSettings, document: Document) -> str:
    """What the user did to go from ``old`` to ``new``, as the History names it."""
    if old.placement != new.placement:
        before, after = old.placement, new.placement
        if before is None or after is None:
            before, after = before or document.current_placement(), after or document.current_placement()
        if before is not None and after is not None:
            if before.flip != after.flip:
                return "Flip subject"
            if before.rotation != after.rotation:
                return "Rotate subject"
            if before.scale != after.scale:
                return "Scale subject"
        return "Move subject"
    return next(
        (text for field, text in _SETTING_NAMES.items() if getattr(old, field) != getattr(new, field)),
        "Compositing",
    )


class CompositingCommand(QUndoCommand):
    """The settings before and after one action; the change was made live, so the first redo does
    nothing."""

    def __init__(
        self,
        old: CompositingSettings,
        new: CompositingSettings,
        text: str,
        apply: Callable[[CompositingSettings], bool],
        *,
        stamp: float,
    ) -> None:
        super().__init__(text)
        self.old, self.new, self.stamp = old, new, stamp
        self._apply = apply
        self._applied = True

    def id(self) -> int:
        return _COMPOSITING_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (
            not isinstance(other, CompositingCommand)
            or other.text() != self.text()
            or other.stamp - self.stamp > MERGE_SECONDS
        ):
            return False
        self.new, self.stamp = other.new, other.stamp
        return True

    def undo(self) -> None:
        if not self._apply(self.old):
            self.setObsolete(True)

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        if not self._apply(self.new):
            self.setObsolete(True)


class CompositingHistory(QObject):
    """Records the user's changes of ``document.compositing`` on the undo stack ``stack()`` returns."""

    def __init__(
        self, document: Document, stack: Callable[[], QUndoStack | None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._document, self._stack = document, stack
        self._last = document.compositing
        self._photos = self._current_photos()
        self._applying = False
        document.connect_compositing(self._on_change)

    def _current_photos(self) -> tuple[weakref.ref[np.ndarray] | None, ...]:
        layers = self._document.layers
        return tuple(
            None if (photo := layers.get(role)) is None else weakref.ref(photo)
            for role in ("foreground", "background")
        )

    def _same_photos(self, photos: tuple[weakref.ref[np.ndarray] | None, ...]) -> bool:
        current = [self._document.layers.get(role) for role in ("foreground", "background")]
        return all(
            (ref is None and now is None) or (ref is not None and ref() is now)
            for ref, now in zip(photos, current, strict=True)
        )

    def _on_change(self, settings: CompositingSettings, edit: bool) -> None:
        old, self._last = self._last, settings
        stack = self._stack()
        if not edit or self._applying or stack is None:
            return
        text = action_name(old, settings, self._document)
        photos = self._current_photos()
        stack.push(
            CompositingCommand(old, settings, text, lambda s: self._replay(s, photos), stamp=time.monotonic())
        )

    def _replay(
        self, settings: CompositingSettings, photos: tuple[weakref.ref[np.ndarray] | None, ...]
    ) -> bool:
        """Set ``settings`` if the photos are still those they were made for; False (and nothing) if not."""
        if not self._same_photos(photos):
            return False
        self._applying = True
        try:
            self._document.set_compositing(settings)
        finally:
            self._applying = False
        return True
