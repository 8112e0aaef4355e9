from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.saliency import estimate_saliency, select_subject
from tests.classic.synthetic import composed, disc_mask


def test_saliency_is_high_on_the_subject() -> None:
    truth = disc_mask(90, 120, radius=22)
    image, _, _ = composed(truth)
    saliency = estimate_saliency(image)
    assert saliency.shape == truth.shape and saliency.dtype == np.float32
    assert saliency.min() >= 0.0 and saliency.max() <= 1.0
    assert saliency[truth > 0].mean() > saliency[truth == 0].mean() + 0.4


def test_select_subject_without_any_hint() -> None:
    truth = disc_mask(120, 160, radius=30)
    image, _, _ = composed(truth)
    mask = select_subject(image)
    iou = ((mask > 0) & (truth > 0)).sum() / ((mask > 0) | (truth > 0)).sum()
    assert iou > 0.95


def test_off_centre_subject_is_found() -> None:
    truth = np.roll(disc_mask(120, 160, radius=25), (15, -35), axis=(0, 1))
    image, _, _ = composed(truth)
    mask = select_subject(image)
    iou = ((mask > 0) & (truth > 0)).sum() / ((mask > 0) | (truth > 0)).sum()
    assert iou > 0.9


def test_small_holes_are_filled_and_large_gaps_kept() -> None:
    from classic.saliency import _fill_small_holes

    mask = np.zeros((60, 60), np.float32)
    mask[5:55, 5:55] = 1.0
    mask[10:12, 10:12] = 0.0  # 4 px: a speck GrabCut left inside the subject
    mask[25:45, 25:45] = 0.0  # 400 px: a real gap
    filled = _fill_small_holes(mask)
    assert filled[10:12, 10:12].min() == 1.0
    assert filled[25:45, 25:45].max() == 0.0
    assert filled[:5].max() == 0.0  # the outside is not a hole


def test_a_collapsed_grabcut_falls_back_to_the_salient_region(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import classic.saliency as saliency

    truth = disc_mask(120, 160, radius=30)
    image, _, _ = composed(truth)
    monkeypatch.setattr(saliency, "grabcut", lambda small, **_: np.zeros(small.shape[:2], np.float32))
    mask = saliency.select_subject(image)
    iou = ((mask > 0) & (truth > 0)).sum() / ((mask > 0) | (truth > 0)).sum()
    assert iou > 0.5


@pytest.mark.parametrize("shape", [(1, 1), (440, 680)])
def test_a_flat_photo_has_no_subject_to_find(shape: tuple[int, int]) -> None:
    with pytest.raises(InvalidInputError, match="one flat colour"):
        select_subject(np.full((*shape, 3), 0.5, np.float32))


@pytest.mark.parametrize("shape", [(1, 500), (500, 1), (2, 4000), (3, 3)])
def test_thin_and_tiny_photos_get_a_mask(shape: tuple[int, int]) -> None:
    image = np.random.default_rng(1).random((*shape, 3), dtype=np.float32)
    mask = select_subject(image)
    assert mask.shape == shape and set(np.unique(mask)) <= {0.0, 1.0}
