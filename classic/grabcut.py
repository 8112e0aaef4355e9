"""GrabCut (Rother et al. 2004) at a working resolution, with rectangle and brush hints.

OpenCV's GrabCut fits two 5-component full-covariance GMMs and alternates component assignment, GMM
learning and a min-cut. It is O(pixels) per iteration, so a 24 MP photo is first brought down to about
0.3 MP; the resulting mask returns to full resolution through guided upsampling, and the user's hints are
enforced again at full resolution. OpenCV's GMM initialisation is random: ``seed`` makes runs repeatable.

``grabcut_with_hints`` is the editor's re-run: it starts from the current segmentation mask and the
hints the user brushed, and can keep every pixel farther than ``reach`` from a hint as it was.

``grabcut_from_probability`` seeds GrabCut with a subject probability (a segmentation network's): the
confident regions are fixed, and the colour models and the min-cut decide the unsure band between them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size
from classic.colour_models import models_separate
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from classic.resize import downscale, guided_upsample, resize_to, working_scale

WORKING_MEGAPIXELS = 0.3
CONVERGED_FRACTION = 0.002
# No round starts after this many seconds (a normal 0.3 MP round takes well under one).
TIME_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class Rect:
    """An axis-aligned box in pixels: left, top, width, height."""

    x: int
    y: int
    width: int
    height: int

    def clipped(self, width: int, height: int) -> Rect:
        """The part of the box inside an image of ``width`` × ``height``; raises when nothing is left."""
        left, top = max(0, self.x), max(0, self.y)
        right, bottom = min(width, self.x + self.width), min(height, self.y + self.height)
        if right - left < 2 or bottom - top < 2:
            shown = f"{self.x},{self.y},{self.width},{self.height}"
            raise InvalidInputError(
                f"the rectangle {shown} leaves less than 2 x 2 pixels of the {width}x{height} image to "
                "start from"
            )
        return Rect(left, top, right - left, bottom - top)


def grabcut(
    image: np.ndarray,
    *,
    rect: Rect | None = None,
    probable_foreground: np.ndarray | None = None,
    foreground_hints: np.ndarray | None = None,
    background_hints: np.ndarray | None = None,
    iterations: int = 5,
    working_megapixels: float = WORKING_MEGAPIXELS,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Segment ``image`` (H, W, 3) and return a binary mask (H, W) float32 0 / 1.

    At least one of ``rect`` (everything outside is background) and ``probable_foreground`` (a (H, W)
    mask in [0, 1]; ≥ 0.5 starts as probable foreground) is needed. ``foreground_hints`` and
    ``background_hints`` are (H, W) masks of brushed pixels (> 0) that are fixed to that label.
    """
    check_image("image", image)
    if rect is None and probable_foreground is None:
        raise InvalidInputError("GrabCut needs a rectangle or a probable-foreground mask to start from")
    small = downscale(image, working_megapixels)
    labels = _initial_labels(
        image, small.shape, rect, probable_foreground, foreground_hints, background_hints
    )
    small_mask = _run_grabcut(small, labels, iterations, seed, progress, is_cancelled)
    if small is image:
        mask = small_mask
    else:
        mask = (guided_upsample(small_mask, small, image) >= 0.5).astype(np.float32)
    return _enforce_hints(mask, foreground_hints, background_hints)


