from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.pipeline import CutoutOptions, cut_out
from classic.progress import Cancelled
from tests.classic.synthetic import composed, soft_disc_alpha


def test_automatic_cut_out_produces_every_layer() -> None:
    truth = soft_disc_alpha(120, 160, radius=35, softness=4)
    image, _, _ = composed(truth)
    reports: list[float] = []
    result = cut_out(image, progress=lambda fraction, _message: reports.append(fraction))
    for layer in (result.mask, result.trimap, result.alpha):
        assert layer.shape == truth.shape and layer.dtype == np.float32
    assert result.foreground.shape == image.shape
    assert np.abs(result.alpha - truth).mean() < 0.02
    assert reports == sorted(reports) and reports[-1] == 1.0


def test_large_photo_is_matted_at_working_resolution() -> None:
    truth = soft_disc_alpha(900, 1200, radius=260, softness=6)
    image, _, _ = composed(truth)
    result = cut_out(image, options=CutoutOptions(matting_megapixels=0.2, decontaminate=False))
    assert result.alpha.shape == truth.shape
    assert np.abs(result.alpha - truth).mean() < 0.01


def test_given_mask_skips_segmentation_and_options_are_checked() -> None:
    truth = soft_disc_alpha(60, 80, radius=18, softness=4)
    image, _, _ = composed(truth)
    mask = (truth >= 0.5).astype(np.float32)
    result = cut_out(image, mask=mask)
    np.testing.assert_array_equal(result.mask, mask)
    with pytest.raises(InvalidInputError, match="matting method"):
        CutoutOptions(matting="magic")
    with pytest.raises(Cancelled):
        cut_out(image, is_cancelled=lambda: True)
