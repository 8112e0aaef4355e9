"""The box (U) and lasso (L) tools: a drag draws a shape on the canvas instead of dabs.

Both are ``StrokeHandler``s of the painter: the drag's path is recorded through a ``Stroke`` whose
painter notes each point and paints nothing, so they work wherever the canvas shows an image of the
foreground's size (a mask view, or a mask or the photo in the layers view).

- **Box**: the drawn rectangle becomes a new cut-out, GrabCut from inside it (as ``--rect`` on the
  command line); the GrabCut hint brush refines it after.
- **Lasso**: the drawn outline, closed, is filled into the mask the brush paints (the one shown): it
  replaces the mask, Shift adds to it, Alt subtracts from it. One undo step ("Lasso"); the alpha follows
  a lasso on the segmentation mask, the composite one on the alpha, as after a brush stroke.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QApplication

from app.gui.brush_window import BrushWindow
from app.gui.patch_command import Change, PatchCommand
from app.model.brush import Brush, Region, Stroke
from app.model.edit_target import PAINTABLE_LAYERS
from app.model.selection import LassoMode, lasso_mask, lasso_region
from app.model.tools import BrushTool
from classic.grabcut import Rect

if TYPE_CHECKING:
    pass


class SelectionWindow(BrushWindow, Protocol):
    """What the box and lasso tools use of the main window."""

    def run_cutout(self, rect: Rect | None = None) -> bool: ...


def lasso_mode() -> LassoMode:
    """Replace, or add with Shift, subtract with Alt (as Photoshop's selection tools)."""
    modifiers = QApplication.keyboardModifiers()
    if modifiers & Qt.KeyboardModifier.AltModifier:
        return "subtract"
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return "add"
    return "replace"


class SelectionTools(QObject):
    """The ``StrokeHandler`` of the box and lasso tools on ``window``."""

    def __init__(self, window: SelectionWindow) -> None:
        super().__init__(window.window())
        self._window = window
        self._points: list[tuple[float, float]] = []
        self._kind = ""
        for kind in ("box", "lasso"):
            window.painter.set_handler(kind, self)
        window.canvas.set_overlay(self._draw, key="selection")

    def target(self, tool: BrushTool) -> str | None:
        """The layer a drag draws on: the mask the brush paints (lasso) or the photo (box), when the
        canvas shows an image of the foreground's size."""
        layers, canvas = self._window.layers, self._window.canvas
        photo = layers.get("foreground")
        if photo is None or canvas.image_size != (photo.shape[1], photo.shape[0]):
            return None
        if tool.kind == "box":
            return "foreground"
        shown = self._window.painter.shown_layer()
        return shown if shown in PAINTABLE_LAYERS else None

    def begin(self, tool: BrushTool) -> Stroke | None:
        name = self.target(tool)
        image = None if name is None else self._window.layers.get(name)
        if image is None:
            return None
        self._points, self._kind = [], tool.kind
        # A 1-px "brush" dabs every pixel along the path; its painter only notes where.
        return Stroke(image, Brush(size=1.0), self._record)

    def painted(self, stroke: Stroke, dirty: Region) -> None:
        self._window.canvas.viewport().update()

    def finish(self, stroke: Stroke) -> None:
        points, kind = self._points, self._kind
        self._points, self._kind = [], ""
        self._window.canvas.viewport().update()
        if kind == "box":
            self._box(points)
        elif kind == "lasso":
            self._lasso(points, lasso_mode())

    def _record(self, array: np.ndarray, x: float, y: float, _brush: Brush) -> Region:
        self._points.append((x, y))
        row, col = min(max(0, round(y)), array.shape[0] - 1), min(max(0, round(x)), array.shape[1] - 1)
        return Region(row, col, row + 1, col + 1)

    def _box(self, points: list[tuple[float, float]]) -> None:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        rect = Rect(
            round(min(xs)), round(min(ys)), round(max(xs) - min(xs)) + 1, round(max(ys) - min(ys)) + 1
        )
        if rect.width < 8 or rect.height < 8:
            self._window.statusBar().showMessage("Box: drag a larger rectangle around the subject", 5_000)
            return
        self._window.run_cutout(rect)

    def _lasso(self, points: list[tuple[float, float]], mode: LassoMode) -> None:
        name = self._window.painter.shown_layer()
        layers = self._window.layers
        mask = layers.get(name) if name in PAINTABLE_LAYERS and name is not None else None
        if name is None or mask is None or len(points) < 3:
            return
        new = lasso_mask(mask, points, mode)
        region = lasso_region(mask, new)
        if region.empty:
            return
        window = region.window
        self._window.undo_stack.push(
            PatchCommand("Lasso", [Change(layers, name, region, mask[window].copy(), new[window])])
        )
        if name == "segmentation mask":
            self._window.touch_up.resolve_around(region)
        elif name == "alpha":
            self._window.touch_up.refresh_composite(region)

    def _draw(self, painter: QPainter) -> None:
        if len(self._points) < 2:
            return
        canvas = self._window.canvas
        shown = [QPointF(*canvas.scene_to_viewport(x + 0.5, y + 0.5)) for x, y in self._points]
        if self._kind == "box":
            xs, ys = [p.x() for p in shown], [p.y() for p in shown]
            shape = QPolygonF(
                [QPointF(min(xs), min(ys)), QPointF(max(xs), min(ys)), QPointF(max(xs), max(ys)),
                 QPointF(min(xs), max(ys))]
            )  # fmt: skip
        else:
            shape = QPolygonF(shown)
        for colour, style in (
            (QColor(0, 0, 0), Qt.PenStyle.SolidLine),
            (QColor(255, 255, 255), Qt.PenStyle.DashLine),
        ):
            painter.setPen(QPen(colour, 1.5, style))
            painter.drawPolygon(shape)
