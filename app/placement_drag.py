"""Moving, scaling and rotating the subject by dragging on the composite shown on the canvas.

A plain drag moves the subject; Shift-drag scales it (up is larger, ×2 per 200 px); Ctrl- or Alt-drag
rotates it (½ ° per pixel to the right, counter-clockwise). ``dragged_placement`` is the Qt-free maths;
``PlacementDrag`` filters the canvas's mouse events while Move mode is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent

from app.canvas import Canvas
from classic.placement import Placement

SCALE_DOUBLING_PX = 200.0
DEGREES_PER_PX = 0.5
MIN_SCALE, MAX_SCALE = 0.01, 20.0


def dragged_placement(start: Placement, dx: float, dy: float, *, gesture: str) -> Placement:
    """``start`` after a drag of (dx, dy) screen-image pixels: ``move``, ``scale`` or ``rotate``.

    Rotation turns about the subject's centre; scaling keeps its top-left corner. (dx, dy) are in
    background pixels for ``move``.
    """
    if gesture == "move":
        return replace(start, x=start.x + dx, y=start.y + dy)
    if gesture == "scale":
        scale = min(MAX_SCALE, max(MIN_SCALE, start.scale * 2.0 ** (-dy / SCALE_DOUBLING_PX)))
        return replace(start, scale=scale)
    if gesture == "rotate":
        return replace(start, rotation=start.rotation - dx * DEGREES_PER_PX)
    raise ValueError(f"unknown drag gesture {gesture!r}")


def gesture_for(modifiers: Qt.KeyboardModifier) -> str:
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return "scale"
    if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
        return "rotate"
    return "move"


class PlacementDrag(QObject):
    """Turns drags on ``canvas`` into placements while ``enabled``; ``pixels_per_image_px()`` converts the
    shown image's pixels (a preview may be smaller) to background pixels."""

    def __init__(
        self,
        canvas: Canvas,
        current: Callable[[], Placement | None],
        apply: Callable[[Placement], None],
        pixels_per_image_px: Callable[[], float],
    ) -> None:
        super().__init__(canvas)
        self.enabled = False
        self._canvas, self._current, self._apply, self._ratio = canvas, current, apply, pixels_per_image_px
        self._start: tuple[QPointF, Placement, str] | None = None
        canvas.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.enabled or not isinstance(event, QMouseEvent):
            return False
        point = self._canvas.mapToScene(event.position().toPoint())
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            placement = self._current()
            if placement is None:
                return False
            self._start = (point, placement, gesture_for(event.modifiers()))
            return True
        if kind == QEvent.Type.MouseMove and self._start is not None:
            origin, placement, gesture = self._start
            ratio = self._ratio()
            dx, dy = (point.x() - origin.x()) * ratio, (point.y() - origin.y()) * ratio
            if gesture != "move":  # Scale and rotate by screen-image pixels, whatever the zoom.
                dx, dy = point.x() - origin.x(), point.y() - origin.y()
            self._apply(dragged_placement(placement, dx, dy, gesture=gesture))
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._start is not None:
            self._start = None
            return True
        return False
