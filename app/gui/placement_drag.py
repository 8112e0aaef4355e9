"""Moving, scaling and rotating the subject by dragging on the composite shown on the canvas.

While Move mode is on, the canvas shows the subject's box (``placement_handles``): dragging a corner
handle scales the subject (the opposite corner stays put; with Alt, the centre), dragging the round
handle above the box turns it about its centre (with Shift, in 15° steps), and dragging anywhere else
moves it. Away from the handles, Shift-drag also scales (up is larger, ×2 per 200 px) and Ctrl- or
Alt-drag rotates (½ ° per pixel to the right, counter-clockwise). ``dragged_placement`` and
``placement_handles`` are the Qt-free maths; ``PlacementDrag`` filters the canvas's mouse events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCursor, QMouseEvent, QPainter

from app.gui.canvas import Canvas
from app.gui.placement_overlay import draw_handles
from app.model.placement_handles import (
    CORNERS,
    MAX_SCALE,
    MIN_SCALE,
    ROTATE,
    Point,
    Size,
    box_corners,
    handle_at,
    rotated_by_handle,
    rotation_handle,
    scaled_by_corner,
)
from classic.placement import Placement

SCALE_DOUBLING_PX = 200.0
DEGREES_PER_PX = 0.5
TOLERANCE_PX = 8.0  # How near a press must be, on screen, to grab a handle.
ROTATE_DISTANCE_PX = 28.0  # How far above the box's top edge, on screen, the rotation handle sits.
_CURSORS = {
    "top-left": Qt.CursorShape.SizeFDiagCursor,
    "bottom-right": Qt.CursorShape.SizeFDiagCursor,
    "top-right": Qt.CursorShape.SizeBDiagCursor,
    "bottom-left": Qt.CursorShape.SizeBDiagCursor,
    ROTATE: Qt.CursorShape.PointingHandCursor,
    "inside": Qt.CursorShape.SizeAllCursor,
}


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


@dataclass(frozen=True)
class _Grab:
    """A drag in progress: where it began (background and shown-image pixels), from what, doing what."""

    press: Point
    scene: Point
    placement: Placement
    gesture: str  # "move", "scale", "rotate", or the handle grabbed: a corner or ROTATE
    size: Size | None


class PlacementDrag(QObject):
    """Turns drags on ``canvas`` into placements while ``enabled``; ``pixels_per_image_px()`` converts the
    shown image's pixels (a preview may be smaller) to background pixels. ``subject_size()`` is the
    foreground photo's (width, height) while the canvas shows the background's frame, else None; the
    box and its handles are drawn and grabbed only then."""

    def __init__(
        self,
        canvas: Canvas,
        current: Callable[[], Placement | None],
        apply: Callable[[Placement], None],
        pixels_per_image_px: Callable[[], float],
        subject_size: Callable[[], Size | None] = lambda: None,
    ) -> None:
        super().__init__(canvas)
        self._canvas, self._current, self._apply, self._ratio = canvas, current, apply, pixels_per_image_px
        self._subject_size = subject_size
        self._enabled = False
        self._grab: _Grab | None = None
        self._saved_cursor: QCursor | None = None
        canvas.viewport().installEventFilter(self)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._enabled = on
        self._grab = None
        if on:
            self._canvas.viewport().setMouseTracking(True)  # Hovering a handle changes the cursor.
        else:
            self._show_cursor(None)
        self._canvas.set_overlay(self._draw if on else None)

    def refresh(self) -> None:
        """Redraw the box, e.g. after the numeric fields changed the placement."""
        if self._enabled:
            self._canvas.viewport().update()

    def shown(self) -> tuple[Placement, Size] | None:
        """The placement and foreground size the box is drawn for, or None when there is no box."""
        placement, size = self._current(), self._subject_size()
        return None if placement is None or size is None else (placement, size)

    def handle_under(self, point: Point) -> str | None:
        """The handle (or ``inside``) at background point ``point``, with the tolerances on screen."""
        shown = self.shown()
        if shown is None:
            return None
        unit = self._background_px_per_screen_px()
        return handle_at(*shown, point, tolerance=TOLERANCE_PX * unit, distance=ROTATE_DISTANCE_PX * unit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._enabled or not isinstance(event, QMouseEvent):
            return False
        scene = self._canvas.viewport_to_scene(event.position())
        ratio = self._ratio()
        point = (scene[0] * ratio, scene[1] * ratio)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            return self._press(point, scene, event.modifiers())
        if kind == QEvent.Type.MouseMove and self._grab is None:
            self._show_cursor(self.handle_under(point))
            return False
        if kind == QEvent.Type.MouseMove and self._grab is not None:
            self._apply(self._dragged(self._grab, point, scene, event.modifiers()))
            self._canvas.viewport().update()
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._grab is not None:
            self._grab = None
            return True
        return False

    def _press(self, point: Point, scene: Point, modifiers: Qt.KeyboardModifier) -> bool:
        placement = self._current()
        if placement is None:
            return False
        handle = self.handle_under(point)
        gesture = handle if handle in (*CORNERS, ROTATE) else gesture_for(modifiers)
        assert gesture is not None
        self._grab = _Grab(point, scene, placement, gesture, self._subject_size())
        return True

    def _dragged(self, grab: _Grab, point: Point, scene: Point, modifiers: Qt.KeyboardModifier) -> Placement:
        dx, dy = point[0] - grab.press[0], point[1] - grab.press[1]
        if grab.gesture in CORNERS and grab.size is not None:
            about_centre = bool(modifiers & Qt.KeyboardModifier.AltModifier)
            return scaled_by_corner(
                grab.placement, grab.size, grab.gesture, dx, dy, about_centre=about_centre
            )
        if grab.gesture == ROTATE and grab.size is not None:
            snap = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
            return rotated_by_handle(grab.placement, grab.size, grab.press, point, snap=snap)
        if grab.gesture == "move":
            return dragged_placement(grab.placement, dx, dy, gesture="move")
        # Scale and rotate by shown-image pixels: the same feel on a preview as on the full image.
        return dragged_placement(
            grab.placement, scene[0] - grab.scene[0], scene[1] - grab.scene[1], gesture=grab.gesture
        )

    def _background_px_per_screen_px(self) -> float:
        return self._ratio() / self._canvas.zoom

    def _draw(self, painter: QPainter) -> None:
        shown = self.shown()
        if shown is None:
            return
        placement, size = shown
        ratio = self._ratio()

        def on_screen(point: Point) -> Point:
            return self._canvas.scene_to_viewport(point[0] / ratio, point[1] / ratio)

        corners = box_corners(placement, size)
        top_middle = ((corners[0][0] + corners[1][0]) / 2.0, (corners[0][1] + corners[1][1]) / 2.0)
        rotate = rotation_handle(placement, size, ROTATE_DISTANCE_PX * self._background_px_per_screen_px())
        draw_handles(painter, tuple(on_screen(c) for c in corners), on_screen(top_middle), on_screen(rotate))

    def _show_cursor(self, handle: str | None) -> None:
        viewport = self._canvas.viewport()
        if handle is None:
            if self._saved_cursor is not None:
                viewport.setCursor(self._saved_cursor)
                self._saved_cursor = None
            return
        if self._saved_cursor is None:
            self._saved_cursor = viewport.cursor()
        viewport.setCursor(_CURSORS[handle])
