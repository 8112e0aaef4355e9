"""The brush's maths on 20×20 masks: exact pixel counts, fall-off, smoothing, strokes and undo patches."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.brush import Brush, Region, Stroke, apply_dab, dab_region, paste
from app.model.tools import BrushTool
from classic.checks import InvalidInputError


def blank(value: float = 0.0) -> np.ndarray:
    return np.full((20, 20), value, np.float32)


def test_hard_dab_sets_exactly_the_pixels_within_the_radius() -> None:
    mask = blank()
    region = apply_dab(mask, 10, 10, Brush(size=5, hardness=1.0))
    rows, cols = np.mgrid[0:20, 0:20]
    inside = (rows - 10) ** 2 + (cols - 10) ** 2 <= 2.5**2
    assert int(inside.sum()) == 21
    assert np.array_equal(mask == 1.0, inside)
    assert np.count_nonzero(mask) == 21
    assert region == Region(8, 8, 13, 13)


def test_dirty_region_bounds_everything_that_changed_and_is_clipped() -> None:
    mask = blank()
    region = apply_dab(mask, 1, 18, Brush(size=9, hardness=0.3))
    assert region == Region(14, 0, 20, 6)
    outside = mask.copy()
    outside[region.window] = 0
    assert not outside.any()
    assert apply_dab(mask, -30, -30, Brush(size=5)).empty
    assert dab_region((20, 20), 10.5, 10.5, 1.0) == Region(10, 10, 12, 12)


def test_opacity_moves_part_of_the_way() -> None:
    mask = blank(0.2)
    apply_dab(mask, 10, 10, Brush(size=5, opacity=0.5, mode="add"))
    assert mask[10, 10] == pytest.approx(0.6)  # 0.2 + (1 - 0.2) * 0.5
    assert mask[0, 0] == pytest.approx(0.2)
    apply_dab(mask, 10, 10, Brush(size=5, opacity=0.5, mode="subtract"))
    assert mask[10, 10] == pytest.approx(0.3)


def test_soft_dab_falls_off_from_a_hard_core() -> None:
    mask = blank()
    apply_dab(mask, 10, 10, Brush(size=10, hardness=0.5))
    assert mask[10, 10] == 1.0 and mask[10, 12] == 1.0  # within hardness * radius = 2.5
    assert 0.0 < mask[10, 14] < mask[10, 13] < 1.0  # falling off towards the rim
    assert mask[10, 15] == 0.0  # the rim itself
    assert np.array_equal(mask, mask.T)  # round


def test_eraser_clears_exactly_the_hard_disc() -> None:
    mask = blank(1.0)
    apply_dab(mask, 10, 10, Brush(size=5, mode="subtract"))
    assert np.count_nonzero(mask == 0.0) == 21
    assert np.count_nonzero(mask == 1.0) == 400 - 21


def test_smooth_blurs_an_edge_only_inside_the_dab() -> None:
    mask = blank()
    mask[:, 10:] = 1.0
    before = mask.copy()
    region = apply_dab(mask, 10, 10, Brush(size=7, mode="smooth"))
    assert 0.0 < mask[10, 9] < 0.5 < mask[10, 10] < 1.0
    changed = mask != before
    assert changed.any()
    outside = changed.copy()
    outside[region.window] = False
    assert not outside.any()
    assert mask[10, 9] + mask[10, 10] == pytest.approx(1.0, abs=1e-5)  # a symmetric blur of a symmetric edge


def test_stroke_spaces_dabs_a_quarter_of_the_size_apart() -> None:
    mask = blank()
    stroke = Stroke(mask, Brush(size=1, hardness=1.0))  # spacing max(1, 0.25) = 1 px: one pixel per dab
    stroke.move_to(2, 5)
    stroke.move_to(12, 5)
    assert np.count_nonzero(mask) == 11
    assert np.array_equal(np.flatnonzero(mask[5]), np.arange(2, 13))
    wide = blank()
    stroke = Stroke(wide, Brush(size=8, hardness=1.0))  # spacing 2 px
    dabs: list[Region] = []
    stroke.move_to(4, 10)
    for x in (5, 6, 7, 8, 9):  # 1 px moves: a dab every second move
        dabs.append(stroke.move_to(x, 10))
    assert [dab.empty for dab in dabs] == [True, False, True, False, True]
    assert stroke.region == Region(6, 0, 15, 13)


def test_pressure_scales_size_and_opacity() -> None:
    brush = Brush(size=10, opacity=0.8).with_pressure(0.5)
    assert brush.size == 5 and brush.opacity == pytest.approx(0.4)
    assert Brush(size=10).with_pressure(None) == Brush(size=10)


def test_stroke_patches_undo_and_redo_exactly() -> None:
    rng = np.random.default_rng(0)
    mask = rng.random((20, 20), dtype=np.float32)
    original = mask.copy()
    stroke = Stroke(mask, Brush(size=4, hardness=0.5, opacity=0.7))
    for x, y in ((3, 3), (10, 6), (16, 15)):
        stroke.move_to(x, y)
    painted = mask.copy()
    region, old, new = stroke.finish()
    assert old.shape == new.shape == (region.bottom - region.top, region.right - region.left)
    assert region == Region(1, 1, 17, 18)  # the last dab falls within one spacing of the end
    paste(mask, region, old)  # undo
    assert np.array_equal(mask, original)
    paste(mask, region, new)  # redo
    assert np.array_equal(mask, painted)


def test_finish_without_copying_gives_a_read_only_view_of_the_mask() -> None:
    mask = np.random.default_rng(1).random((20, 20), dtype=np.float32)
    original = mask.copy()
    stroke = Stroke(mask, Brush(size=6, hardness=0.5))
    for x, y in ((4, 4), (14, 12)):
        stroke.move_to(x, y)
    region, old, new = stroke.finish(copy=False)
    copied = stroke.finish()
    assert region == copied[0]
    np.testing.assert_array_equal(old, copied[1])
    np.testing.assert_array_equal(old, original[region.window])
    np.testing.assert_array_equal(new, copied[2])
    assert np.shares_memory(new, mask) and not new.flags.writeable
    assert not np.shares_memory(copied[2], mask) and copied[2].flags.writeable


def test_stroke_saves_tiles_across_a_large_mask() -> None:
    mask = np.zeros((300, 300), np.float32)
    stroke = Stroke(mask, Brush(size=20))
    stroke.move_to(10, 10)
    stroke.move_to(290, 280)
    region, old, new = stroke.finish()
    assert not old.any() and new.any()
    assert region == Region(0, 0, 288, 298)  # tiles saved along the whole diagonal, none missed


def test_bad_brushes_and_masks_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="size"):
        Brush(size=0)
    with pytest.raises(InvalidInputError, match="hardness"):
        Brush(hardness=1.5)
    with pytest.raises(InvalidInputError, match="mode"):
        Brush(mode="blur")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="float32"):
        apply_dab(np.zeros((4, 4)), 1, 1, Brush())
    with pytest.raises(InvalidInputError, match="fit"):
        paste(blank(), Region(0, 0, 2, 2), np.zeros((3, 3), np.float32))


def test_tool_state_swaps_and_resizes() -> None:
    tool = BrushTool(size=40)
    tool.activate("add")
    tool.swap()
    assert tool.mode == "subtract" and tool.brush().mode == "subtract"
    tool.grow()
    assert tool.size == 50
    tool.shrink()
    tool.shrink()
    assert tool.size == 32
    tool.activate("smooth")
    tool.swap()
    assert tool.mode == "smooth"
