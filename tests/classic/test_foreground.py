from __future__ import annotations

import numpy as np

from classic.foreground import estimate_foreground
from tests.classic.synthetic import composed, soft_disc_alpha


def _edge_error(estimate: np.ndarray, truth: np.ndarray, alpha: np.ndarray) -> float:
    edge = (alpha > 0.1) & (alpha < 0.9)
    return float(np.abs(estimate - truth)[edge].mean())


def test_decontamination_recovers_the_foreground_colour_at_the_edge() -> None:
    alpha = soft_disc_alpha(60, 80, radius=18, softness=8)
    image, foreground, _ = composed(alpha)
    estimate = estimate_foreground(image, alpha)
    assert estimate.shape == image.shape and estimate.dtype == np.float32
    # The mixed photo is far from F at the edge; the estimate must be much closer.
    assert _edge_error(estimate, foreground, alpha) < 0.4 * _edge_error(image, foreground, alpha)
    opaque = alpha == 1.0
    np.testing.assert_array_equal(estimate[opaque], image[opaque])


def test_large_photo_path_corrects_colours_at_working_resolution() -> None:
    alpha = soft_disc_alpha(600, 800, radius=180, softness=30)
    image, foreground, _ = composed(alpha)
    estimate = estimate_foreground(image, alpha, full_resolution_megapixels=0.1)
    assert _edge_error(estimate, foreground, alpha) < 0.5 * _edge_error(image, foreground, alpha)
