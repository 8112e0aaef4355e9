"""The brush toolbar: the brush's size, hardness and opacity as live fields, which follow ``[`` / ``]``
and the preferences' defaults. The tools are chosen in the tool palette (``app.gui.tool_actions``); the
brushes themselves are in ``app.gui.painting`` and ``app.model.tools``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QMainWindow, QToolBar

from app.gui.painting import PaintController
from app.model.tools import MAX_SIZE, MIN_SIZE


class BrushToolbar(QToolBar):
    """The brush's size, hardness and opacity for ``painter``."""

    def __init__(self, painter: PaintController, parent: QMainWindow | None = None) -> None:
        super().__init__("Brush", parent)
        self.setObjectName("brush toolbar")
        self._painter = painter
        self.size_field = self._field(
            "Size", MIN_SIZE, MAX_SIZE, 1.0, " px", lambda v: painter.set_brush(size=v)
        )
        self.hardness_field = self._field(
            "Hardness", 0.0, 1.0, 0.1, "", lambda v: painter.set_brush(hardness=v)
        )
        self.opacity_field = self._field("Opacity", 0.0, 1.0, 0.1, "", lambda v: painter.set_brush(opacity=v))
        painter.tool_changed.connect(lambda _text: self.sync())
        self.sync()

    def _field(
        self, label: str, low: float, high: float, step: float, suffix: str, apply: Callable[[float], None]
    ) -> QDoubleSpinBox:
        field = QDoubleSpinBox()
        field.setRange(low, high)
        field.setSingleStep(step)
        field.setDecimals(0 if suffix else 2)
        field.setSuffix(suffix)
        field.setToolTip(f"Brush {label.lower()}")
        field.valueChanged.connect(lambda value: apply(value) if not self._syncing else None)
        self.addWidget(QLabel(f" {label}: "))
        self.addWidget(field)
        return field

    _syncing = False

    def sync(self) -> None:
        """Show the painter's brush: its size, hardness and opacity in the fields."""
        tool = self._painter.tool
        self._syncing = True
        try:
            self.size_field.setValue(tool.size)
            self.hardness_field.setValue(tool.hardness)
            self.opacity_field.setValue(tool.opacity)
        finally:
            self._syncing = False
