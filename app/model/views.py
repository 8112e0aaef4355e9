"""How the canvas renders a mask layer, and the before/after and split views, as plain numpy.

Every function returns an RGB image, float32 (H, W, 3) in [0, 1]; ``app.gui.qimage`` turns it into display
pixels. Masks are (H, W) float32 in [0, 1] at the photo's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from app.model.unsure_view import UNSURE
from classic.checks import InvalidInputError, check_image, check_matte, check_same_size

LAYERS = "layers"
MASK_VIEWS = ("overlay", "on black", "on white", "alpha", "outline")
COMPARE_VIEWS = ("before", "after", "split")
# "unsure": the cut-out's uncertainty map in heat colours, where to brush (app.model.unsure_view).
VIEW_MODES = (LAYERS, *MASK_VIEWS, UNSURE, *COMPARE_VIEWS)
RGB = tuple[float, float, float]
_BLOCK_PIXELS = 1 << 18  # Pixels per band of rows a view is computed in.


@dataclass(frozen=True)
class ViewOptions:
    """Overlay colour and opacity (0–1), outline colour, split position (fraction of the width)."""

    overlay_colour: RGB = (1.0, 0.0, 0.0)
    overlay_opacity: float = 0.5
    outline_colour: RGB = (1.0, 1.0, 0.0)
    split: float = 0.5


def _row_blocks(height: int, width: int) -> Iterator[slice]:
    """Bands of rows of about ``_BLOCK_PIXELS``: the views are computed band by band, so their temporaries
    stay in the cache instead of costing 24 MP × 3 floats each (a 24 MP overlay took 1.6-3.7 s, now 0.2 s)."""
    rows = max(1, _BLOCK_PIXELS // max(1, width))
    for top in range(0, height, rows):
        yield slice(top, min(top + rows, height))


def overlay(photo: np.ndarray, mask: np.ndarray, colour: RGB, opacity: float) -> np.ndarray:
    """Tint the photo with ``colour`` where the mask is, at ``opacity`` × mask: P + w(C − P), w = oα."""
    _check_pair(photo, mask)
    tint, strength = np.asarray(colour, np.float32), np.float32(np.clip(opacity, 0.0, 1.0))
    result = np.empty(photo.shape, np.float32)
    for rows in _row_blocks(*mask.shape):
        band = result[rows]
        np.subtract(tint, photo[rows], out=band)
        band *= (strength * mask[rows])[:, :, None]
        band += photo[rows]
    return result


def on_ground(photo: np.ndarray, mask: np.ndarray, ground: float) -> np.ndarray:
    """The subject cut out onto a plain grey level ``ground`` (0: black, 1: white): αP + (1 − α)g."""
    _check_pair(photo, mask)
    level = np.float32(ground)
    result = np.empty(photo.shape, np.float32)
    for rows in _row_blocks(*mask.shape):
        band = result[rows]
        np.subtract(photo[rows], level, out=band)  # g + α(P − g)
        band *= mask[rows][:, :, None]
        band += level
    return result


def alpha_grey(mask: np.ndarray) -> np.ndarray:
    """The mask itself as a grey RGB image."""
    check_matte("mask", mask)
    return np.repeat(mask[:, :, None], 3, axis=2).astype(np.float32)


def outline(photo: np.ndarray, mask: np.ndarray, colour: RGB) -> np.ndarray:
    """The photo with the mask's boundary (inside pixels of α ≥ 0.5 that touch the outside) in ``colour``."""
    _check_pair(photo, mask)
    inside = (mask >= 0.5).view(np.uint8)
    # Pixels past the image border count as inside, so the frame itself is not drawn as an edge.
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    eroded = cv2.erode(inside, cross, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    edge = inside > eroded
    result = photo.astype(np.float32, copy=True)
    result[edge] = colour
    return result


def split(before: np.ndarray, after: np.ndarray, position: float) -> np.ndarray:
    """Columns left of ``position`` (a fraction of the width, clipped to [0, 1]) from ``before``."""
    check_image("before", before)
    check_image("after", after)
    check_same_size("before", before, "after", after)
    column = round(float(np.clip(position, 0.0, 1.0)) * before.shape[1])
    result = after.astype(np.float32, copy=True)
    result[:, :column] = before[:, :column]
    return result


def render_mask(mode: str, photo: np.ndarray, mask: np.ndarray, options: ViewOptions) -> np.ndarray:
    """One of ``MASK_VIEWS`` of ``mask`` over ``photo``."""
    if mode == "overlay":
        return overlay(photo, mask, options.overlay_colour, options.overlay_opacity)
    if mode in ("on black", "on white"):
        return on_ground(photo, mask, 0.0 if mode == "on black" else 1.0)
    if mode == "alpha":
        return alpha_grey(mask)
    if mode == "outline":
        return outline(photo, mask, options.outline_colour)
    raise InvalidInputError(f"unknown mask view {mode!r}; choose one of {', '.join(MASK_VIEWS)}")


def render_mask_region(
    mode: str, photo: np.ndarray, mask: np.ndarray, region: tuple[slice, slice], options: ViewOptions
) -> np.ndarray:
    """``render_mask`` of the whole photo, cut to ``region`` (rows, cols), computed from that region alone.

    The outline looks one pixel past the region (a boundary pixel depends on its neighbours), so it
    renders a window grown by one, whose ring holds the true neighbours, and crops it; the other views
    are per pixel.
    """
    rows, cols = region
    height, width = mask.shape
    top, bottom = rows.start or 0, height if rows.stop is None else min(rows.stop, height)
    left, right = cols.start or 0, width if cols.stop is None else min(cols.stop, width)
    pad = 1 if mode == "outline" else 0
    outer_top, outer_left = max(0, top - pad), max(0, left - pad)
    window = slice(outer_top, min(height, bottom + pad)), slice(outer_left, min(width, right + pad))
    rendered = render_mask(mode, photo[window], mask[window], options)
    return rendered[top - outer_top : bottom - outer_top, left - outer_left : right - outer_left]


def _check_pair(photo: np.ndarray, mask: np.ndarray) -> None:
    check_image("photo", photo)
    check_matte("mask", mask)
    check_same_size("photo", photo, "mask", mask)
