"""The placement box and its handles: corners, hit-testing and handle drags on exact numbers."""

from __future__ import annotations

import pytest

from app.model.placement_handles import (
    INSIDE,
    ROTATE,
    box_centre,
    box_corners,
    handle_at,
    rotated_by_handle,
    rotation_handle,
    scaled_by_corner,
    turn,
    wrap_degrees,
)
from classic.placement import Placement

SIZE = (120, 90)  # width, height of the foreground photo
START = Placement(x=10.0, y=5.0, scale=1.0)


def approx_points(points: tuple[tuple[float, float], ...]) -> list[object]:
    return [pytest.approx(point, abs=1e-9) for point in points]


def test_box_corners_unrotated_and_scaled() -> None:
    assert box_corners(START, SIZE) == ((10.0, 5.0), (130.0, 5.0), (130.0, 95.0), (10.0, 95.0))
    half = Placement(x=0.0, y=0.0, scale=0.5)
    assert box_corners(half, SIZE) == ((0.0, 0.0), (60.0, 0.0), (60.0, 45.0), (0.0, 45.0))
    assert box_centre(half, SIZE) == (30.0, 22.5)


def test_a_quarter_turn_counter_clockwise_on_screen() -> None:
    # y points down: turning "right" (1, 0) counter-clockwise by 90° on screen gives "up" (0, -1).
    assert turn(1.0, 0.0, 90.0) == pytest.approx((0.0, -1.0))
    turned = Placement(x=10.0, y=5.0, scale=1.0, rotation=90.0)
    # Centre (70, 50); the subject's top-left corner (-60, -45) from it goes to (-45, 60).
    expected = ((25.0, 110.0), (25.0, -10.0), (115.0, -10.0), (115.0, 110.0))
    assert list(box_corners(turned, SIZE)) == approx_points(expected)
    assert rotation_handle(turned, SIZE, 20.0) == pytest.approx((5.0, 50.0))  # Left of the box: its "up".


def test_rotation_handle_sits_above_the_top_edge() -> None:
    assert rotation_handle(START, SIZE, 20.0) == (70.0, -15.0)  # 20 above the top edge at y = 5


def test_hit_testing() -> None:
    grab = {"tolerance": 4.0, "distance": 20.0}
    assert handle_at(START, SIZE, (132.0, 97.0), **grab) == "bottom-right"
    assert handle_at(START, SIZE, (8.0, 3.0), **grab) == "top-left"
    assert handle_at(START, SIZE, (71.0, -14.0), **grab) == ROTATE
    assert handle_at(START, SIZE, (70.0, 50.0), **grab) == INSIDE
    assert handle_at(START, SIZE, (136.0, 50.0), **grab) is None
    turned = Placement(x=10.0, y=5.0, rotation=90.0)
    assert handle_at(turned, SIZE, (25.0, -10.0), **grab) == "top-right"
    assert handle_at(turned, SIZE, (20.0, 100.0), **grab) is None  # Inside the unturned box only.


def test_dragging_a_corner_scales_about_the_opposite_corner() -> None:
    # The bottom-right corner dragged by (60, 45) along the diagonal (120, 90): 1.5 times as large.
    grown = scaled_by_corner(START, SIZE, "bottom-right", 60.0, 45.0)
    assert grown == Placement(x=10.0, y=5.0, scale=1.5)
    # The top-left corner dragged out: the bottom-right corner (130, 95) stays.
    left = scaled_by_corner(START, SIZE, "top-left", -120.0, -90.0)
    assert left.scale == 2.0 and box_corners(left, SIZE)[2] == (130.0, 95.0)
    # A drag across the diagonal does not change the size: only the component along it counts.
    assert scaled_by_corner(START, SIZE, "bottom-right", 90.0, -120.0) == START


def test_dragging_a_corner_about_the_centre() -> None:
    shrunk = scaled_by_corner(START, SIZE, "top-right", -30.0, 22.5, about_centre=True)
    assert shrunk.scale == 0.5 and box_centre(shrunk, SIZE) == (70.0, 50.0)
    assert (shrunk.x, shrunk.y) == (40.0, 27.5)


def test_scaling_stays_within_bounds() -> None:
    assert scaled_by_corner(START, SIZE, "bottom-right", -500.0, -500.0).scale == 0.01
    assert scaled_by_corner(START, SIZE, "bottom-right", 1e5, 1e5).scale == 20.0


def test_a_turned_corner_scales_along_its_own_diagonal() -> None:
    turned = Placement(x=10.0, y=5.0, rotation=90.0)
    # Its bottom-right corner is at (115, -10), the top-left at (25, 110): diagonal (90, -120).
    grown = scaled_by_corner(turned, SIZE, "bottom-right", 45.0, -60.0)
    assert grown.scale == pytest.approx(1.5) and grown.rotation == 90.0
    assert box_corners(grown, SIZE)[0] == pytest.approx((25.0, 110.0))


def test_dragging_the_rotation_handle_turns_about_the_centre() -> None:
    press = rotation_handle(START, SIZE, 20.0)  # (70, -15), straight above the centre (70, 50)
    assert rotated_by_handle(START, SIZE, press, (145.0, 50.0), snap=False).rotation == -90.0  # clockwise
    assert rotated_by_handle(START, SIZE, press, (0.0, 50.0), snap=False).rotation == 90.0
    diagonal = rotated_by_handle(START, SIZE, press, (140.0, -20.0), snap=False)
    assert diagonal.rotation == pytest.approx(-45.0)
    assert (diagonal.x, diagonal.y, diagonal.scale) == (10.0, 5.0, 1.0)


def test_shift_snaps_the_rotation_to_15_degrees() -> None:
    press = (70.0, -20.0)
    free = rotated_by_handle(START, SIZE, press, (145.0, 47.0), snap=False)
    assert free.rotation == pytest.approx(-87.709, abs=1e-3)
    assert rotated_by_handle(START, SIZE, press, (145.0, 47.0), snap=True).rotation == -90.0
    assert rotated_by_handle(START, SIZE, press, (145.0, 20.0), snap=True).rotation == -75.0


def test_rotation_wraps_to_a_half_open_circle() -> None:
    assert wrap_degrees(190.0) == -170.0 and wrap_degrees(-180.0) == -180.0 and wrap_degrees(180.0) == -180.0
    start = Placement(x=10.0, y=5.0, rotation=170.0)
    press = rotation_handle(start, SIZE, 20.0)
    # The handle points 260° round (atan2 says -100°); dragged to 180°: 170 + 180 + 100 = 450, wrapped 90.
    turned = rotated_by_handle(start, SIZE, press, (0.0, 50.0), snap=True)
    assert turned.rotation == 90.0
