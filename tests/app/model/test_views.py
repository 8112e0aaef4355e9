from __future__ import annotations

import numpy as np
import pytest

from app.model.views import (
    ViewOptions,
    alpha_grey,
    on_ground,
    outline,
    overlay,
    render_mask,
    render_mask_region,
    split,
)
from classic.checks import InvalidInputError

# A 4 x 3 photo (rows of grey levels) and a mask with a 2 x 2 subject and one half-transparent pixel.
PHOTO = np.repeat(np.array([0.2, 0.4, 0.6], np.float32)[:, None, None], 4, axis=1).repeat(3, axis=2)
MASK = np.array([[0, 1, 1, 0], [0, 1, 1, 0.5], [0, 0, 0, 0]], np.float32)


def test_overlay_tints_the_subject() -> None:
    result = overlay(PHOTO, MASK, (1.0, 0.0, 0.0), 0.5)
    assert np.allclose(result[0, 1], [0.6, 0.1, 0.1])
    assert np.allclose(result[1, 3], [0.55, 0.3, 0.3])  # opacity 0.5 × α 0.5
    assert np.allclose(result[2], PHOTO[2])


def test_on_black_and_on_white() -> None:
    black, white = on_ground(PHOTO, MASK, 0.0), on_ground(PHOTO, MASK, 1.0)
    assert np.allclose(black[1, 3], 0.2) and np.allclose(white[1, 3], 0.7)
    assert np.allclose(black[0, 0], 0.0) and np.allclose(white[0, 0], 1.0)
    assert np.allclose(black[0, 1], 0.2) and np.allclose(white[0, 1], 0.2)


def test_alpha_as_grey() -> None:
    grey = alpha_grey(MASK)
    assert grey.shape == (3, 4, 3) and np.array_equal(grey[..., 1], MASK)


def test_outline_marks_the_boundary_only() -> None:
    result = outline(PHOTO, MASK, (1.0, 1.0, 0.0))
    marked = np.all(result == [1.0, 1.0, 0.0], axis=2)
    expected = np.array([[0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 0, 0]], bool)
    assert np.array_equal(marked, expected)
    big = np.zeros((5, 5), np.float32)
    big[1:4, 1:4] = 1.0
    inner = outline(np.zeros((5, 5, 3), np.float32), big, (1.0, 1.0, 1.0))[..., 0]
    assert inner.sum() == 8 and inner[2, 2] == 0.0  # The centre of a 3 x 3 square is not on its edge.


def test_split_takes_left_from_before() -> None:
    after = np.ones_like(PHOTO)
    result = split(PHOTO, after, 0.5)
    assert np.array_equal(result[:, :2], PHOTO[:, :2]) and np.all(result[:, 2:] == 1.0)
    assert np.all(split(PHOTO, after, 0.0) == 1.0)
    assert np.array_equal(split(PHOTO, after, 2.0), PHOTO)


def test_render_mask_dispatches_and_rejects_unknown() -> None:
    options = ViewOptions()
    assert np.array_equal(render_mask("alpha", PHOTO, MASK, options), alpha_grey(MASK))
    with pytest.raises(InvalidInputError):
        render_mask("sepia", PHOTO, MASK, options)
    with pytest.raises(InvalidInputError):
        overlay(PHOTO, MASK[:2], (1.0, 0.0, 0.0), 0.5)


def test_outline_view_uses_the_chosen_colour() -> None:
    blue = (0.0, 0.25, 1.0)
    result = render_mask(
        "outline", PHOTO, MASK, ViewOptions(outline_colour=blue, overlay_colour=(1.0, 0.0, 0.0))
    )
    marked = np.all(result == np.asarray(blue, np.float32), axis=2)
    assert np.array_equal(marked, np.array([[0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 0, 0]], bool))
    assert np.array_equal(result[~marked], PHOTO[~marked])  # Everything else is the photo.


@pytest.mark.parametrize("mode", ["overlay", "on black", "on white", "alpha", "outline"])
def test_a_region_renders_as_that_part_of_the_whole_view(mode: str) -> None:
    """What a live stroke or an undo redraws in a mask view: exactly that part of the view, not raw mask."""
    rng = np.random.default_rng(3)
    photo = rng.random((20, 20, 3), dtype=np.float32)
    mask = (rng.random((20, 20)) > 0.5).astype(np.float32)
    options = ViewOptions()
    whole = render_mask(mode, photo, mask, options)
    for region in [(slice(5, 9), slice(3, 17)), (slice(0, 20), slice(0, 4)), (slice(15, 20), slice(18, 20))]:
        part = render_mask_region(mode, photo, mask, region, options)
        np.testing.assert_array_equal(part, whole[region])
