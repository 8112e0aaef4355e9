"""Single-key shortcuts (B, E, M, [ …) keep working while a number field has the keyboard focus.

A ``QAbstractSpinBox`` claims every printable key as a shortcut override, so with the focus in the brush
size or a placement field, B typed nothing and chose no brush either. A number field has no use for
letters or brackets: ``LetterKeysToShortcuts`` declines the override for those, and the shortcut fires.
Digits, signs, the decimal point and every key with Ctrl or Alt stay the field's.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

_PASSED_ON = {Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight}
_FIELD_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def is_shortcut_key(event: QKeyEvent) -> bool:
    """A letter or bracket without Ctrl / Alt: a tool shortcut, never input for a number field."""
    if event.modifiers() & _FIELD_MODIFIERS:
        return False
    key = event.key()
    return Qt.Key.Key_A.value <= key <= Qt.Key.Key_Z.value or key in {k.value for k in _PASSED_ON}


class LetterKeysToShortcuts(QObject):
    """The event filter of ``pass_letter_keys``."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        overriding = event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
        if overriding and is_shortcut_key(event):  # type: ignore[arg-type]
            event.ignore()  # Not overridden: the window's shortcut handles the key.
            return True
        return False


def pass_letter_keys(root: QWidget) -> LetterKeysToShortcuts:
    """Let single-key shortcuts through every number field under ``root`` (the filter is returned)."""
    keys = LetterKeysToShortcuts(root)
    for field in root.findChildren(QAbstractSpinBox):
        field.installEventFilter(keys)
    return keys
