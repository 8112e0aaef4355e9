from __future__ import annotations

import numpy as np

from classic.saliency import estimate_saliency, select_subject
from tests.classic.synthetic import composed, disc_mask


def test_saliency_is_high_on_the_subject() -> None:
    truth = disc_mask(90, 120, radius=22)
    image, _, _ = composed(truth)
    saliency = estimate_saliency(image)
    assert saliency.shape == truth.shape and saliency.dtype == np.float32
    assert 0.0 <= saliency.min() and saliency.max() <= 1.0
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
