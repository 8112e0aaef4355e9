"""The brush toolbar: one button per editing tool and live size, hardness and opacity fields.

The buttons mirror the keyboard shortcuts (H, B, E, Shift+B, R, G, W) and follow the tool however it
was chosen; the fields follow ``[`` / ``]`` and the preferences' defaults. The tools themselves are in
``app.gui.painting`` and ``app.model.tools``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QMainWindow, QToolBar

from app.gui.painting import PaintController
from app.model.tools import MAX_SIZE, MIN_SIZE, BrushTool

# Button text, its tooltip's shortcut, and the tool's (kind, mode) as ``BrushTool`` holds them.
_BUTTONS: tuple[tuple[str, str, str, str], ...] = (
    ("Hand", "H", "", ""),
    ("Brush", "B", "mask", "add"),
    ("Eraser", "E", "mask", "subtract"),
    ("Smooth", "Shift+B", "mask", "smooth"),
    ("Refine Edge", "R", "refine edge", ""),
    ("GrabCut Hints", "G", "grabcut", ""),
    ("Quick Select", "W", "quick select", ""),
)


def current_button(tool: BrushTool) -> str:
    """The button that stands for ``tool``'s state: Hand when inactive, else its kind (or mask mode)."""
    for text, _key, kind, mode in _BUTTONS:
        if not tool.active and not kind:
            return text
        if tool.active and kind == tool.kind and (kind != "mask" or mode == tool.mode):
            return text
    return "Hand"


class BrushToolbar(QToolBar):
    """Tool buttons (exclusive) and the brush's size, hardness and opacity for ``painter``."""

    def __init__(self, painter: PaintController, parent: QMainWindow | None = None) -> None:
        super().__init__("Brush", parent)
        self.setObjectName("brush toolbar")
        self._painter = painter
        self._group = QActionGroup(self)
        self.buttons: dict[str, QAction] = {}
        for text, key, kind, mode in _BUTTONS:
            action = QAction(text, self)
            action.setCheckable(True)
            action.setToolTip(f"{text} ({key})")
            action.triggered.connect(lambda _checked=False, k=kind, m=mode: self._choose(k, m))
            self._group.addAction(action)
            self.addAction(action)
            self.buttons[text] = action
        self.addSeparator()
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

    def _choose(self, kind: str, mode: str) -> None:
        if not kind:
            self._painter.deactivate()
        elif kind == "mask":
            self._painter.activate(mode)  # type: ignore[arg-type]  # one of the BrushMode strings above
        else:
            self._painter.activate_kind(kind)  # type: ignore[arg-type]  # one of the ToolKind strings

    def sync(self) -> None:
        """Show the painter's tool: its button checked, its size, hardness and opacity in the fields."""
        tool = self._painter.tool
        self._syncing = True
        try:
            self.buttons[current_button(tool)].setChecked(True)
            self.size_field.setValue(tool.size)
            self.hardness_field.setValue(tool.hardness)
            self.opacity_field.setValue(tool.opacity)
        finally:
            self._syncing = False
