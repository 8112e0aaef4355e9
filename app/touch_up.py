"""Re-solve the alpha matte around a brush stroke on the segmentation mask: a job, no Qt.

Only the stroke's neighbourhood is solved: the edited mask is cropped to the stroke's bounding box
grown by a margin, a trimap is built from that crop (unknown band around the mask's edge), and
closed-form matting solves the crop. Only the inner part (the stroke's box grown by half the band, where
the edited mask's band can reach) is returned for pasting, so the margin serves as context and the
alpha elsewhere is kept as it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.brush import Region
from classic.matting import estimate_alpha
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from classic.trimap import band_width, trimap_from_mask

DEFAULT_BAND_FRACTION = 0.01  # As the cut-out's default trimap band (``CutoutOptions.band_fraction``).


@dataclass(frozen=True)
class AlphaPatch:
    """The new alpha over ``region`` of the photo."""

    region: Region
    alpha: np.ndarray


def grown(region: Region, by: int, shape: tuple[int, ...]) -> Region:
    """``region`` grown by ``by`` pixels on every side, clipped to ``shape``."""
    return Region(
        max(0, region.top - by), max(0, region.left - by), min(shape[0], region.bottom + by),
        min(shape[1], region.right + by),
    )  # fmt: skip


def resolve_alpha(
    foreground: np.ndarray,
    mask: np.ndarray,
    stroke: Region,
    *,
    band_fraction: float = DEFAULT_BAND_FRACTION,
    method: str = "closed-form",
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> AlphaPatch:
    """Alpha around ``stroke`` from the edited segmentation ``mask`` (H, W) and the ``foreground`` photo.

    The band is the cut-out's (``band_fraction`` of the whole photo's diagonal), so the touched-up
    edge matches the rest of the matte.
    """
    band = band_width(mask.shape, band_fraction=band_fraction)
    inner = grown(stroke, math.ceil(band / 2) + 1, mask.shape)
    outer = grown(inner, math.ceil(band) + 8, mask.shape)  # context for the solver
    raise_if_cancelled(is_cancelled)
    progress(0.0, "Re-solving the alpha around the stroke")
    trimap = trimap_from_mask(mask[outer.window], band=band)
    alpha = estimate_alpha(foreground[outer.window], trimap, method=method, is_cancelled=is_cancelled)
    top, left = inner.top - outer.top, inner.left - outer.left
    patch = alpha[top : top + inner.bottom - inner.top, left : left + inner.right - inner.left]
    progress(1.0, "Re-solved")
    return AlphaPatch(inner, np.ascontiguousarray(patch, dtype=np.float32))
