"""Metrics on tiny hand-made arrays whose answers are worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.metrics import (
    boundary_band,
    connectivity_error,
    connectivity_levels,
    error_rate,
    gaussian_gradient_kernel,
    gradient_error,
    gradient_magnitude,
    iou,
    mse,
    old_background_left,
    psnr,
    psnr_in_band,
    sad,
)


def f32(rows: list[list[float]]) -> np.ndarray:
    return np.array(rows, np.float32)


U = 0.5  # the trimap's unknown value


# --- SAD and MSE ---------------------------------------------------------------------------------------


def test_sad_and_mse_count_only_unknown_pixels() -> None:
    alpha = f32([[0.0, 0.5, 1.0], [0.25, 0.75, 1.0], [0.0, 0.0, 1.0]])
    truth = f32([[1.0, 0.25, 1.0], [0.5, 0.25, 0.0], [0.0, 0.0, 1.0]])
    trimap = f32([[0, U, 1], [U, U, 1], [0, 0, 1]])
    # Unknown pixels: |0.5 − 0.25| + |0.25 − 0.5| + |0.75 − 0.25| = 0.25 + 0.25 + 0.5 = 1.0; the known
    # pixels' errors (1.0 at the top left, 1.0 at the right) do not count.
    assert sad(alpha, truth, trimap) == pytest.approx(1.0 / 1000)
    # (0.0625 + 0.0625 + 0.25) / 3 = 0.125
    assert mse(alpha, truth, trimap) == pytest.approx(0.125)


def test_mse_without_unknown_pixels_is_zero() -> None:
    ones = np.ones((3, 3), np.float32)
    assert mse(ones * 0, ones, ones) == 0.0
    assert sad(ones * 0, ones, ones) == 0.0


def test_metrics_reject_mismatched_sizes() -> None:
    with pytest.raises(InvalidInputError, match="same size"):
        sad(np.zeros((3, 3), np.float32), np.zeros((3, 4), np.float32), np.zeros((3, 3), np.float32))


# --- gradient error ------------------------------------------------------------------------------------

SIGMA = 1.4
OFFSETS = np.arange(-4, 5, dtype=np.float64)  # ceil(1.4·sqrt(−2·ln(sqrt(2π)·1.4·0.01))) = ceil(3.62) = 4
GAUSS = np.exp(-(OFFSETS**2) / (2 * SIGMA**2)) / (SIGMA * math.sqrt(2 * math.pi))
DGAUSS = -OFFSETS * GAUSS / SIGMA**2
# hx = g ⊗ g′ is separable, so its L2 norm is ‖g‖·‖g′‖.
NORM = math.sqrt((GAUSS**2).sum() * (DGAUSS**2).sum())


def test_gradient_kernel_is_the_benchmarks_9x9_derivative_of_gaussian() -> None:
    kernel = gaussian_gradient_kernel()
    assert kernel.shape == (9, 9)
    assert (kernel**2).sum() == pytest.approx(1.0)
    np.testing.assert_allclose(kernel, np.outer(GAUSS, DGAUSS) / NORM)
    np.testing.assert_allclose(kernel, -kernel[:, ::-1])  # odd along x
    np.testing.assert_allclose(kernel, kernel[::-1, :])  # even along y


def test_gradient_of_a_ramp_is_its_slope_times_the_kernel_gain() -> None:
    # α(x) = a·x: hx sums g over rows (Σg) and Σ_u g′(u)·a·(x + u) = −a·Σu²g(u)/σ² over columns; hy
    # meets a constant along y and gives 0. Columns at least 4 from the border see no replicated pixel.
    slope = 0.04
    alpha = np.tile(np.arange(20, dtype=np.float32) * np.float32(slope), (7, 1))
    expected = slope * GAUSS.sum() * (OFFSETS**2 * GAUSS).sum() / SIGMA**2 / NORM  # ≈ 0.3873
    np.testing.assert_allclose(gradient_magnitude(alpha)[:, 4:-4], expected, rtol=1e-6)


def test_gradient_error_of_a_step_against_a_flat_matte() -> None:
    # A vertical step from 0 to 1 between columns 5 and 6; the truth is 0 everywhere (no gradient).
    # At column x the response is Σg · |Σ_{u ≥ 6 − x} g′(u)| / ‖hx‖: 2.662 on both sides of the edge,
    # then 1.556, 0.527, 0.096, and 0 from five columns away.
    alpha = np.zeros((6, 12), np.float32)
    alpha[:, 6:] = 1.0
    truth = np.zeros_like(alpha)
    trimap = np.full_like(alpha, U)
    profile = np.array([abs(GAUSS.sum() * DGAUSS[x + OFFSETS >= 6].sum()) / NORM for x in range(12)])
    np.testing.assert_allclose(profile[[4, 5, 6, 7]], [1.5562, 2.6620, 2.6620, 1.5562], atol=1e-4)
    np.testing.assert_allclose(gradient_magnitude(alpha)[0], profile, atol=1e-9)
    expected = 6 * (profile**2).sum() / 1000  # six identical rows ≈ 0.1175
    assert gradient_error(alpha, truth, trimap) == pytest.approx(expected)
    # Only the unknown pixels count: keep the edge's two columns unknown.
    narrow = np.zeros_like(alpha)
    narrow[:, 5:7] = U
    assert gradient_error(alpha, truth, narrow) == pytest.approx(6 * 2 * profile[5] ** 2 / 1000)


def test_flat_mattes_have_no_gradient_error_whatever_their_level() -> None:
    trimap = np.full((5, 5), U, np.float32)
    low, high = np.full((5, 5), 0.2, np.float32), np.full((5, 5), 0.9, np.float32)
    assert gradient_error(low, high, trimap) == pytest.approx(0.0, abs=1e-12)
    assert sad(low, high, trimap) == pytest.approx(25 * 0.7 / 1000)


# --- connectivity error --------------------------------------------------------------------------------


def test_connectivity_penalises_a_pixel_that_the_truth_keeps_connected() -> None:
    # Truth: all 1. Prediction: 1 except the corner, 0.5. For t ≤ 0.5 all nine pixels form one
    # component; from t = 0.6 the corner leaves it, so its level is 0.5 and everyone else's is 1.
    # Corner: d = 0.5 − 0.5 = 0 → φ = 1; truth d = 1 − 0.5 = 0.5 ≥ 0.15 → φ_gt = 0.5. Error 0.5 / 1000.
    truth = np.ones((3, 3), np.float32)
    alpha = truth.copy()
    alpha[0, 0] = 0.5
    trimap = np.full((3, 3), U, np.float32)
    levels = connectivity_levels(alpha, truth)
    assert levels[0, 0] == pytest.approx(0.5)
    assert (levels.ravel()[1:] == 1.0).all()
    assert connectivity_error(alpha, truth, trimap) == pytest.approx(0.5 / 1000)


def test_connectivity_of_a_split_row() -> None:
    # One row: prediction [1, 1, 1, 0, 1], truth all 1. From t = 0.1 the largest component is the
    # first three pixels; pixels 3 and 4 drop out at t = 0.1, so their level is 0.
    # Pixel 3: φ = 1 − 0·… = 1 (d = 0); φ_gt = 1 − 1 = 0 → |1 − 0| = 1.
    # Pixel 4: d = 1 for both → φ = φ_gt = 0. Pixels 0–2: level 1, d = 0 → both 1. Total 1 / 1000.
    alpha = f32([[1, 1, 1, 0, 1]])
    truth = np.ones_like(alpha)
    trimap = np.full_like(alpha, U)
    np.testing.assert_allclose(connectivity_levels(alpha, truth), [[1, 1, 1, 0, 0]])
    assert connectivity_error(alpha, truth, trimap) == pytest.approx(1.0 / 1000)
    # Known pixels do not count: with pixel 3 known the error vanishes.
    trimap[0, 3] = 1.0
    assert connectivity_error(alpha, truth, trimap) == pytest.approx(0.0)


def test_connectivity_below_the_drop_threshold_is_not_penalised() -> None:
    # A 0.9 pixel inside a truth of 1: it leaves the component at t = 1.0, so its level is 0.9 and
    # d = 0 (prediction) and 0.1 < 0.15 (truth): both φ = 1, no error although SAD is 0.1 / 1000.
    truth = np.ones((3, 3), np.float32)
    alpha = truth.copy()
    alpha[1, 1] = 0.9
    trimap = np.full((3, 3), U, np.float32)
    assert connectivity_error(alpha, truth, trimap) == pytest.approx(0.0, abs=1e-7)
    assert sad(alpha, truth, trimap) == pytest.approx(0.1 / 1000, rel=1e-5)


def test_identical_mattes_have_zero_errors() -> None:
    rng = np.random.default_rng(0)
    alpha = rng.random((9, 11)).astype(np.float32)
    trimap = np.full_like(alpha, U)
    for metric in (sad, mse, gradient_error, connectivity_error):
        assert metric(alpha, alpha, trimap) == 0.0


# --- segmentation --------------------------------------------------------------------------------------


def test_iou_and_error_rate_ignore_the_unlabelled_band() -> None:
    mask = f32([[1, 1, 0], [1, 0, 0], [1, 1, 1]])
    truth = f32([[1, 1, 1], [1, 0, 0], [U, U, U]])
    # Labelled: the top two rows. Subject: 4 pixels, predicted: 3 of them and no other → IoU 3/4.
    # Wrong: the top-right pixel only, among 6 labelled → 1/6. The bottom row's predictions don't count.
    assert iou(mask, truth) == pytest.approx(0.75)
    assert error_rate(mask, truth) == pytest.approx(1 / 6)


def test_iou_of_two_empty_masks_is_one() -> None:
    zeros = np.zeros((2, 2), np.float32)
    assert iou(zeros, zeros) == 1.0
    assert error_rate(zeros, zeros) == 0.0


def test_all_unlabelled_truth_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no labelled pixels"):
        error_rate(np.zeros((2, 2), np.float32), np.full((2, 2), U, np.float32))


# --- compositing ---------------------------------------------------------------------------------------


def test_psnr_with_a_peak_of_one() -> None:
    truth = np.zeros((2, 2, 3), np.float32)
    image = truth.copy()
    image[0, 0, 0] = 0.4
    # MSE = 0.16 / 12 → PSNR = 10·log10(12 / 0.16) = 18.75 dB.
    assert psnr(image, truth) == pytest.approx(10 * math.log10(12 / 0.16))
    assert psnr(truth, truth) == math.inf


def test_boundary_band_grows_the_unknown_region_by_euclidean_distance() -> None:
    trimap = np.zeros((9, 9), np.float32)
    trimap[4, 4] = U
    band = boundary_band(trimap, dilation=2)
    # The pixels within distance 2 of the centre: 1 + 4 + 4 + 4 = 13 (distance 1, √2, 2).
    assert int(band.sum()) == 13
    assert band[4, 6] and band[5, 5] and not band[5, 6]


def test_psnr_in_band_only_sees_the_band() -> None:
    truth = np.zeros((9, 9, 3), np.float32)
    trimap = np.zeros((9, 9), np.float32)
    trimap[4, 4] = U
    image = truth.copy()
    image[0, 0] = 1.0  # far from the band: no effect
    image[4, 5, 1] = 0.3
    # Band of 5 pixels (dilation 1), 15 values: MSE = 0.09 / 15.
    assert psnr_in_band(image, truth, trimap, dilation=1) == pytest.approx(10 * math.log10(15 / 0.09))
    with pytest.raises(InvalidInputError, match="no unknown pixels"):
        psnr_in_band(image, truth, np.zeros((9, 9), np.float32))


def test_old_background_left_is_the_share_of_the_photo_minus_truth_kept_on_the_subjects_side() -> None:
    rng = np.random.default_rng(0)
    truth = 0.1 + rng.random((9, 9, 3)).astype(np.float32) * 0.4
    photo = truth + rng.random((9, 9, 3)).astype(np.float32) * 0.5
    trimap = np.zeros((9, 9), np.float32)
    trimap[3:6, 3:6] = U
    alpha = np.zeros((9, 9), np.float32)
    alpha[:, 4:] = 0.5  # the subject's side: columns 4 to 8
    assert old_background_left(photo, truth, photo, alpha, trimap) == pytest.approx(100.0)
    assert old_background_left(truth, truth, photo, alpha, trimap) == 0.0
    blend = 0.75 * truth + 0.25 * photo
    assert old_background_left(blend, truth, photo, alpha, trimap) == pytest.approx(25.0)
    # Only the subject's side of the band counts: the background's side and pixels far away do not.
    outside = truth.copy()
    outside[:, :4] = photo[:, :4]
    outside[0, 8] = photo[0, 8]
    assert old_background_left(outside, truth, photo, alpha, trimap, dilation=1) == 0.0
    # An error across the old background's difference is not counted.
    across = truth.copy()
    across[4, 4] += np.cross(photo[4, 4] - truth[4, 4], [1.0, 0.0, 0.0]) * 0.1
    assert old_background_left(across, truth, photo, alpha, trimap) == pytest.approx(0.0, abs=1e-5)
    assert old_background_left(photo, truth, truth, alpha, trimap) == 0.0  # no old background shows
    with pytest.raises(InvalidInputError, match="no unknown pixels"):
        old_background_left(photo, truth, photo, alpha, np.zeros((9, 9), np.float32))
