"""The Preferences dialog: one form row per editable key of ``settings.SETTINGS``.

The editor for a key follows its declaration (choices → combo box, int → spin box, float → double spin
box); Accept writes every value back through ``Settings.set``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from app.gui.settings import SETTINGS, Setting, Settings

# Folders and recent files are remembered, not edited.
EDITABLE = tuple(key for key in SETTINGS if not key.startswith(("folders/", "recent/")))
_RANGES: dict[str, tuple[float, float]] = {
    "matting/band_fraction": (0.001, 0.2),
    "brush/size": (1, 2000),
    "brush/hardness": (0.0, 1.0),
    "brush/opacity": (0.0, 1.0),
    "editing/undo_limit": (1, 10_000),
    "files/max_megapixels": (1.0, 10_000.0),
    "export/quality": (1, 100),
}


def _editor(setting: Setting, value: Any) -> QWidget:
    if setting.choices:
        combo = QComboBox()
        combo.addItems(list(setting.choices))
        combo.setCurrentText(str(value))
        return combo
    low, high = _RANGES.get(setting.key, (0, 1_000_000))
    if setting.type is int:
        spin = QSpinBox()
        spin.setRange(int(low), int(high))
        spin.setValue(int(value))
        return spin
    double = QDoubleSpinBox()
    double.setDecimals(3)
    double.setSingleStep(0.01 if high <= 1 else 1.0)
    double.setRange(low, high)
    double.setValue(float(value))
    return double


def _value(widget: QWidget) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        return widget.value()
    raise TypeError(type(widget).__name__)


class PreferencesDialog(QDialog):
    """Edits ``settings``; ``editors`` maps each key to its widget (tests set values through it)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._settings = settings
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for key in EDITABLE:
            setting = SETTINGS[key]
            self.editors[key] = _editor(setting, settings.get(key))
            form.addRow(setting.label, self.editors[key])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        for key, widget in self.editors.items():
            self._settings.choose(key, _value(widget))
        self._settings.sync()
        super().accept()
