"""Re-solve the alpha matte around a brush stroke: jobs, no Qt.

Only the stroke's neighbourhood is solved: the edited mask is cropped to the stroke's bounding box
grown by a margin, a trimap is built from that crop (unknown band around the mask's edge), and
closed-form matting solves the crop. Only the inner part (the stroke's box grown by half the band, where
the edited mask's band can reach) is returned for pasting, so the margin serves as context and the
alpha elsewhere is kept as it was. The trimap of that part comes back too, so the trimap layer keeps
showing the band the alpha was solved from.

``resolve_band`` serves the refine-edge brush, which paints the trimap itself: the alpha is re-solved
from the painted trimap, over the stroke's box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.model.brush import Region
from classic.checks import InvalidInputError
from classic.foreground import estimate_foreground
from classic.matting import estimate_alpha
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from classic.trimap import band_width, trimap_from_mask

DEFAULT_BAND_FRACTION = 0.01  # As the cut-out's default trimap band (``CutoutOptions.band_fraction``).


@dataclass(frozen=True)
class AlphaPatch:
    """The new alpha over ``region`` of the photo, and the trimap it was solved from when that is new."""

    region: Region
    alpha: np.ndarray
    trimap: np.ndarray | None = None


def grown(region: Region, by: int, shape: tuple[int, ...]) -> Region:
    """``region`` grown by ``by`` pixels on every side, clipped to ``shape``."""
    return Region(
        max(0, region.top - by), max(0, region.left - by), min(shape[0], region.bottom + by),
        min(shape[1], region.right + by),
    )  # fmt: skip


@dataclass(frozen=True)
class MaskCrop:
    """The part of the segmentation mask a re-solve around ``stroke`` reads (``region`` of a mask of
    ``shape``): what a job needs of a 24 MP mask, a few MB instead of the whole."""

    stroke: Region
    region: Region
    crop: np.ndarray
    shape: tuple[int, int]
    band: float


def mask_crop(
    mask: np.ndarray, stroke: Region, *, band_fraction: float = DEFAULT_BAND_FRACTION, copy: bool = True
) -> MaskCrop:
    """The mask around ``stroke`` that ``resolve_alpha`` reads: the stroke's box grown by the band (the
    part pasted back) and again by the band and 8 px (context for the solver); ``copy``: a snapshot, for
    a job while the brush goes on painting the mask."""
    shape = (mask.shape[0], mask.shape[1])
    band = band_width(shape, band_fraction=band_fraction)
    inner = grown(stroke, math.ceil(band / 2) + 1, shape)
    outer = grown(inner, math.ceil(band) + 8, shape)
    crop = mask[outer.window]
    return MaskCrop(stroke, outer, crop.copy() if copy else crop, shape, band)


def resolve_alpha(
    foreground: np.ndarray,
    mask: np.ndarray | MaskCrop,
    stroke: Region | None = None,
    *,
    band_fraction: float = DEFAULT_BAND_FRACTION,
    method: str = "closed-form",
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> AlphaPatch:
    """Alpha around ``stroke`` from the edited segmentation ``mask`` (H, W, or the ``mask_crop`` around
    the stroke, which then gives the stroke) and the ``foreground`` photo.

    The band is the cut-out's (``band_fraction`` of the whole photo's diagonal), so the touched-up
    edge matches the rest of the matte.
    """
    if not isinstance(mask, MaskCrop):
        if stroke is None:
            raise InvalidInputError("resolve_alpha needs the stroke's region with a whole mask")
        mask = mask_crop(mask, stroke, band_fraction=band_fraction, copy=False)
    band, outer = mask.band, mask.region
    inner = grown(mask.stroke, math.ceil(band / 2) + 1, mask.shape)
    raise_if_cancelled(is_cancelled)
    progress(0.0, "Re-solving the alpha around the stroke")
    trimap = trimap_from_mask(mask.crop, band=band)
    alpha = estimate_alpha(foreground[outer.window], trimap, method=method, is_cancelled=is_cancelled)
    window = _inside(inner, outer)
    progress(1.0, "Re-solved")
    # The trimap goes back too: a refine-edge stroke later must start from the band this alpha used.
    return AlphaPatch(
        inner,
        np.ascontiguousarray(alpha[window], dtype=np.float32),
        np.ascontiguousarray(trimap[window], dtype=np.float32),
    )


def resolve_band(
    foreground: np.ndarray,
    trimap: np.ndarray,
    alpha: np.ndarray,
    stroke: Region,
    changed: np.ndarray,
    *,
    margin: int = 16,
    method: str = "closed-form",
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> AlphaPatch:
    """Alpha over ``stroke`` after a refine-edge stroke changed the ``trimap`` (H, W, 0 / 0.5 / 1) there.

    ``changed`` (bool, the stroke's box) marks the trimap pixels the stroke changed. Matting solves the
    box grown by ``margin`` pixels of context from ``foreground`` (H, W, 3); in the box the new alpha
    is the solution where the trimap is unknown or was changed (a restored pixel becomes its 0 or 1),
    and ``alpha`` as it was on the untouched known pixels.
    """
    box = (stroke.bottom - stroke.top, stroke.right - stroke.left)
    if changed.shape != box or trimap.shape != alpha.shape:
        raise InvalidInputError(
            f"the changed pixels {changed.shape} must fill the stroke's box {box}, and the trimap "
            f"{trimap.shape} and alpha {alpha.shape} must be the same size"
        )
    outer = grown(stroke, margin, trimap.shape)
    raise_if_cancelled(is_cancelled)
    progress(0.0, "Re-solving the edge")
    solved = estimate_alpha(
        foreground[outer.window], trimap[outer.window], method=method, is_cancelled=is_cancelled
    )[_inside(stroke, outer)]
    keep = (trimap[stroke.window] != 0.5) & ~changed
    patch = np.where(keep, alpha[stroke.window], solved).astype(np.float32)
    progress(1.0, "Re-solved")
    return AlphaPatch(stroke, patch)


def _inside(inner: Region, outer: Region) -> tuple[slice, slice]:
    """The window of ``inner`` in the coordinates of ``outer``, which contains it."""
    top, left = inner.top - outer.top, inner.left - outer.left
    return slice(top, top + inner.bottom - inner.top), slice(left, left + inner.right - inner.left)


def recoloured(
    colours: np.ndarray, photo: np.ndarray, alpha: np.ndarray, region: Region, *, margin: int = 16
) -> np.ndarray:
    """A copy of the cut-out's decontaminated ``colours`` (H, W, 3) with the foreground colours around
    ``region`` re-estimated from the ``photo`` and the touched-up ``alpha`` (H, W).

    Without it, an edge the brush moved would be blended with colours estimated for the old edge: a
    stripe of the old background's colour where the alpha grew.
    """
    inner = grown(region, 2, alpha.shape)
    outer = grown(inner, margin, alpha.shape)  # context, so the estimate at the paste's border is settled
    estimate = estimate_foreground(photo[outer.window], alpha[outer.window])
    result = colours.copy()
    result[inner.window] = estimate[_inside(inner, outer)]
    return result
