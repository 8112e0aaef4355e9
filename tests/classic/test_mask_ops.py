"""Whole-mask commands on 20×20 masks: exact pixel counts for grow and shrink, feather's range."""

from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.mask_ops import disc, feather_mask, grow_mask, invert_mask, shrink_mask


def square(top: int = 6, size: int = 8) -> np.ndarray:
    mask = np.zeros((20, 20), np.float32)
    mask[top : top + size, top : top + size] = 1.0
    return mask


def test_invert_swaps_subject_and_background() -> None:
    mask = square()
    mask[0, 0] = 0.25
    inverted = invert_mask(mask)
    assert inverted.dtype == np.float32
    assert inverted[0, 0] == 0.75 and inverted[10, 10] == 0.0 and inverted[0, 19] == 1.0
    np.testing.assert_array_equal(invert_mask(inverted), mask)


def test_grow_and_shrink_a_binary_square_by_exact_discs() -> None:
    mask = square()  # 8 × 8 = 64 pixels.
    # Growing by 1 adds the 4 sides (4 × 8); by 2, the sides twice over and the corners within the disc.
    assert int(grow_mask(mask, 1).sum()) == 64 + 4 * 8
    assert int(grow_mask(mask, 2).sum()) == 64 + 4 * 16 + 4 * 1
    assert int(shrink_mask(mask, 1).sum()) == 36
    assert int(shrink_mask(mask, 3).sum()) == 4
    assert int(shrink_mask(mask, 4).sum()) == 0
    assert grow_mask(mask, 1).dtype == np.float32


def test_the_binary_shortcut_equals_grey_morphology_with_the_same_disc() -> None:
    import cv2

    rng = np.random.default_rng(3)
    mask = (rng.random((20, 20)) > 0.8).astype(np.float32)
    for radius in (1, 2, 3, 5):
        kernel = disc(radius)
        dilated = cv2.dilate(mask, kernel, borderType=cv2.BORDER_REPLICATE)
        eroded = cv2.erode(mask, kernel, borderType=cv2.BORDER_REPLICATE)
        np.testing.assert_array_equal(grow_mask(mask, radius), dilated)
        np.testing.assert_array_equal(shrink_mask(mask, radius), eroded)


def test_a_soft_edge_moves_out_and_in_keeping_its_values() -> None:
    mask = np.zeros((20, 20), np.float32)
    mask[:, 8:12] = 1.0
    mask[:, 7] = mask[:, 12] = 0.5  # A soft edge on either side.
    grown, shrunk = grow_mask(mask, 2), shrink_mask(mask, 1)
    np.testing.assert_array_equal(grown[5, 4:16], [0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0])
    assert grown[5, 5] == 0.5 and grown[5, 6] == 1.0 and grown[5, 14] == 0.5 and grown[5, 15] == 0.0
    assert shrunk[5, 8] == 0.5 and shrunk[5, 9] == 1.0 and shrunk[5, 11] == 0.5 and shrunk[5, 7] == 0.0


def test_growing_an_empty_or_full_mask_and_by_zero_changes_nothing() -> None:
    for mask in (np.zeros((20, 20), np.float32), np.ones((20, 20), np.float32)):
        np.testing.assert_array_equal(grow_mask(mask, 3), mask)
        np.testing.assert_array_equal(shrink_mask(mask, 3), mask)
    mask = square()
    assert grow_mask(mask, 0) is not mask
    np.testing.assert_array_equal(grow_mask(mask, 0), mask)


def test_feather_softens_the_edge_and_keeps_the_range() -> None:
    mask = square(top=4, size=12)
    feathered = feather_mask(mask, 4)
    assert feathered.dtype == np.float32
    assert feathered.min() >= 0.0 and feathered.max() <= 1.0
    assert 0.3 < feathered[10, 4] < 0.7  # The edge is halfway.
    assert feathered[10, 10] > 0.95 and feathered[10, 0] < 0.1
    assert abs(feathered.sum() - mask.sum()) < 0.02 * mask.sum()  # Blurring keeps the area.
    np.testing.assert_array_equal(feather_mask(mask, 0), mask)


def test_bad_input_raises_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="whole number"):
        grow_mask(square(), 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="whole number"):
        shrink_mask(square(), -1)
    with pytest.raises(InvalidInputError, match="feather"):
        feather_mask(square(), -2)
    with pytest.raises(InvalidInputError):
        invert_mask(np.zeros((4, 4, 3), np.float32))
