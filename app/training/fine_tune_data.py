"""The user's fine-tuning material as a DUTS-style folder (``image/NAME`` + ``mask/NAME.png`` or
``alpha/NAME.png``), which ``engine.training`` reads: checking a folder the user chose, and exporting the
corrected masks of the current and saved sessions into one. Qt-free; the export runs as a job.

Which matte a session contributes depends on the network being tuned: segmentation and refinement
learn masks (the refined mask, else the segmentation mask, else the alpha thresholded at 0.5), matting
and fusion learn alphas (the alpha, else the refined mask, else the segmentation mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.project.session import ProjectState, load_project
from classic.checks import InvalidInputError
from classic.imageio import READ_EXTENSIONS, write_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)

MATTE_FOLDERS = ("mask", "alpha")
_MASK_LAYERS = ("refined mask", "segmentation mask", "alpha")
_ALPHA_LAYERS = ("alpha", "refined mask", "segmentation mask")


def matte_folder(kind: str) -> str:
    """``mask`` for the networks that learn masks, ``alpha`` for those that learn alphas."""
    return "mask" if kind in ("segmentation", "refinement") else "alpha"


def find_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """The (photo, matte) pairs of a DUTS-style ``folder``: ``image/NAME.*`` with ``mask/NAME.png`` or
    ``alpha/NAME.png`` (mask first). Raises ``InvalidInputError`` saying what is missing when none."""
    images = folder / "image"
    mattes = [folder / name for name in MATTE_FOLDERS if (folder / name).is_dir()]
    if not images.is_dir() or not mattes:
        raise InvalidInputError(
            f"{folder} needs an image/ folder of photos and a mask/ or alpha/ folder of same-named PNGs"
        )
    pairs = []
    for photo in sorted(images.iterdir()):
        if photo.suffix.lower() not in READ_EXTENSIONS:
            continue
        matte = next((m / f"{photo.stem}.png" for m in mattes if (m / f"{photo.stem}.png").is_file()), None)
        if matte is not None:
            pairs.append((photo, matte))
    if not pairs:
        raise InvalidInputError(f"no photo in {images} has a mask or alpha PNG of the same name")
    return pairs


def session_matte(state: ProjectState, kind: str) -> np.ndarray | None:
    """The matte a session contributes when tuning ``kind`` (see the module's note), or None."""
    layers = _MASK_LAYERS if matte_folder(kind) == "mask" else _ALPHA_LAYERS
    name = next((name for name in layers if name in state.layers), None)
    if name is None:
        return None
    matte = state.layers[name]
    if name == "alpha" and matte_folder(kind) == "mask":
        return (matte >= 0.5).astype(np.float32)
    return matte.astype(np.float32)


@dataclass(frozen=True)
class SessionExport:
    """What ``export_sessions`` wrote: the pairs' names, and the sessions skipped with the reason."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def export_sessions(
    out: Path,
    *,
    kind: str,
    current: ProjectState | None = None,
    projects: Sequence[Path] = (),
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> SessionExport:
    """Write the foreground photo and corrected matte of ``current`` and of each saved project as
    ``out/image/NAME.png`` + ``out/{mask|alpha}/NAME.png`` (16-bit, so brush edits survive).

    Sessions without a foreground or any matte are skipped. Raises ``InvalidInputError`` when nothing
    could be written: training needs at least one pair.
    """
    written: list[str] = []
    skipped: list[str] = []
    sources: list[tuple[str, ProjectState | Path]] = [("current session", current)] if current else []
    sources += [(path.stem, path) for path in projects]
    for done, (name, source) in enumerate(sources):
        raise_if_cancelled(is_cancelled)
        progress(done / max(len(sources), 1), f"Exporting {name}")
        state = load_project(source) if isinstance(source, Path) else source
        unique = _unique(_slug(name), written)
        reason = _write_pair(out, unique, state, kind)
        if reason:
            skipped.append(f"{name}: {reason}")
        else:
            written.append(unique)
    if not written:
        details = "; ".join(skipped) or "no session was given"
        raise InvalidInputError(f"no session has a foreground photo with a corrected mask ({details})")
    progress(1.0, f"Exported {len(written)} sessions")
    return SessionExport(written, skipped)


def _write_pair(out: Path, name: str, state: ProjectState, kind: str) -> str:
    """Write one pair; returns why it could not be written ("" when it was)."""
    photo = state.layers.get("foreground")
    if photo is None:
        return "no foreground photo"
    matte = session_matte(state, kind)
    if matte is None:
        return "no mask or alpha yet"
    for folder in ("image", matte_folder(kind)):
        (out / folder).mkdir(parents=True, exist_ok=True)
    write_image(out / "image" / f"{name}.png", photo, bit_depth=16)
    write_image(out / matte_folder(kind) / f"{name}.png", matte, bit_depth=16)
    return ""


def _slug(name: str) -> str:
    kept = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip())
    return kept or "session"


def _unique(name: str, taken: Sequence[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    return candidate
