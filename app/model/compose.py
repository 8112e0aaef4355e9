"""Compositing with the panel's settings, at preview resolution or at full resolution. No Qt.

The settings adjust the cut-out before blending: the alpha's edge is shifted (``classic.edge``) and
smoothed, and the subject's colours are a blend between the photo (amount 0) and the decontaminated
foreground colours (amount 1). The preview runs on copies scaled down to ``PREVIEW_MEGAPIXELS`` so a
change of a control shows within a moment; ``compose_full_resolution`` makes the exported image.
"""

from __future__ import annotations

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
    placement = settings.placement or default_placement(photo.shape, background.shape)
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


def compose_preview(
    photo: np.ndarray,
    background: np.ndarray,
    cutout: Cutout,
    settings: CompositingSettings,
    *,
    megapixels: float = PREVIEW_MEGAPIXELS,
    pipeline: Pipeline | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """``compose`` on copies scaled by one factor so the background has at most ``megapixels``.

    Both photos shrink by the same factor, so the placement's offsets (and the feather radius and
    edge shift, which are in pixels) shrink with them while its scale stays as it is.
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
    small = [_shrink(array, factor) for array in (photo, background)]
    small_cutout = replace(
        cutout,
        mask=_shrink(cutout.mask, factor),
        trimap=_shrink(cutout.trimap, factor),
        alpha=_shrink(cutout.alpha, factor),
        foreground=_shrink(cutout.foreground, factor),
    )
    placement = settings.placement or default_placement(photo.shape, background.shape)
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
