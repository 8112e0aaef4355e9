"""The hint brushes' maths on 20×20 arrays, without Qt: label dabs, trimap painting, overlay colours."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.brush import EMPTY, Brush, Region, Stroke
from app.model.hints import (
    BACKGROUND,
    FOREGROUND,
    NO_HINT,
    PALETTE,
    UNKNOWN,
    HintLayer,
    band_labels,
    changed_region,
    footprint,
    labels_rgba,
    paint_label,
    paint_restore,
    paint_unknown,
)
from classic.checks import InvalidInputError

SHAPE = (20, 20)


def within(x: float, y: float, radius: float) -> np.ndarray:
    rows, cols = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]]
    return np.hypot(cols - x, rows - y) <= radius


def test_a_hard_label_dab_marks_exactly_the_disc() -> None:
    labels = np.zeros(SHAPE, np.uint8)
    region = paint_label(FOREGROUND)(labels, 10.0, 10.0, Brush(size=5.0, hardness=1.0))
    assert labels.dtype == np.uint8
    assert np.array_equal(labels == FOREGROUND, within(10, 10, 2.5))
    assert np.count_nonzero(labels) == 21  # the pixels within 2.5 px of a pixel centre
    assert region == Region(8, 8, 13, 13)
    paint_label(BACKGROUND)(labels, 12.0, 10.0, Brush(size=5.0, hardness=1.0))
    assert labels[10, 12] == BACKGROUND and labels[10, 8] == FOREGROUND  # labels replace, never blend
    assert paint_label(FOREGROUND)(labels, 40.0, 40.0, Brush(size=5.0)) == EMPTY  # off the map


def test_a_soft_dab_marks_where_its_weight_is_at_least_a_half() -> None:
    brush = Brush(size=10.0, hardness=0.0)
    region = Region(0, 0, *SHAPE)
    marked = footprint(region, 10.0, 10.0, brush)
    # Smoothstep falls from 1 at the centre to 0 at radius 5; it crosses a half at radius 2.5.
    assert np.array_equal(marked, within(10, 10, 2.5))
    labels = np.zeros(SHAPE, np.uint8)
    paint_label(BACKGROUND)(labels, 10.0, 10.0, Brush(size=10.0, hardness=0.0, opacity=0.1))
    assert np.count_nonzero(labels) == np.count_nonzero(marked)  # opacity plays no part in labels


def test_refine_edge_paints_unknown_and_restores_from_the_mask() -> None:
    mask = np.zeros(SHAPE, np.float32)
    mask[:, :10] = 1.0
    trimap = mask.copy()
    brush = Brush(size=7.0, hardness=1.0)
    paint_unknown(trimap, 10.0, 10.0, brush)
    disc = within(10, 10, 3.5)
    assert np.array_equal(trimap == 0.5, disc)
    assert np.array_equal(trimap[~disc], mask[~disc])
    paint_restore(mask)(trimap, 9.0, 10.0, Brush(size=3.0, hardness=1.0))
    restored = within(9, 10, 1.5)
    assert np.array_equal(trimap[restored], mask[restored])  # 1 on the mask's side, 0 beyond
    assert np.count_nonzero(trimap == 0.5) == np.count_nonzero(disc & ~restored)


def test_a_label_stroke_undoes_through_the_hint_layer() -> None:
    hints = HintLayer()
    events: list[tuple[str, object]] = []
    hints.connect(lambda name, window: events.append((name, window)))
    labels = hints.labels("grabcut hints", SHAPE)
    stroke = Stroke(labels, Brush(size=3.0, hardness=1.0), paint_label(FOREGROUND))
    stroke.move_to(2.0, 5.0)
    stroke.move_to(17.0, 5.0)
    bbox, old, new = stroke.finish()
    assert bbox == Region(4, 1, 7, 19) and not old.any() and (new[1, :] == FOREGROUND).all()
    after = labels.copy()
    hints.set_region("grabcut hints", bbox.window, old)
    assert not labels.any() and events == [("grabcut hints", bbox.window)]
    hints.set_region("grabcut hints", bbox.window, new)
    assert np.array_equal(labels, after)
    foreground, background = hints.seeds("grabcut hints")
    assert np.array_equal(foreground, after == FOREGROUND) and not background.any()


def test_hint_layer_makes_maps_on_demand_and_drops_them() -> None:
    hints = HintLayer()
    assert hints.get("quick select hints") is None
    labels = hints.labels("quick select hints", SHAPE)
    assert labels.shape == SHAPE and labels.dtype == np.uint8 and not labels.any()
    assert hints.labels("quick select hints", SHAPE) is labels
    assert hints.labels("quick select hints", (10, 10)).shape == (10, 10)  # another photo's size
    dropped: list[str] = []
    hints.connect(lambda name, window: dropped.append(name) if window is None else None)
    hints.reset()
    assert hints.get("quick select hints") is None and dropped == ["quick select hints"]
    with pytest.raises(KeyError, match="hint layers are"):
        hints.labels("trimap", SHAPE)
    hints.labels("grabcut hints", SHAPE)
    with pytest.raises(InvalidInputError, match="does not fit"):
        hints.set_region("grabcut hints", Region(0, 0, 2, 2).window, np.zeros((3, 3), np.uint8))


def test_overlay_colours() -> None:
    labels = np.array([[NO_HINT, FOREGROUND], [BACKGROUND, UNKNOWN]], np.uint8)
    rgba = labels_rgba(labels)
    assert rgba.shape == (2, 2, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, 3] == 0  # no hint: transparent
    assert rgba[0, 1, 1] > rgba[0, 1, 0] and rgba[1, 0, 0] > rgba[1, 0, 1]  # green, then red
    assert np.array_equal(rgba[1, 1], PALETTE[UNKNOWN])
    trimap = np.array([[0.0, 0.5, 1.0]], np.float32)
    assert band_labels(trimap).tolist() == [[NO_HINT, UNKNOWN, NO_HINT]]


def test_changed_region_bounds_the_differences() -> None:
    old = np.zeros(SHAPE, np.float32)
    new = old.copy()
    assert changed_region(old, new) == EMPTY
    new[3, 15] = 1.0
    new[12, 4] = 0.5
    assert changed_region(old, new) == Region(3, 4, 13, 16)
    with pytest.raises(InvalidInputError, match="shapes"):
        changed_region(old, new[:5])
