"""The placement panel: the subject's offset, scale, rotation and flip as numeric fields.

The fields and ``placement()`` are bound both ways: ``set_placement`` (from a drag on the canvas)
updates the fields without echoing a change back; editing a field emits ``placement_changed``.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QWidget

from classic.placement import Placement


def _spin(minimum: float, maximum: float, step: float, decimals: int, suffix: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box


class PlacementPanel(QWidget):
    """x, y (background pixels), scale, rotation (degrees, counter-clockwise) and horizontal flip."""

    placement_changed = Signal(object)  # Placement

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_field = _spin(-100_000.0, 100_000.0, 10.0, 1, " px")
        self.y_field = _spin(-100_000.0, 100_000.0, 10.0, 1, " px")
        self.scale_field = _spin(0.01, 20.0, 0.05, 4, " ×")  # 4 places: 0.001 of a big photo is pixels.
        self.rotation_field = _spin(-360.0, 360.0, 1.0, 1, " °")
        self.flip_field = QCheckBox("Flip horizontally")
        self.scale_field.setValue(1.0)
        form = QFormLayout(self)
        form.addRow("X", self.x_field)
        form.addRow("Y", self.y_field)
        form.addRow("Scale", self.scale_field)
        form.addRow("Rotation", self.rotation_field)
        form.addRow("", self.flip_field)
        for box in (self.x_field, self.y_field, self.scale_field, self.rotation_field):
            box.valueChanged.connect(lambda _value: self._edited())
        self.flip_field.toggled.connect(lambda _checked: self._edited())
        self.setToolTip("Where the subject goes on the background; drag on the canvas in Move mode")

    def placement(self) -> Placement:
        return Placement(
            x=self.x_field.value(),
            y=self.y_field.value(),
            scale=self.scale_field.value(),
            rotation=self.rotation_field.value(),
            flip=self.flip_field.isChecked(),
        )

    def set_placement(self, placement: Placement, *, notify: bool = True) -> None:
        """Show ``placement`` in the fields; emits ``placement_changed`` once when ``notify``."""
        widgets = (self.x_field, self.y_field, self.scale_field, self.rotation_field, self.flip_field)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.x_field.setValue(placement.x)
            self.y_field.setValue(placement.y)
            self.scale_field.setValue(placement.scale)
            self.rotation_field.setValue(placement.rotation)
            self.flip_field.setChecked(placement.flip)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        if notify:
            self.placement_changed.emit(self.placement())

    def _edited(self) -> None:
        self.placement_changed.emit(self.placement())
