"""The uncertainty map: shapes, range, and higher on an ambiguous edge than on flat colour or a clear edge."""

from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.pipeline import cut_out
from classic.uncertainty import CUES, combine_cues, uncertainty_cues, uncertainty_map, working_size


def _scene() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """64×96: colour A left of column 48, B right. The mask's edge follows the colour edge in the top
    half (seen) and crosses flat colour A at column 24 in the bottom half (guessed)."""
    image = np.empty((64, 96, 3), np.float32)
    image[:, :48] = (0.8, 0.3, 0.2)
    image[:, 48:] = (0.1, 0.5, 0.7)
    mask = np.zeros((64, 96), np.float32)
    mask[:32, :48] = 1.0
    mask[32:, :24] = 1.0
    trimap = mask.copy()
    trimap[:32, 45:51] = 0.5
    trimap[32:, 21:27] = 0.5
    alpha = mask.copy()
    return image, mask, trimap, alpha


def test_cues_and_map_have_the_working_size_and_unit_range() -> None:
    image, mask, trimap, alpha = _scene()
    probability = np.full((20, 30), 0.5, np.float32)  # any size: resized to the working size
    cues = uncertainty_cues(image, mask, trimap, alpha, probability=probability)
    assert set(cues) == set(CUES)
    for cue in cues.values():
        assert cue.shape == (64, 96) and cue.dtype == np.float32
        assert cue.min() >= 0.0 and cue.max() <= 1.0
    result = uncertainty_map(image, mask, trimap, alpha)
    assert result.shape == (64, 96) and result.dtype == np.float16
    assert float(result.min()) >= 0.0 and float(result.max()) <= 1.0


def test_a_large_photo_gets_a_map_at_the_working_resolution() -> None:
    image = np.full((1200, 1000, 3), 0.5, np.float32)
    mask = np.zeros((1200, 1000), np.float32)
    mask[300:900, 200:800] = 1.0
    result = uncertainty_map(image, mask, mask, mask)
    assert result.shape == (working_size(image.shape)[1], working_size(image.shape)[0])
    assert result.size <= 0.31e6


def test_a_guessed_edge_is_more_unsure_than_a_seen_edge_and_flat_colour() -> None:
    image, mask, trimap, alpha = _scene()
    result = uncertainty_map(image, mask, trimap, alpha).astype(np.float32)
    guessed, seen, flat = result[48, 24], result[16, 48], result[8, 80]
    assert guessed > seen + 0.1
    assert seen > flat and flat < 0.05


def test_the_network_cues_mark_where_its_probability_is_near_one_half() -> None:
    image, mask, trimap, alpha = _scene()
    probability = mask.copy()
    probability[:, 70:90] = 0.5  # the network is unsure of a patch of flat background
    cues = uncertainty_cues(image, mask, trimap, alpha, probability=probability)
    assert cues["probability"][32, 80] > 0.5 > cues["probability"][32, 60]
    assert cues["disagreement"][32, 80] > cues["disagreement"][8, 36]
    without = uncertainty_cues(image, mask, trimap, alpha)
    assert not without["probability"].any() and not without["disagreement"].any()


def test_combine_weights_and_refusals() -> None:
    ones, zeros = np.ones((4, 4), np.float32), np.zeros((4, 4), np.float32)
    assert np.allclose(combine_cues({"a": ones, "b": zeros}, {"a": 0.5, "b": 1.0}), 0.5)
    assert np.allclose(combine_cues({"a": ones, "b": ones}, {"a": 0.5, "b": 0.5}), 0.75)
    with pytest.raises(InvalidInputError, match="no cue named c"):
        combine_cues({"a": ones}, {"c": 1.0})
    image, mask, trimap, alpha = _scene()
    with pytest.raises(InvalidInputError, match="probability"):
        uncertainty_cues(image, mask, trimap, alpha, probability=np.full((4, 4), 2.0, np.float32))


def test_every_cut_out_carries_its_map() -> None:
    image, _mask, _trimap, _alpha = _scene()
    disc = np.zeros((64, 96), np.float32)
    disc[16:48, 30:66] = 1.0
    cutout = cut_out(image, mask=disc)
    assert cutout.uncertainty is not None and cutout.uncertainty.shape == (64, 96)
