"""Compositing a subject onto a background: copy-paste, alpha blend, feathering, Laplacian pyramid and
Poisson blending.

Every method takes the foreground colours (the photo, or its decontaminated colours), the subject's
alpha and the background, places the subject with a ``Placement`` and returns an image of the
background's size. The baselines of Deep Image Compositing (Zhang et al. 2021): copy-paste pastes the
pixels with α ≥ 0.5; feathering blurs the edge of the alpha; Laplacian-pyramid blending (Burt & Adelson
1983) mixes each frequency band with a progressively smoother mask; Poisson blending (Pérez et al. 2003,
``cv2.seamlessClone``) matches gradients so the subject takes on the background's colour at its border.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size
from classic.placement import Placement, default_placement, place
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from classic.tiles import bounding_box

COMPOSITING_METHODS = ("copy", "alpha", "feather", "laplacian", "poisson")

__all__ = ["COMPOSITING_METHODS", "Placement", "composite", "default_placement"]


def composite(
    foreground: np.ndarray,
    alpha: np.ndarray,
    background: np.ndarray,
    *,
    method: str = "alpha",
    placement: Placement | None = None,
    feather_radius: float | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Composite (H, W, 3) float32 in [0, 1] of ``foreground`` (h, w, 3) with ``alpha`` (h, w) onto
    ``background`` (H, W, 3).

    ``placement`` defaults to ``default_placement``. ``feather_radius`` (pixels, feathering only)
    defaults to 0.5 % of the background's diagonal.
    """
    check_image("foreground", foreground)
    check_matte("alpha", alpha)
    check_image("background", background)
    check_same_size("foreground", foreground, "alpha", alpha)
    blend = _blender(method)
    placement = placement or default_placement(foreground.shape, background.shape, alpha)
    progress(0.0, "Placing the subject")
    placed_foreground = place(foreground, placement, background.shape)
    placed_alpha = np.clip(place(alpha, placement, background.shape), 0.0, 1.0)
    raise_if_cancelled(is_cancelled)
    progress(0.2, f"Compositing ({method})")
    if method == "feather":
        placed_alpha = _feathered(placed_alpha, feather_radius)
    result = blend(placed_foreground, placed_alpha, background)
    progress(1.0, "Composite done")
    return np.clip(result, 0.0, 1.0).astype(np.float32, copy=False)


Blender = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _blender(method: str) -> Blender:
    blenders: dict[str, Blender] = {
        "copy": blend_copy,
        "alpha": blend_alpha,
        "feather": blend_alpha,
        "laplacian": blend_laplacian_pyramid,
        "poisson": blend_poisson,
    }
    if method not in blenders:
        raise InvalidInputError(
            f"unknown compositing method {method!r}; choose one of {', '.join(COMPOSITING_METHODS)}"
        )
    return blenders[method]


def blend_alpha(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """C = αF + (1 − α)B, all arrays in the background's frame."""
    # In place on one new array: at 24 MP each float32 temporary is 288 MB of fresh pages.
    blended = np.subtract(foreground, background)
    blended *= alpha[:, :, None]
    blended += background
    return blended


def blend_copy(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Copy-paste: the foreground where α ≥ 0.5, the background elsewhere."""
    return np.where((alpha >= 0.5)[:, :, None], foreground, background)


def _feathered(alpha: np.ndarray, radius: float | None) -> np.ndarray:
    if radius is None:
        radius = max(1.0, 0.005 * math.hypot(*alpha.shape[:2]))
    if radius < 0:
        raise InvalidInputError(f"feather radius must be ≥ 0, got {radius}")
    if radius == 0:
        return alpha
    # A Gaussian with σ = radius / 2 spreads the edge over about ±radius pixels.
    return cv2.GaussianBlur(alpha, (0, 0), radius / 2.0, borderType=cv2.BORDER_REPLICATE)


def blend_laplacian_pyramid(
    foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray, *, levels: int | None = None
) -> np.ndarray:
    """Laplacian-pyramid blending (Burt & Adelson 1983) of two images with the mask ``alpha``.

    Only the bounding box of the subject plus a margin that covers the coarsest level's reach is
    processed: outside it every mask level is zero and the result is exactly the background.
    """
    levels = levels or max(1, min(6, int(math.log2(max(2, min(alpha.shape))) - 3)))
    box = bounding_box(alpha > 0, 4 * 2**levels)
    if box is None:
        return background.copy()
    result = background.copy()
    rows, cols = box
    result[rows, cols] = _pyramid_blend(
        foreground[rows, cols], alpha[rows, cols], background[rows, cols], levels
    )
    return result


def _pyramid_blend(
    foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray, levels: int
) -> np.ndarray:
    # Blend each Laplacian band with the Gaussian pyramid of the mask at the same level, then collapse.
    levels = min(levels, max(1, int(math.log2(max(2, min(alpha.shape))))))
    gaussian_f, gaussian_b, gaussian_m = [foreground], [background], [alpha]
    for _ in range(levels):
        gaussian_f.append(cv2.pyrDown(gaussian_f[-1]))
        gaussian_b.append(cv2.pyrDown(gaussian_b[-1]))
        gaussian_m.append(cv2.pyrDown(gaussian_m[-1]))
    blended = blend_alpha(gaussian_f[-1], gaussian_m[-1], gaussian_b[-1])
    for level in range(levels - 1, -1, -1):
        size = (gaussian_f[level].shape[1], gaussian_f[level].shape[0])
        band_f = gaussian_f[level] - cv2.pyrUp(gaussian_f[level + 1], dstsize=size)
        band_b = gaussian_b[level] - cv2.pyrUp(gaussian_b[level + 1], dstsize=size)
        blended = cv2.pyrUp(blended, dstsize=size) + blend_alpha(band_f, gaussian_m[level], band_b)
    return blended


def blend_poisson(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Poisson (gradient-domain) blending of the pixels with α ≥ 0.5 through ``cv2.seamlessClone``."""
    mask = (alpha >= 0.5).astype(np.uint8) * 255
    if not mask.any():
        return background.copy()
    # seamlessClone needs the mask clear of the image border: pad by a few pixels, crop afterwards.
    pad = 4
    padded = [cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_REFLECT) for a in (foreground, background)]
    source, target = (np.round(a * 255.0).astype(np.uint8) for a in padded)
    padded_mask = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    x, y, w, h = cv2.boundingRect(padded_mask)
    centre = (x + w // 2, y + h // 2)
    cloned = cv2.seamlessClone(source, target, padded_mask, centre, cv2.NORMAL_CLONE)
    result = cloned[pad:-pad, pad:-pad].astype(np.float32) / 255.0
    # seamlessClone works in 8 bits: keep the background's full precision outside the pasted region.
    return np.where((mask > 0)[:, :, None], result, background)
