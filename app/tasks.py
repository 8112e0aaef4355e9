"""The jobs the main window runs on the worker thread, as plain functions.

Each takes keyword-only ``progress`` and ``is_cancelled`` callables like every job in the house (see
``classic.progress``) and touches no Qt, so tests can call them directly with fake callbacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classic.compositing import composite
from classic.imageio import LoadedImage, read_image, write_image
from classic.pipeline import Cutout, cut_out
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled, wrap_progress

# Share of a composite job's progress bar spent on the cut-out when it has to run first.
_CUTOUT_SHARE = 0.8


def load_photos(
    paths: Mapping[str, str], *, progress: ProgressCallback, is_cancelled: CancelCallback
) -> dict[str, LoadedImage]:
    """Read the photo for each role (``foreground`` / ``background``) from its path."""
    loaded: dict[str, LoadedImage] = {}
    for done, (role, path) in enumerate(paths.items()):
        raise_if_cancelled(is_cancelled)
        progress(done / len(paths), f"Reading {Path(path).name}")
        loaded[role] = read_image(path)
    progress(1.0, "Read")
    return loaded


@dataclass(frozen=True)
class CompositeResult:
    """The cut-out the composite was made from (new or reused) and the composite itself."""

    cutout: Cutout
    image: np.ndarray


def cut_out_and_composite(
    foreground: np.ndarray,
    background: np.ndarray,
    *,
    method: str,
    cutout: Cutout | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> CompositeResult:
    """Composite the foreground's subject onto the background, cutting it out first if ``cutout`` is None.

    The composite uses the cut-out's decontaminated foreground colours and its alpha, so the old
    background does not bleed into the new one along the subject's edge.
    """
    stage = progress
    if cutout is None:
        cutout = cut_out(
            foreground, progress=wrap_progress(progress, 0.0, _CUTOUT_SHARE), is_cancelled=is_cancelled
        )
        stage = wrap_progress(progress, _CUTOUT_SHARE, 1.0)
    image = composite(
        cutout.foreground, cutout.alpha, background, method=method, progress=stage, is_cancelled=is_cancelled
    )
    return CompositeResult(cutout, image)


def export_image(
    path: str,
    image: np.ndarray,
    *,
    bit_depth: int = 8,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> str:
    """Write ``image`` to ``path`` (format from the extension, written atomically); returns the path."""
    raise_if_cancelled(is_cancelled)
    progress(0.0, f"Writing {Path(path).name}")
    write_image(path, image, bit_depth=bit_depth)
    progress(1.0, "Written")
    return path
