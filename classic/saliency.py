"""Automatic subject selection without a network: a saliency estimate that initialises GrabCut.

The saliency estimate combines two background priors that hold for most photos of a subject:
- boundary connectivity (Wei et al. 2012, "Geodesic saliency using background priors"): background
  regions reach the image border along paths of low colour change, so the geodesic distance from the
  border over a CIELAB gradient cost is small on the background and large on the subject;
- border contrast: the subject's colours are far, in CIELAB, from every colour seen along the border.
Each cue is normalised to [0, 1]; their mean is weighted by a soft centre prior. It runs on a ~200 px
thumbnail, so it costs the same for every photo size.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.graph import MCP_Geometric

from classic.checks import InvalidInputError, check_image
from classic.grabcut import grabcut
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
    wrap_progress,
)
from classic.resize import downscale, guided_upsample, resize_to

THUMBNAIL_SIDE = 200
# The automatic selection only has to find the subject; the alpha is solved later at a finer scale, so a
# slightly coarser GrabCut than the interactive one keeps a 1 MP cut-out within 2 s.
SELECTION_MEGAPIXELS = 0.2
# A selection smaller than this share of the photo means GrabCut collapsed rather than found a subject.
MIN_SUBJECT_FRACTION = 0.005
# A photo whose channels vary by at most two 8-bit levels is one flat colour: no subject stands out.
FLAT_TOLERANCE = 2.0 / 255.0
_BORDER_FRACTION = 0.04
_BORDER_CLUSTERS = 8


def estimate_saliency(image: np.ndarray) -> np.ndarray:
    """Saliency (H, W) float32 in [0, 1] of an RGB image (H, W, 3): high on the likely subject."""
    check_image("image", image)
    thumbnail = _thumbnail(image)
    lab = cv2.GaussianBlur(cv2.cvtColor(thumbnail, cv2.COLOR_RGB2LAB) / np.float32(100.0), (0, 0), 1.0)
    border = _border_mask(lab.shape[:2])
    combined = (
        _normalise(_geodesic_from_border(lab, border)) + _normalise(_border_contrast(lab, border))
    ) / 2
    saliency = _normalise(combined * _centre_prior(lab.shape[:2]))
    return resize_to(saliency, (image.shape[1], image.shape[0]))


def select_subject(
    image: np.ndarray,
    *,
    working_megapixels: float = SELECTION_MEGAPIXELS,
    iterations: int = 4,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Find the subject automatically; returns a binary mask (H, W) float32 0 / 1.

    GrabCut starts from the saliency estimate: salient pixels (above Otsu's threshold) are probable
    foreground, the rest probable background, and non-salient border pixels definite background.
    """
    check_image("image", image)
    progress(0.0, "Estimating saliency")
    small = downscale(image, working_megapixels)
    if is_flat(small):
        raise InvalidInputError("the photo is one flat colour, so there is no subject to find in it")
    saliency = estimate_saliency(small)
    raise_if_cancelled(is_cancelled)
    threshold = _otsu_threshold(saliency)
    probable = (saliency >= threshold).astype(np.float32)
    background = (_border_mask(saliency.shape) & (saliency < threshold / 2)).astype(np.float32)
    small_mask = grabcut(
        small,
        probable_foreground=probable,
        background_hints=background,
        iterations=iterations,
        seed=seed,
        progress=wrap_progress(progress, 0.1, 1.0),
        is_cancelled=is_cancelled,
    )
    if small_mask.mean() < MIN_SUBJECT_FRACTION:
        # GrabCut can collapse to (nearly) all background when the subject's colours also fill the border
        # (a dandelion on a meadow); the salient region is then a better answer than nothing.
        small_mask = probable
    small_mask = _fill_small_holes(_keep_large_components(small_mask))
    if small is image:
        return small_mask
    return (guided_upsample(small_mask, small, image) >= 0.5).astype(np.float32)


def is_flat(image: np.ndarray, *, tolerance: float = FLAT_TOLERANCE) -> bool:
    """True when no channel of ``image`` (H, W, 3) in [0, 1] varies by more than ``tolerance``."""
    spread = image.reshape(-1, 3).max(axis=0) - image.reshape(-1, 3).min(axis=0)
    return bool((spread <= tolerance).all())


def _thumbnail(image: np.ndarray) -> np.ndarray:
    scale = THUMBNAIL_SIDE / max(image.shape[:2])
    size = (max(8, round(image.shape[1] * scale)), max(8, round(image.shape[0] * scale)))
    return resize_to(image, size)


def _border_mask(shape: tuple[int, ...]) -> np.ndarray:
    height, width = shape[:2]
    margin = max(1, round(_BORDER_FRACTION * min(height, width)))
    border = np.ones((height, width), bool)
    border[margin:-margin, margin:-margin] = False
    return border


def _geodesic_from_border(lab: np.ndarray, border: np.ndarray) -> np.ndarray:
    # Cost of a step: the colour gradient magnitude plus a small constant so flat regions still add up.
    dx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    cost = np.sqrt((dx**2 + dy**2).sum(axis=2)) + 0.01
    starts = np.argwhere(border)
    distances, _ = MCP_Geometric(cost.astype(np.float64)).find_costs(starts)
    return distances.astype(np.float32)


def _border_contrast(lab: np.ndarray, border: np.ndarray) -> np.ndarray:
    samples = lab[border].astype(np.float32)
    clusters = min(_BORDER_CLUSTERS, len(samples))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1e-3)
    cv2.setRNGSeed(0)
    labels = np.zeros((len(samples), 1), np.int32)
    _, _, centres = cv2.kmeans(samples, clusters, labels, criteria, 2, cv2.KMEANS_PP_CENTERS)
    pixels = lab.reshape(-1, 1, 3)
    distances = np.linalg.norm(pixels - centres[None, :, :], axis=2).min(axis=1)
    return distances.reshape(lab.shape[:2]).astype(np.float32)


def _centre_prior(shape: tuple[int, ...]) -> np.ndarray:
    height, width = shape[:2]
    ys = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / height
    xs = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / width
    return np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2) / (2 * 0.3**2)).astype(np.float32)


def _normalise(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def _otsu_threshold(saliency: np.ndarray) -> float:
    quantised = np.round(saliency * 255.0).astype(np.uint8)
    threshold, _ = cv2.threshold(quantised, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return max(float(threshold) / 255.0, 1.0 / 255.0)


def _fill_small_holes(mask: np.ndarray, *, max_fraction: float = 0.01) -> np.ndarray:
    # GrabCut punches small holes where the subject has a patch of background-like colour (dark eyes,
    # a shadowed collar). Holes smaller than 1 % of the subject are filled; larger ones are kept as
    # real gaps (between an arm and the body, say), and matting re-solves every hole's edge anyway.
    holes = (mask == 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    height, width = mask.shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    enclosed = (left > 0) & (top > 0) & (right < width) & (bottom < height)
    small = stats[:, cv2.CC_STAT_AREA] <= max_fraction * mask.sum()
    fill = np.flatnonzero(enclosed & small & (np.arange(count) > 0))
    filled = mask.copy()
    filled[np.isin(labels, fill)] = 1.0
    return filled


def _keep_large_components(mask: np.ndarray, *, min_fraction: float = 0.05) -> np.ndarray:
    # GrabCut leaves specks that match the subject's colours; keep components of a sizeable fraction
    # of the largest one, which also keeps a subject made of a few separate parts.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= min_fraction * areas.max()) + 1
    return np.isin(labels, keep).astype(np.float32)
