"""Quality metrics of the evaluation reports: matting, segmentation and compositing errors.

Matting errors follow the alphamatting.com benchmark (Rhemann et al. 2009) as computed by the MATLAB
code of Deep Image Matting (Xu et al. 2017), so the figures compare with published tables: alphas in
[0, 1], and only the trimap's unknown pixels (0.5) count. SAD and the gradient and connectivity errors
are divided by 1000, as the tables print them; MSE is the plain mean over the unknown pixels. The MATLAB
code stretches each matte to [0, 1] (``mat2gray``) before taking gradients; for a matte that holds both 0
and 1 (any matte solved from a trimap with both known regions) that is the identity, and it is not done
here. Segmentation errors ignore the ground truth's unlabelled band (0.5); compositing quality is PSNR
with a peak of 1 over the whole image or over the boundary band, and the share of the old background's
colour the composite keeps in that band.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
from scipy import ndimage

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size, check_trimap

GRADIENT_SIGMA = 1.4
GRADIENT_EPSILON = 0.01
CONNECTIVITY_STEP = 0.1
CONNECTIVITY_MIN_DROP = 0.15
BAND_DILATION = 7


def _unknown(alpha: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    check_matte("alpha", alpha)
    check_matte("ground-truth alpha", truth)
    check_trimap("trimap", trimap)
    check_same_size("alpha", alpha, "ground-truth alpha", truth)
    check_same_size("alpha", alpha, "trimap", trimap)
    return trimap == 0.5


def sad(alpha: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    """Sum of absolute differences over the unknown pixels, / 1000."""
    unknown = _unknown(alpha, truth, trimap)
    difference = alpha[unknown].astype(np.float64) - truth[unknown]
    return float(np.abs(difference).sum() / 1000.0)


def mse(alpha: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    """Mean squared error over the unknown pixels (0 when the trimap has none)."""
    unknown = _unknown(alpha, truth, trimap)
    if not unknown.any():
        return 0.0
    difference = alpha[unknown].astype(np.float64) - truth[unknown]
    return float(np.mean(difference**2))


def gaussian_gradient_kernel(sigma: float = GRADIENT_SIGMA, epsilon: float = GRADIENT_EPSILON) -> np.ndarray:
    """The benchmark's x-derivative kernel hx (9 × 9 for σ = 1.4): hx(i, j) = g(i)·g′(j), unit L2 norm.

    The half size is where the Gaussian's peak-normalised tail falls below ``epsilon``; rows vary with
    g, columns with its derivative g′(x) = −x·g(x)/σ², so hx differentiates along x. hy = hxᵀ.
    """
    half = math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2.0 * math.pi) * sigma * epsilon)))
    u = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-(u**2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))
    kernel = np.outer(gauss, -u * gauss / sigma**2)
    return kernel / np.sqrt((kernel**2).sum())


def gradient_magnitude(alpha: np.ndarray, sigma: float = GRADIENT_SIGMA) -> np.ndarray:
    """|∇α| (H, W) float64 with the benchmark's derivative-of-Gaussian kernels and replicated borders."""
    kernel = gaussian_gradient_kernel(sigma)
    values = alpha.astype(np.float64)
    # MATLAB convolves; correlating flips hx's sign only, which the magnitude does not see.
    dx = ndimage.correlate(values, kernel, mode="nearest")
    dy = ndimage.correlate(values, kernel.T, mode="nearest")
    return np.hypot(dx, dy)


