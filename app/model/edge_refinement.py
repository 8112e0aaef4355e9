"""Global edge controls (the Refine Edge panel, as Select and Mask's): band radius, smooth, contrast and
shift edge, applied to the whole cut-out at once. No Qt.

The radius re-solves the matte from the current segmentation mask with an unknown band of that half-width
(0 keeps the cut-out's band: its alpha is only adjusted), on the photo's working resolution as the
cut-out does; smooth blurs the alpha (σ px), contrast steepens its transitions around 0.5 (0: as it is,
1: almost hard), shift moves the edge out (> 0) or in (px).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from classic.checks import InvalidInputError
from classic.edge import shift_edge, smooth_edge
from classic.pipeline import Cutout
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled, wrap_progress
from engine.pipeline import Pipeline

RADIUS_LIMIT = 250.0  # px: half the band
SMOOTH_LIMIT = 50.0  # px (σ)
SHIFT_LIMIT = 50.0  # px either way
_MAX_GAIN = 20.0  # The contrast's slope at 1.


@dataclass(frozen=True)
class EdgeSettings:
    radius: float = 0.0
    smooth: float = 0.0
    contrast: float = 0.0
    shift: float = 0.0

    def __post_init__(self) -> None:
        ranges = {
            "radius": (self.radius, 0.0, RADIUS_LIMIT),
            "smooth": (self.smooth, 0.0, SMOOTH_LIMIT),
            "contrast": (self.contrast, 0.0, 1.0),
            "shift": (self.shift, -SHIFT_LIMIT, SHIFT_LIMIT),
        }
        for name, (value, low, high) in ranges.items():
            if not (math.isfinite(value) and low <= value <= high):
                raise InvalidInputError(f"edge {name} must lie in [{low:g}, {high:g}], got {value!r}")

    @property
    def is_identity(self) -> bool:
        return self == EdgeSettings()


def with_contrast(alpha: np.ndarray, contrast: float) -> np.ndarray:
    """``alpha`` with its transitions steepened about 0.5: slope 1 at contrast 0, ``_MAX_GAIN`` at 1."""
    if contrast <= 0.0:
        return alpha.copy()
    gain = np.float32(_MAX_GAIN**contrast)
    return np.clip((alpha - np.float32(0.5)) * gain + np.float32(0.5), 0.0, 1.0).astype(np.float32)


def refine_edge(
    foreground: np.ndarray,
    mask: np.ndarray,
    cutout: Cutout,
    settings: EdgeSettings,
    *,
    pipeline: Pipeline,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> Cutout:
    """``cutout`` with its edge refined by ``settings``: re-matted from the segmentation ``mask`` with the
    band ``settings.radius`` (when > 0), then smoothed, steepened and shifted. The job behind the panel."""
    raise_if_cancelled(is_cancelled)
    if settings.is_identity:  # The cut-out's own edge (Reset): nothing to re-matte or adjust.
        progress(1.0, "Edge refined")
        return cutout
    result = cutout
    if settings.radius > 0:
        diagonal = math.hypot(*foreground.shape[:2])
        band_fraction = min(0.5, 2.0 * settings.radius / diagonal)
        matted = pipeline.with_options(band_fraction=band_fraction).cut_out(
            foreground, mask=mask, progress=wrap_progress(progress, 0.0, 0.9), is_cancelled=is_cancelled
        )
        result = replace(cutout, trimap=matted.trimap, alpha=matted.alpha, foreground=matted.foreground)
    alpha = shift_edge(
        with_contrast(smooth_edge(result.alpha, settings.smooth), settings.contrast), settings.shift
    )
    progress(1.0, "Edge refined")
    return replace(result, alpha=alpha)
