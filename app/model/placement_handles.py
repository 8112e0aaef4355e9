"""The placed subject's box and its scale and rotate handles: geometry, hit-testing and handle drags. No Qt.

The box is the scaled foreground photo, ``w·s × h·s`` background pixels whose unrotated top-left corner
is the placement's (x, y), turned by ``rotation`` degrees (counter-clockwise on screen) about its own
centre: the model ``classic.placement`` warps by. (The warp centres pixels, so the box and the warped
photo can differ by half a scaled pixel: nothing a handle on screen shows.)

Everything is in background pixels, with y pointing down. A corner drag scales the subject uniformly
(``Placement`` has one scale, so the aspect is always kept) with the opposite corner held still, or the
centre with ``about_centre``; the rotation handle sits above the top edge's midpoint and turns the
subject about its centre, snapping to ``SNAP_DEGREES`` when asked.
"""

from __future__ import annotations

import math
from dataclasses import replace

from classic.placement import Placement

Point = tuple[float, float]
Size = tuple[int, int]  # (width, height) of the foreground photo in pixels
CORNERS = ("top-left", "top-right", "bottom-right", "bottom-left")
ROTATE = "rotate"
INSIDE = "inside"
SNAP_DEGREES = 15.0
MIN_SCALE, MAX_SCALE = 0.01, 20.0


def turn(dx: float, dy: float, degrees: float) -> Point:
    """The vector (dx, dy) turned counter-clockwise on screen (y down) by ``degrees``."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    return dx * cos + dy * sin, -dx * sin + dy * cos


def box_centre(placement: Placement, size: Size) -> Point:
    """The centre of the subject's box, which rotation and ``about_centre`` scaling keep still."""
    width, height = size
    return placement.x + width * placement.scale / 2.0, placement.y + height * placement.scale / 2.0


def box_corners(placement: Placement, size: Size) -> tuple[Point, Point, Point, Point]:
    """The box's corners in ``CORNERS`` order (top-left, top-right, bottom-right, bottom-left of the
    subject, wherever rotation takes them)."""
    cx, cy = box_centre(placement, size)
    half_w, half_h = size[0] * placement.scale / 2.0, size[1] * placement.scale / 2.0
    offsets = ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h))
    turned = [turn(dx, dy, placement.rotation) for dx, dy in offsets]
    return (
        (cx + turned[0][0], cy + turned[0][1]),
        (cx + turned[1][0], cy + turned[1][1]),
        (cx + turned[2][0], cy + turned[2][1]),
        (cx + turned[3][0], cy + turned[3][1]),
    )


def rotation_handle(placement: Placement, size: Size, distance: float) -> Point:
    """The rotation handle: ``distance`` beyond the top edge's midpoint, along the subject's "up"."""
    cx, cy = box_centre(placement, size)
    dx, dy = turn(0.0, -(size[1] * placement.scale / 2.0 + distance), placement.rotation)
    return cx + dx, cy + dy


def handle_at(
    placement: Placement, size: Size, point: Point, *, tolerance: float, distance: float
) -> str | None:
    """What a press at ``point`` grabs: ``ROTATE``, one of ``CORNERS`` (the nearest within ``tolerance``),
    ``INSIDE`` the box, or None. ``distance`` places the rotation handle as in ``rotation_handle``."""
    if _distance(point, rotation_handle(placement, size, distance)) <= tolerance:
        return ROTATE
    near = [
        (_distance(point, corner), name)
        for corner, name in zip(box_corners(placement, size), CORNERS, strict=True)
    ]
    gap, name = min(near)
    if gap <= tolerance:
        return name
    cx, cy = box_centre(placement, size)
    # Turn the point back into the subject's unrotated frame, where the box is an upright rectangle.
    u, v = turn(point[0] - cx, point[1] - cy, -placement.rotation)
    inside = abs(u) <= size[0] * placement.scale / 2.0 and abs(v) <= size[1] * placement.scale / 2.0
    return INSIDE if inside else None


def scaled_by_corner(
    start: Placement, size: Size, corner: str, dx: float, dy: float, *, about_centre: bool = False
) -> Placement:
    """``start`` after dragging ``corner`` by (dx, dy): the scale follows the drag's component along the
    diagonal through the grabbed corner, and the opposite corner (or the centre) stays where it was."""
    corners = box_corners(start, size)
    index = CORNERS.index(corner)
    grabbed = corners[index]
    anchor = box_centre(start, size) if about_centre else corners[(index + 2) % 4]
    gx, gy = grabbed[0] - anchor[0], grabbed[1] - anchor[1]
    # Project the dragged corner onto the diagonal: the factor by which the box grows.
    factor = ((gx + dx) * gx + (gy + dy) * gy) / (gx * gx + gy * gy)
    scale = min(MAX_SCALE, max(MIN_SCALE, start.scale * factor))
    factor = scale / start.scale
    cx, cy = box_centre(start, size)
    # Scaling about the anchor moves the centre along the anchor-to-centre line by the same factor.
    new_cx, new_cy = anchor[0] + (cx - anchor[0]) * factor, anchor[1] + (cy - anchor[1]) * factor
    width, height = size
    return replace(start, x=new_cx - width * scale / 2.0, y=new_cy - height * scale / 2.0, scale=scale)


def rotated_by_handle(start: Placement, size: Size, press: Point, pointer: Point, *, snap: bool) -> Placement:
    """``start`` turned about its centre by the angle the pointer swept from ``press`` (counter-clockwise
    positive); with ``snap`` the rotation is rounded to a multiple of ``SNAP_DEGREES``."""
    cx, cy = box_centre(start, size)

    def bearing(point: Point) -> float:  # Counter-clockwise on screen, so y is negated.
        return math.degrees(math.atan2(cy - point[1], point[0] - cx))

    rotation = start.rotation + bearing(pointer) - bearing(press)
    if snap:
        rotation = SNAP_DEGREES * round(rotation / SNAP_DEGREES)
    return replace(start, rotation=wrap_degrees(rotation))


def wrap_degrees(degrees: float) -> float:
    """The same angle in [-180, 180)."""
    return (degrees + 180.0) % 360.0 - 180.0


def _distance(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
