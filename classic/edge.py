"""Adjusting the edge of an alpha matte: shift it in or out by whole pixels, and smooth it.

Grey-level morphology keeps the matte's soft transition: dilation with a disc of radius r moves every
iso-line of α outwards by r pixels (the edge grows), erosion moves it inwards (the edge shrinks), so a
halo of old background caught in the matte's outer ring can be trimmed without re-matting.
"""

from __future__ import annotations

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_matte


def shift_edge(alpha: np.ndarray, pixels: float) -> np.ndarray:
    """Move the edge of ``alpha`` (H, W) float32 in [0, 1] outwards by ``pixels`` (inwards when < 0).

    The shift is rounded to whole pixels; 0 returns a copy. Pixels beyond the image border count as
    their nearest edge pixel, so a subject cut by the frame stays cut by it.
    """
    check_matte("alpha", alpha)
    radius = round(abs(pixels))
    if radius == 0:
        return alpha.copy()
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    operation = cv2.dilate if pixels > 0 else cv2.erode
    shifted = operation(alpha, disc, borderType=cv2.BORDER_REPLICATE)
    return np.asarray(shifted, dtype=np.float32)


def smooth_edge(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-blur ``alpha`` (H, W) float32 in [0, 1] with standard deviation ``sigma`` pixels (0: copy)."""
    check_matte("alpha", alpha)
    if sigma < 0:
        raise InvalidInputError(f"smoothing sigma must be ≥ 0, got {sigma}")
    if sigma == 0:
        return alpha.copy()
    blurred = cv2.GaussianBlur(alpha, (0, 0), float(sigma), borderType=cv2.BORDER_REPLICATE)
    return np.clip(blurred, 0.0, 1.0).astype(np.float32, copy=False)
