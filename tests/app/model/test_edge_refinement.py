"""The global edge controls: radius re-mattes with a wider band; smooth, contrast and shift adjust alpha."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.edge_refinement import EdgeSettings, refine_edge, with_contrast
from classic.checks import InvalidInputError
from classic.pipeline import Cutout
from engine.pipeline import Pipeline, PipelineOptions
from tests.app.conftest import disc_photo

QUIET = {"progress": lambda _f, _m: None, "is_cancelled": lambda: False}


def _cutout(photo: np.ndarray) -> Cutout:
    rows, cols = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]]
    disc = (rows - photo.shape[0] / 2) ** 2 + (cols - photo.shape[1] / 2) ** 2 <= 25**2
    return Pipeline(PipelineOptions(segmentation="saliency")).cut_out(photo, mask=disc.astype(np.float32))


def test_contrast_steepens_about_one_half() -> None:
    ramp = np.linspace(0, 1, 11, dtype=np.float32)[None, :]
    np.testing.assert_array_equal(with_contrast(ramp, 0.0), ramp)
    steep = with_contrast(ramp, 1.0)
    assert steep[0, 5] == pytest.approx(0.5) and steep[0, 4] == 0.0 and steep[0, 6] == 1.0


def test_settings_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="contrast"):
        EdgeSettings(contrast=2.0)
    assert EdgeSettings().is_identity and not EdgeSettings(shift=1.0).is_identity


def test_radius_rematts_with_a_wider_band_and_the_rest_adjusts_the_alpha() -> None:
    photo = disc_photo(90, 120, radius=25)
    cutout = _cutout(photo)
    mask = cutout.mask
    pipeline = Pipeline(PipelineOptions(segmentation="saliency"))
    same = refine_edge(photo, mask, cutout, EdgeSettings(), pipeline=pipeline, **QUIET)
    np.testing.assert_array_equal(same.alpha, cutout.alpha)
    wide = refine_edge(photo, mask, cutout, EdgeSettings(radius=8.0), pipeline=pipeline, **QUIET)
    band = lambda trimap: int(((trimap > 0.25) & (trimap < 0.75)).sum())  # noqa: E731
    assert band(wide.trimap) > 2 * band(cutout.trimap)
    grown = refine_edge(photo, mask, cutout, EdgeSettings(shift=3.0), pipeline=pipeline, **QUIET)
    assert (grown.alpha > 0.5).sum() > (cutout.alpha > 0.5).sum()
    soft = refine_edge(photo, mask, cutout, EdgeSettings(smooth=3.0), pipeline=pipeline, **QUIET)
    fractional = lambda alpha: int(((alpha > 0.05) & (alpha < 0.95)).sum())  # noqa: E731
    assert fractional(soft.alpha) > fractional(cutout.alpha)
