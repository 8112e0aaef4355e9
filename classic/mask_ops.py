"""Whole-mask commands: invert, grow, shrink and feather a mask by a number of pixels.

A mask is float32 (H, W) in [0, 1]; every function returns a new array of that kind and leaves its
input alone. Growing and shrinking are grey-level dilation and erosion by a disc of radius ``pixels``
(every iso-line of the mask moves out or in by that distance, so a soft edge keeps its profile, as
``classic.edge.shift_edge`` does for the edge shift). A binary mask (only 0 and 1, as a segmentation mask
is) takes an exact shortcut of the same result whose cost does not grow with the radius: a pixel is in
the grown mask when its Euclidean distance to the mask is at most ``pixels`` (distance transform,
Felzenszwalb & Huttenlocher 2012, OpenCV's ``DIST_MASK_PRECISE``). Pixels beyond the border count as
their nearest edge pixel, so a subject cut by the frame stays cut by it.
"""

from __future__ import annotations

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_matte


def invert_mask(mask: np.ndarray) -> np.ndarray:
    """``1 - mask``: what was subject becomes background and back."""
    check_matte("mask", mask)
    return np.subtract(np.float32(1.0), mask, dtype=np.float32)


def grow_mask(mask: np.ndarray, pixels: int) -> np.ndarray:
    """The mask dilated by a disc of radius ``pixels`` (≥ 0; 0 returns a copy)."""
    return _morphology(mask, pixels, grow=True)


def shrink_mask(mask: np.ndarray, pixels: int) -> np.ndarray:
    """The mask eroded by a disc of radius ``pixels`` (≥ 0; 0 returns a copy)."""
    return _morphology(mask, pixels, grow=False)


def feather_mask(mask: np.ndarray, pixels: float) -> np.ndarray:
    """The mask's edges softened over about ± ``pixels`` (≥ 0; 0 returns a copy).

    A Gaussian with σ = ``pixels`` / 2, as the compositing panel's feather radius uses."""
    check_matte("mask", mask)
    if pixels < 0:
        raise InvalidInputError(f"the feather radius must be ≥ 0 pixels, got {pixels}")
    if pixels == 0:
        return mask.copy()
    blurred = cv2.GaussianBlur(mask, (0, 0), pixels / 2.0, borderType=cv2.BORDER_REPLICATE)
    return np.clip(blurred, 0.0, 1.0).astype(np.float32, copy=False)


def disc(radius: int) -> np.ndarray:
    """The structuring element: uint8 (2r + 1, 2r + 1), 1 where ``x² + y² ≤ r²``."""
    offsets = np.arange(-radius, radius + 1)
    return (offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius * radius).astype(np.uint8)


def _morphology(mask: np.ndarray, pixels: int, *, grow: bool) -> np.ndarray:
    check_matte("mask", mask)
    if pixels < 0 or int(pixels) != pixels:
        raise InvalidInputError(f"grow and shrink take a whole number of pixels ≥ 0, got {pixels}")
    radius = int(pixels)
    if radius == 0:
        return mask.copy()
    if np.all((mask == 0.0) | (mask == 1.0)):
        # Binary: the distance of each pixel to the nearest pixel of the other side. Growing adds the
        # background pixels within ``radius`` of the mask; shrinking keeps the mask pixels farther than
        # ``radius`` from the background.
        side = (mask == 0.0) if grow else (mask == 1.0)
        if side.all():
            return mask.copy()  # No other side to measure from: nothing to grow into or shrink from.
        distance = cv2.distanceTransform(side.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        return (distance <= radius if grow else distance > radius).astype(np.float32)
    operation = cv2.dilate if grow else cv2.erode
    result = operation(mask, disc(radius), borderType=cv2.BORDER_REPLICATE)
    return np.asarray(result, dtype=np.float32)
