from __future__ import annotations

import cv2
import numpy as np

from classic import foreground
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


def test_above_the_working_size_only_the_fractional_pixels_get_the_upsampled_correction() -> None:
    """The large-photo path: the photo itself where α is 0 or 1, exactly; where α is fractional the
    photo plus the working-resolution correction upsampled bilinearly, clipped to [0, 1]."""
    alpha = soft_disc_alpha(400, 600, radius=120.0, softness=30.0)
    image = composed(alpha)[0]
    correction = np.random.default_rng(4).normal(0.0, 0.2, (100, 150, 3)).astype(np.float32)
    got = foreground._corrected(image, alpha, correction)
    fractional = (alpha > 1 / 512) & (alpha < 1 - 1 / 512)
    expected = np.clip(image + cv2.resize(correction, (600, 400)) * fractional[:, :, None], 0.0, 1.0)
    np.testing.assert_array_equal(got[~fractional], image[~fractional])
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert fractional.any() and not np.array_equal(got, image)


def test_a_one_pixel_photo_with_a_fractional_alpha_keeps_its_colour() -> None:
    # pymatting's estimator divides by zero on a single pixel; a photo's smallest size still gets an answer.
    pixel = np.array([[[0.2, 0.4, 0.6]]], np.float32)
    np.testing.assert_array_equal(estimate_foreground(pixel, np.full((1, 1), 0.3, np.float32)), pixel)
