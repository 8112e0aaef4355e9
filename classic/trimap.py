"""Trimaps from masks, and masks from trimaps or alphas.

A trimap marks definite background (0), unknown (0.5) and definite foreground (1). Built from a binary
mask, the unknown band is every pixel within ``band / 2`` pixels of the mask's boundary, measured with
exact Euclidean distance transforms so a wide band costs the same as a narrow one.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_matte, check_trimap

DEFAULT_BAND_FRACTION = 0.01


def band_width(
    shape: tuple[int, ...], *, band: float | None = None, band_fraction: float | None = None
) -> float:
    """Band width in pixels: ``band`` itself, or ``band_fraction`` of the image diagonal (min 2 px)."""
    if band is not None and band_fraction is not None:
        raise InvalidInputError("give either a band in pixels or a band fraction, not both")
    if band is not None:
        if band < 0:
            raise InvalidInputError(f"band width must be ≥ 0 pixels, got {band}")
        return float(band)
    fraction = DEFAULT_BAND_FRACTION if band_fraction is None else band_fraction
    if not 0.0 <= fraction <= 0.5:
        raise InvalidInputError(f"band fraction must lie in [0, 0.5], got {fraction}")
    return max(2.0, fraction * math.hypot(shape[0], shape[1]))


def trimap_from_mask(
    mask: np.ndarray, *, band: float | None = None, band_fraction: float | None = None
) -> np.ndarray:
    """Trimap (H, W) float32 0 / 0.5 / 1 from a mask (H, W) in [0, 1], thresholded at 0.5.

    ``band`` is the total width of the unknown band in pixels; ``band_fraction`` gives it relative to
    the image diagonal instead (default 1 %). Pixels closer than half the band to the boundary are
    unknown.
    """
    check_matte("mask", mask)
    half = band_width(mask.shape, band=band, band_fraction=band_fraction) / 2.0
    inside = (mask >= 0.5).astype(np.uint8)
    trimap = inside.astype(np.float32)
    if half <= 0 or inside.all() or not inside.any():
        return trimap
    # distanceTransform measures the distance to the nearest zero pixel.
    to_outside = cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    to_inside = cv2.distanceTransform(1 - inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    trimap[(inside == 1) & (to_outside <= half)] = 0.5
    trimap[(inside == 0) & (to_inside <= half)] = 0.5
    return trimap


def mask_from_alpha(alpha: np.ndarray, *, threshold: float = 0.5) -> np.ndarray:
    """Binary mask (H, W) float32 0 / 1: pixels whose alpha is at least ``threshold``."""
    check_matte("alpha", alpha)
    return (alpha >= threshold).astype(np.float32)


def mask_from_trimap(trimap: np.ndarray) -> np.ndarray:
    """Binary mask (H, W) float32 0 / 1 of the trimap's foreground and unknown pixels."""
    check_trimap("trimap", trimap)
    return (trimap >= 0.5).astype(np.float32)