def gradient_error(alpha: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    """Σ (|∇α| − |∇α_gt|)² over the unknown pixels, / 1000."""
    unknown = _unknown(alpha, truth, trimap)
    difference = gradient_magnitude(alpha) - gradient_magnitude(truth)
    return float((difference[unknown] ** 2).sum() / 1000.0)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    # Label the transpose so that components are numbered in MATLAB's column-major scan order, and a
    # tie between equal sizes goes to the same component as bwconncomp + max would pick.
    labels, count = ndimage.label(mask.T)  # the default structure is 4-connectivity
    if count == 0:
        return np.zeros_like(mask)
    sizes = np.bincount(labels.ravel())[1:]
    return (labels == int(np.argmax(sizes)) + 1).T


def connectivity_levels(alpha: np.ndarray, truth: np.ndarray, step: float = CONNECTIVITY_STEP) -> np.ndarray:
    """For each pixel, the last threshold (0, step, …, 1) at which it still belongs to the largest
    4-connected component of (α ≥ t) ∧ (α_gt ≥ t); 1 where it never leaves it."""
    count = round(1.0 / step)
    thresholds = [np.float32(k * step) for k in range(count + 1)]
    level = np.full(alpha.shape, -1.0, np.float32)
    for previous, threshold in itertools.pairwise(thresholds):
        # Compare in float32, as MATLAB compares single images with double thresholds.
        largest = _largest_component((alpha >= threshold) & (truth >= threshold))
        level[(level == -1.0) & ~largest] = previous
    level[level == -1.0] = 1.0
    return level


def connectivity_error(alpha: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    """Σ |φ − φ_gt| over the unknown pixels, / 1000, where φ = 1 − d·[d ≥ 0.15] and d = α − level."""
    unknown = _unknown(alpha, truth, trimap)
    level = connectivity_levels(alpha.astype(np.float32), truth.astype(np.float32))

    def phi(values: np.ndarray) -> np.ndarray:
        drop = values.astype(np.float32) - level
        return 1.0 - drop * (drop >= np.float32(CONNECTIVITY_MIN_DROP))

    return float(np.abs(phi(alpha) - phi(truth))[unknown].astype(np.float64).sum() / 1000.0)


def _segmentation(mask: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    check_matte("mask", mask)
    check_matte("ground-truth mask", truth)
    check_same_size("mask", mask, "ground-truth mask", truth)
    labelled = truth != 0.5
    if not labelled.any():
        raise InvalidInputError("the ground-truth mask has no labelled pixels (all are 0.5, ignored)")
    return mask >= 0.5, truth > 0.5, labelled


def iou(mask: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of the subject (mask ≥ 0.5) with the truth, ignoring truth == 0.5."""
    predicted, subject, labelled = _segmentation(mask, truth)
    union = int(((predicted | subject) & labelled).sum())
    if union == 0:
        return 1.0  # neither marks any subject pixel: they agree
    return int((predicted & subject & labelled).sum()) / union


def error_rate(mask: np.ndarray, truth: np.ndarray) -> float:
    """Fraction of the labelled pixels (truth ≠ 0.5) whose label the mask gets wrong."""
    predicted, subject, labelled = _segmentation(mask, truth)
    return int(((predicted != subject) & labelled).sum()) / int(labelled.sum())


def _psnr(squared_errors: np.ndarray) -> float:
    mean = float(np.mean(squared_errors))
    return math.inf if mean == 0.0 else 10.0 * math.log10(1.0 / mean)


def psnr(image: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two RGB images in [0, 1] (peak 1), over all pixels and
    channels; +inf for identical images."""
    check_image("image", image)
    check_image("ground truth", truth)
    check_same_size("image", image, "ground truth", truth)
    return _psnr((image.astype(np.float64) - truth) ** 2)


def boundary_band(trimap: np.ndarray, dilation: int = BAND_DILATION) -> np.ndarray:
    """The trimap's unknown pixels grown by ``dilation`` pixels (Euclidean), as a boolean (H, W)."""
    check_trimap("trimap", trimap)
    unknown = trimap == 0.5
    if dilation <= 0 or not unknown.any():
        return unknown
    # distanceTransform measures the distance to the nearest zero pixel, here the nearest unknown one.
    distance = cv2.distanceTransform((~unknown).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return distance <= dilation


def psnr_in_band(
    image: np.ndarray, truth: np.ndarray, trimap: np.ndarray, dilation: int = BAND_DILATION
) -> float:
    """PSNR (peak 1) over the boundary band: the trimap's unknown region dilated by ``dilation`` px."""
    band = _scored_band(image, {"ground truth": truth}, trimap, dilation)
    return _psnr((image[band].astype(np.float64) - truth[band]) ** 2)


def _scored_band(
    image: np.ndarray, others: dict[str, np.ndarray], trimap: np.ndarray, dilation: int
) -> np.ndarray:
    """The boundary band of ``trimap``, once ``image`` and the ``others`` images are checked to be RGB
    images of the trimap's size; refused when the trimap has no unknown pixels."""
    check_image("image", image)
    for name, values in others.items():
        check_image(name, values)
        check_same_size("image", image, name, values)
    check_same_size("image", image, "trimap", trimap)
    band = boundary_band(trimap, dilation)
    if not band.any():
        raise InvalidInputError("the trimap has no unknown pixels, so there is no boundary band to score")
    return band


def old_background_left(
    image: np.ndarray,
    truth: np.ndarray,
    photo: np.ndarray,
    alpha: np.ndarray,
    trimap: np.ndarray,
    dilation: int = BAND_DILATION,
) -> float:
    """How much of the old background's colour a composite keeps on the subject's side of its edge, in %.

    The photo is αF + (1 − α)B_old and the truth αF + (1 − α)B_new, so photo − truth = (1 − α)(B_old −
    B_new) is what the old background adds at each pixel. The result is the composite's error projected
    on it, 100·Σ⟨image − truth, photo − truth⟩ / Σ|photo − truth|², over the boundary band's pixels where
    the true ``alpha`` is at least 0.5: there a fringe of the old background shows (outside them the new
    background should show, and an error there is not the old background's). Pasting the photo's pixels
    scores 100, the truth 0; below 0 the composite overshoots away from the old background. Where the
    photo equals the truth on all those pixels, no old background shows there: 0.
    """
    band = _scored_band(image, {"ground truth": truth, "photo": photo}, trimap, dilation)
    check_matte("ground-truth alpha", alpha)
    check_same_size("image", image, "ground-truth alpha", alpha)
    subject = band & (alpha >= 0.5)
    expected = truth[subject].astype(np.float64)
    added = photo[subject] - expected
    weight = float((added**2).sum())
    if weight == 0.0:
        return 0.0
    return 100.0 * float(((image[subject] - expected) * added).sum()) / weight