def grabcut_with_hints(
    image: np.ndarray,
    mask: np.ndarray,
    foreground_hints: np.ndarray,
    background_hints: np.ndarray,
    *,
    reach: float | None = None,
    iterations: int = 5,
    working_megapixels: float = WORKING_MEGAPIXELS,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Re-run GrabCut on ``image`` (H, W, 3) from a segmentation ``mask`` (H, W) in [0, 1] and hints.

    The mask's pixels ≥ 0.5 start as probable foreground, the rest as probable background; hinted
    pixels (bool or float (H, W), nonzero: brushed) are fixed to their label and keep it in the result.
    With ``reach`` (pixels), only pixels within ``reach`` of a hint may change: farther ones are fixed
    to their current label during the min-cut (the colour models still learn from the whole photo) and
    are returned exactly as ``mask`` has them, so a hint never disturbs a distant part of the edge.
    Returns float32 (H, W): 0 / 1 within reach, ``mask``'s values elsewhere.
    """
    check_image("image", image)
    check_matte("mask", mask)
    check_same_size("image", image, "mask", mask)
    hints = []
    for name, brushed in (("foreground hints", foreground_hints), ("background hints", background_hints)):
        check_same_size("image", image, name, brushed)
        hints.append(np.asarray(brushed) != 0)
    foreground, background = hints
    if not (foreground.any() or background.any()):
        raise InvalidInputError("GrabCut needs at least one foreground or background hint")
    if reach is not None and reach < 0:
        raise InvalidInputError(f"the hints' reach must be ≥ 0 pixels, got {reach}")
    small = downscale(image, working_megapixels)
    labels = _initial_labels(image, small.shape, None, mask, foreground, background)
    near = None
    if reach is not None:
        near, towards_foreground = _neighbourhood(foreground, background, reach)
        _reset_near_hints(labels, near, towards_foreground)
    small_mask = _run_grabcut(small, labels, iterations, seed, progress, is_cancelled)
    if small is image:
        result = small_mask
    else:
        result = (guided_upsample(small_mask, small, image) >= 0.5).astype(np.float32)
    if near is not None:
        result = np.where(near, result, mask).astype(np.float32)
    return _enforce_hints(result, foreground, background)


def grabcut_from_probability(
    image: np.ndarray,
    probability: np.ndarray,
    *,
    sure: float = 0.9,
    band: float = 0.01,
    iterations: int = 4,
    working_megapixels: float = WORKING_MEGAPIXELS,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """GrabCut on ``image`` (H, W, 3) seeded by a subject ``probability`` (H, W) in [0, 1].

    Pixels with probability ≥ ``sure`` are definite foreground and ≤ 1 − ``sure`` definite background,
    except within ``band`` × the image diagonal of the 0.5 contour, where everything starts probable
    (foreground where ≥ 0.5): the network's edge is at its coarse working size, the photo's is not.
    Without both definite labels (a subject filling the frame, or none) the thresholded probability is
    returned. Returns a binary mask (H, W) float32 0 / 1.
    """
    check_image("image", image)
    check_matte("probability", probability)
    check_same_size("image", image, "probability", probability)
    inside = probability >= 0.5
    near_edge = _near_edge(inside, band, working_megapixels)
    foreground = (probability >= sure) & ~near_edge
    background = (probability <= 1.0 - sure) & ~near_edge
    if not foreground.any() or not background.any():
        return inside.astype(np.float32)
    return grabcut(
        image,
        probable_foreground=inside.astype(np.float32),
        foreground_hints=foreground.astype(np.float32),
        background_hints=background.astype(np.float32),
        iterations=iterations,
        working_megapixels=working_megapixels,
        seed=seed,
        progress=progress,
        is_cancelled=is_cancelled,
    )


def _near_edge(inside: np.ndarray, band: float, working_megapixels: float) -> np.ndarray:
    """Bool (H, W): the pixels within ``band`` × the diagonal of ``inside``'s edge, found at GrabCut's
    working resolution (at 24 MP the full-size structuring element, 145 px across, took 15–30 s)."""
    height, width = inside.shape
    scale = working_scale(inside.shape, working_megapixels)
    small: np.ndarray = inside.astype(np.uint8)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(small, size, interpolation=cv2.INTER_NEAREST)
    reach = band * float(np.hypot(*small.shape))
    # At a reduced size two pixels more cover the rounding of the edge and of the kernel: the band holds
    # the full-size one.
    reach_px = max(1, round(reach)) if scale == 1.0 else math.ceil(reach) + 2
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach_px + 1, 2 * reach_px + 1))
    edge = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, kernel)
    if scale < 1.0:
        edge = cv2.resize(edge, (width, height), interpolation=cv2.INTER_NEAREST)
    return edge > 0


def _neighbourhood(
    foreground: np.ndarray, background: np.ndarray, reach: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bool (H, W) maps: pixels within ``reach`` of a hint, and those nearer a foreground hint."""
    # distanceTransform measures the distance to the nearest zero pixel: make the hints the zeros.
    to_foreground, to_background = (
        cv2.distanceTransform((~hints).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        if hints.any()
        else np.full(hints.shape, np.inf, np.float32)
        for hints in (foreground, background)
    )
    return np.minimum(to_foreground, to_background) <= reach, to_foreground < to_background


def _reset_near_hints(labels: np.ndarray, near: np.ndarray, towards_foreground: np.ndarray) -> None:
    """Near the hints, start from the nearest hint's label; farther away, fix the mask's label.

    A hint says the mask is wrong around it: its neighbourhood starts as probably the hint's label, so
    the colour models learn from what the user pointed at and the min-cut decides afresh there.
    """
    size = (labels.shape[1], labels.shape[0])
    near_small = resize_to(near.astype(np.float32), size) >= 0.5
    foreground_small = resize_to(towards_foreground.astype(np.float32), size) >= 0.5
    free = near_small & np.isin(labels, (cv2.GC_PR_FGD, cv2.GC_PR_BGD))
    labels[free] = np.where(foreground_small[free], cv2.GC_PR_FGD, cv2.GC_PR_BGD)
    labels[~near_small & (labels == cv2.GC_PR_FGD)] = cv2.GC_FGD
    labels[~near_small & (labels == cv2.GC_PR_BGD)] = cv2.GC_BGD


def _initial_labels(
    image: np.ndarray,
    small_shape: tuple[int, ...],
    rect: Rect | None,
    probable_foreground: np.ndarray | None,
    foreground_hints: np.ndarray | None,
    background_hints: np.ndarray | None,
) -> np.ndarray:
    height, width = image.shape[:2]
    size = (small_shape[1], small_shape[0])
    labels = np.full(
        small_shape[:2], cv2.GC_PR_FGD if probable_foreground is None else cv2.GC_PR_BGD, np.uint8
    )
    if probable_foreground is not None:
        check_matte("probable foreground", probable_foreground)
        check_same_size("image", image, "probable foreground", probable_foreground)
        labels[resize_to(probable_foreground, size) >= 0.5] = cv2.GC_PR_FGD
    if rect is not None:
        box = rect.clipped(width, height)
        outside = np.ones((height, width), np.float32)
        outside[box.y : box.y + box.height, box.x : box.x + box.width] = 0.0
        labels[resize_to(outside, size) > 0.5] = cv2.GC_BGD
    for hints, label in ((background_hints, cv2.GC_BGD), (foreground_hints, cv2.GC_FGD)):
        if hints is not None:
            check_same_size("image", image, "hints", hints)
            labels[resize_to((hints > 0).astype(np.float32), size) > 0] = label
    return labels


def _run_grabcut(
    small: np.ndarray,
    labels: np.ndarray,
    iterations: int,
    seed: int,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """At most ``iterations`` rounds of GMM learning and min-cut from ``labels`` (OpenCV's GC_* codes).

    It stops early when a round moves fewer than 0.2 % of the pixels, when the colour models cannot tell
    the two sides apart (a flat or evenly textured photo: see ``classic.colour_models``, where OpenCV's
    min-cut would take minutes and decide nothing), and after the round that passes
    ``TIME_LIMIT_SECONDS``. Returns the foreground (H, W) float32 0 / 1 of the last labels.
    """
    has_foreground = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).any()
    has_background = np.isin(labels, (cv2.GC_BGD, cv2.GC_PR_BGD)).any()
    if not (has_foreground and has_background):
        raise InvalidInputError(
            "cannot tell the subject from the background: the selection to start from covers the whole "
            "photo or none of it"
        )
    bgr = cv2.cvtColor(np.round(small * 255.0).astype(np.uint8), cv2.COLOR_RGB2BGR)
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(seed)
    # No round yet: this only fits the colour models to the starting labels (k-means, then the GMMs).
    cv2.grabCut(bgr, labels, (0, 0, 0, 0), background_model, foreground_model, 0, cv2.GC_INIT_WITH_MASK)
    previous = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD))
    started = time.monotonic()
    for iteration in range(iterations):
        raise_if_cancelled(is_cancelled)
        undecided = np.isin(labels, (cv2.GC_PR_FGD, cv2.GC_PR_BGD))
        if not models_separate(bgr[undecided].astype(np.float64), background_model, foreground_model):
            break
        # The rectangle argument is unused when starting from a mask.
        cv2.grabCut(bgr, labels, (0, 0, 0, 0), background_model, foreground_model, 1, cv2.GC_EVAL)
        progress((iteration + 1) / iterations, "GrabCut")
        current = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD))
        # Converged: the last GMM/min-cut round moved fewer than 0.2 % of the pixels.
        converged = np.count_nonzero(current != previous) < CONVERGED_FRACTION * current.size
        previous = current
        if (iteration > 0 and converged) or time.monotonic() - started > TIME_LIMIT_SECONDS:
            break
    progress(1.0, "GrabCut")
    return previous.astype(np.float32)


def _enforce_hints(
    mask: np.ndarray, foreground_hints: np.ndarray | None, background_hints: np.ndarray | None
) -> np.ndarray:
    if foreground_hints is not None:
        mask[foreground_hints > 0] = 1.0
    if background_hints is not None:
        mask[background_hints > 0] = 0.0
    return mask
