"""The lasso's maths: an outline filled into a mask, replacing it or added to or subtracted from it. No Qt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np

from app.model.brush import EMPTY, Region

LassoMode = Literal["replace", "add", "subtract"]
_SUBPIXEL_BITS = 4  # cv2.fillPoly's fixed-point precision for the outline's vertices.


def lasso_mask(mask: np.ndarray, points: Sequence[tuple[float, float]], mode: LassoMode) -> np.ndarray:
    """A new mask (float32, ``mask``'s shape): the closed outline through ``points`` (x, y pixel centres)
    filled with 1, and ``mask`` replaced by it, or the maximum (add) or ``mask`` less it (subtract)."""
    inside = np.zeros(mask.shape[:2], np.uint8)
    if len(points) >= 3:
        scale = 1 << _SUBPIXEL_BITS
        outline = np.round(np.asarray(points, np.float64) * scale).astype(np.int32)
        cv2.fillPoly(inside, [outline], 1, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    filled = inside.astype(np.float32)
    if mode == "replace":
        return filled
    if mode == "add":
        return np.maximum(mask, filled).astype(np.float32)
    return np.where(inside > 0, np.float32(0.0), mask).astype(np.float32)


def lasso_region(old: np.ndarray, new: np.ndarray) -> Region:
    """The bounding box of the pixels where ``new`` differs from ``old`` (``EMPTY`` when none)."""
    changed = old != new
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if rows.size == 0:
        return EMPTY
    return Region(int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
