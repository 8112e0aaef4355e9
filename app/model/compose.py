"""Compositing with the panel's settings, at preview resolution or at full resolution. No Qt.

The settings adjust the cut-out before blending: the alpha's edge is shifted (``classic.edge``) and
smoothed, and the subject's colours are a blend between the photo (amount 0) and the decontaminated
foreground colours (amount 1). The preview runs on copies scaled down to ``PREVIEW_MEGAPIXELS`` so a
change of a control shows within a moment; ``compose_full_resolution`` makes the exported image.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from app.model.compositing_settings import CompositingSettings
from classic.checks import InvalidInputError
from classic.compositing import composite
from classic.edge import shift_edge, smooth_edge
from classic.pipeline import Cutout
from classic.placement import default_placement
from classic.progress import CancelCallback, ProgressCallback, never_cancelled, no_progress
from classic.resize import resize_to, working_scale
from engine.pipeline import Pipeline

if TYPE_CHECKING:
    from app.model.document import Document

PREVIEW_MEGAPIXELS = 1.5


def adjusted_alpha(alpha: np.ndarray, settings: CompositingSettings) -> np.ndarray:
    """The alpha after the edge shift and the smoothing."""
    return smooth_edge(shift_edge(alpha, settings.edge_shift), settings.smoothing)


def subject_colours(photo: np.ndarray, decontaminated: np.ndarray, amount: float) -> np.ndarray:
    """(1 − amount) × photo + amount × decontaminated colours."""
    return (photo + np.float32(amount) * (decontaminated - photo)).astype(np.float32)


def compose(
    photo: np.ndarray,
    background: np.ndarray,
    cutout: Cutout,
    settings: CompositingSettings,
    *,
    pipeline: Pipeline | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """The composite (background's size) of ``cutout``'s subject with ``settings``."""
    alpha = adjusted_alpha(cutout.alpha, settings)
    placement = settings.placement or default_placement(photo.shape, background.shape, cutout.alpha)
    if settings.method == "fusion":
        fused = (pipeline or Pipeline()).with_options(compositing="fusion")
        adjusted = replace(cutout, alpha=alpha)
        return fused.composite(
            photo, background, adjusted, placement=placement, progress=progress, is_cancelled=is_cancelled
        )
    colours = subject_colours(photo, cutout.foreground, settings.decontamination)
    return composite(
        colours,
        alpha,
        background,
        method=settings.method,
        placement=placement,
        feather_radius=settings.feather_radius,
        progress=progress,
        is_cancelled=is_cancelled,
    )


class ShrinkCache:
    """The preview's scaled-down copies of the images that are only ever replaced, never changed in
    place (the photos, the cut-out's colours), kept while the same arrays are shown: a placement or
    settings change then scales only the mattes again (at 24 MP the three colour images took 150 ms).
    Used by one thread at a time."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[weakref.ref[np.ndarray], float, np.ndarray]] = {}

    def shrunk(self, key: str, array: np.ndarray, factor: float) -> np.ndarray:
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is array and entry[1] == factor:
            return entry[2]
        small = _shrink(array, factor)
        self._entries[key] = (weakref.ref(array), factor, small)
        return small


def compose_preview(
    photo: np.ndarray,
    background: np.ndarray,
    cutout: Cutout,
    settings: CompositingSettings,
    *,
    megapixels: float = PREVIEW_MEGAPIXELS,
    pipeline: Pipeline | None = None,
    cache: ShrinkCache | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """``compose`` on copies scaled by one factor so the background has at most ``megapixels``.

    Both photos shrink by the same factor, so the placement's offsets (and the feather radius and
    edge shift, which are in pixels) shrink with them while its scale stays as it is. ``cache`` keeps
    the scaled photos and colours from one preview to the next.
    """
    factor = working_scale(background.shape, megapixels)
    if factor >= 1.0:
        return compose(
            photo,
            background,
            cutout,
            settings,
            pipeline=pipeline,
            progress=progress,
            is_cancelled=is_cancelled,
        )
    cache = cache or ShrinkCache()
    small = [
        cache.shrunk(key, array, factor) for key, array in (("photo", photo), ("background", background))
    ]
    small_cutout = replace(
        cutout,
        mask=_shrink(cutout.mask, factor),  # The mattes are painted in place: scaled every time.
        trimap=_shrink(cutout.trimap, factor),
        alpha=_shrink(cutout.alpha, factor),
        foreground=cache.shrunk("colours", cutout.foreground, factor),
    )
    placement = settings.placement or default_placement(photo.shape, background.shape, cutout.alpha)
    small_settings = replace(
        settings,
        edge_shift=settings.edge_shift * factor,
        smoothing=settings.smoothing * factor,
        feather_radius=None if settings.feather_radius is None else settings.feather_radius * factor,
        placement=replace(placement, x=placement.x * factor, y=placement.y * factor),
    )
    return compose(
        small[0],
        small[1],
        small_cutout,
        small_settings,
        pipeline=pipeline,
        progress=progress,
        is_cancelled=is_cancelled,
    )


def compose_full_resolution(
    document: Document,
    settings: CompositingSettings,
    *,
    pipeline: Pipeline | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """The composite at the background's full size, for export; needs both photos and a cut-out."""
    photo, background = document.layers.get("foreground"), document.layers.get("background")
    cutout = document.shown_cutout()
    if photo is None or background is None or cutout is None:
        raise InvalidInputError("compositing needs a foreground photo, a background photo and a cut-out")
    return compose(
        photo,
        background,
        cutout,
        settings,
        pipeline=pipeline,
        progress=progress,
        is_cancelled=is_cancelled,
    )


def _shrink(array: np.ndarray, factor: float) -> np.ndarray:
    size = (max(1, round(array.shape[1] * factor)), max(1, round(array.shape[0] * factor)))
    return resize_to(array, size)
