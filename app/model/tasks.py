"""The jobs the main window runs on the worker thread, as plain functions.

Each takes keyword-only ``progress`` and ``is_cancelled`` callables like every job in the house (see
``classic.progress``) and touches no Qt, so tests can call them directly with fake callbacks. The cut-out
and compositing jobs take the window's ``engine.pipeline.Pipeline``, which only the worker thread uses,
so networks load once and stay loaded between jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.model.compose import compose
from app.model.compositing_settings import CompositingSettings
from app.model.document import CompositeResult
from app.model.export import export_single as export_image
from classic.checks import InvalidInputError
from classic.grabcut import Rect
from classic.image_source import DEFAULT_LIMITS, ImageLimits
from classic.imageio import SRGB_EXPORT, LoadedImage, PhotoExport, read_image
from classic.pipeline import Cutout
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled, wrap_progress
from engine.pipeline import Pipeline

# Share of a composite job's progress bar spent on the cut-out when it has to run first.
_CUTOUT_SHARE = 0.8
# Share of an export job's progress bar spent compositing before the file is written.
_COMPOSE_SHARE = 0.85


def load_photos(
    paths: Mapping[str, str],
    *,
    limits: ImageLimits = DEFAULT_LIMITS,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> dict[str, LoadedImage]:
    """Read the photo for each role (``foreground`` / ``background`` / ``clean plate``) from its path,
    within ``limits`` (checked from the header before decoding; a FIFO, device or folder is refused at
    once)."""
    loaded: dict[str, LoadedImage] = {}
    for done, (role, path) in enumerate(paths.items()):
        raise_if_cancelled(is_cancelled)
        progress(done / len(paths), f"Reading {Path(path).name}")
        loaded[role] = read_image(path, limits=limits)
    progress(1.0, "Read")
    return loaded


def cut_out_subject(
    pipeline: Pipeline,
    foreground: np.ndarray,
    *,
    rect: Rect | None = None,
    plate: np.ndarray | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> Cutout:
    """Cut the subject out of the foreground photo with ``pipeline``'s stages (from inside ``rect``, a box
    drawn around it, when given), or by clean-plate matting against ``plate`` (a shot of the scene without
    the subject; ``PlateAlignmentError`` when it does not match the photo)."""
    if plate is not None:
        if rect is not None:
            raise InvalidInputError("a cut-out uses a clean plate or a rectangle, not both")
        return pipeline.cut_out_with_plate(foreground, plate, progress=progress, is_cancelled=is_cancelled)
    return pipeline.cut_out(foreground, rect=rect, progress=progress, is_cancelled=is_cancelled)


def cut_out_and_composite(
    foreground: np.ndarray,
    background: np.ndarray,
    *,
    method: str,
    cutout: Cutout | None = None,
    plate: np.ndarray | None = None,
    pipeline: Pipeline | None = None,
    settings: CompositingSettings | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> CompositeResult:
    """Composite the foreground's subject onto the background, cutting it out first if ``cutout`` is None
    (against the clean ``plate`` when given, as ``cut_out_subject`` does).

    Classic methods use the cut-out's decontaminated foreground colours and its alpha, so the old
    background does not bleed into the new one along the subject's edge; ``fusion`` takes the photo
    and the alpha. ``pipeline`` (default: a new one) supplies the other stages and the loaded networks.
    ``settings`` (the compositing panel's: edge shift, feather, smoothing, decontamination, placement)
    are applied at full resolution, with ``method`` in place of theirs; None composes as the pipeline does.
    """
    pipeline = (pipeline or Pipeline()).with_options(compositing=method)
    pipeline.check_networks()  # a missing network fails now, not after the cut-out
    stage = progress
    if cutout is None:
        cutout = cut_out_subject(
            pipeline,
            foreground,
            plate=plate,
            progress=wrap_progress(progress, 0.0, _CUTOUT_SHARE),
            is_cancelled=is_cancelled,
        )
        stage = wrap_progress(progress, _CUTOUT_SHARE, 1.0)
    if settings is None:
        image = pipeline.composite(foreground, background, cutout, progress=stage, is_cancelled=is_cancelled)
    else:
        chosen = replace(settings, method=method)
        image = compose(
            foreground,
            background,
            cutout,
            chosen,
            pipeline=pipeline,
            progress=stage,
            is_cancelled=is_cancelled,
        )
    return CompositeResult(cutout, image)


def compose_and_export(
    path: str,
    foreground: np.ndarray,
    background: np.ndarray,
    cutout: Cutout,
    settings: CompositingSettings,
    *,
    bit_depth: int = 8,
    quality: int = 95,
    photo: PhotoExport = SRGB_EXPORT,
    pipeline: Pipeline | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> str:
    """Compose at the background's full resolution with ``settings`` and write the result to ``path``
    (``photo``: its colour profile and metadata; ``quality``: JPEG's and WebP's)."""
    image = compose(
        foreground,
        background,
        cutout,
        settings,
        pipeline=pipeline,
        progress=wrap_progress(progress, 0.0, _COMPOSE_SHARE),
        is_cancelled=is_cancelled,
    )
    return export_image(
        path,
        image,
        bit_depth=bit_depth,
        quality=quality,
        photo=photo,
        progress=wrap_progress(progress, _COMPOSE_SHARE, 1.0),
        is_cancelled=is_cancelled,
    )
