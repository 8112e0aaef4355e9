from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.trimap import band_width, mask_from_alpha, mask_from_trimap, trimap_from_mask


def _square(size: int = 20, low: int = 5, high: int = 15) -> np.ndarray:
    mask = np.zeros((size, size), np.float32)
    mask[low:high, low:high] = 1.0
    return mask


def test_band_in_pixels_marks_both_sides_of_the_edge() -> None:
    trimap = trimap_from_mask(_square(), band=4)
    # A band of 4 px: 2 px each side of the edge. The 10×10 square keeps a 6×6 core (well, ≤ 2 px from
    # the edge inside is unknown), and the unknown ring outside reaches 2 px.
    assert set(np.unique(trimap)) == {0.0, 0.5, 1.0}
    np.testing.assert_array_equal(trimap[8:12, 8:12], 1.0)
    assert trimap[5, 5] == 0.5 and trimap[3, 10] == 0.5 and trimap[2, 10] == 0.0
    assert int((trimap == 1.0).sum()) == 36


def test_relative_band_scales_with_the_image() -> None:
    assert band_width((300, 400), band_fraction=0.02) == pytest.approx(10.0)
    assert band_width((30, 40)) == 2.0  # never below 2 px
    with pytest.raises(InvalidInputError):
        band_width((30, 40), band=3, band_fraction=0.1)


def test_masks_from_trimap_and_alpha() -> None:
    alpha = np.array([[0.0, 0.49, 0.5, 1.0]], np.float32)
    np.testing.assert_array_equal(mask_from_alpha(alpha), [[0, 0, 1, 1]])
    trimap = np.array([[0.0, 0.5, 1.0]], np.float32)
    np.testing.assert_array_equal(mask_from_trimap(trimap), [[0, 1, 1]])


def test_empty_and_full_masks_have_no_unknown_band() -> None:
    assert (trimap_from_mask(np.zeros((10, 10), np.float32), band=4) == 0).all()
    assert (trimap_from_mask(np.ones((10, 10), np.float32), band=4) == 1).all()


def test_bad_inputs_raise() -> None:
    with pytest.raises(InvalidInputError, match="float32"):
        trimap_from_mask(np.zeros((4, 4), np.uint8))
    with pytest.raises(InvalidInputError, match="only 0"):
        mask_from_trimap(np.full((4, 4), 0.3, np.float32))
