"""Real photographs for ``build-training-set``: hand-masked sets and teacher-labelled unlabelled photos.

``copy_real_sets`` brings each ``SHARED/real/SET/`` (``image/`` + ``mask/``) into ``OUT/pairs/SET/``, linked
where the file system allows, else copied; a set whose ``SOURCE.md`` names its photos ``SEQUENCE_FRAME``
(video frames) gets the ``SEQUENCES`` marker, so validation holds out whole sequences
(``engine.training.sources``). ``label_unlabelled`` runs a teacher (``engine.teacher``) on every photo of
``SHARED/unlabelled/SET/`` and writes ``OUT/pairs/unlabelled-SET/image/`` + ``soft/``: the teacher's soft
masks, of which training uses only the confident pixels. A photo where the teacher finds no clear subject
(too few confident pixels, or a subject under 1 % or over 95 % of the frame) is left out.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from classic.checks import InvalidInputError
from classic.imageio import READ_EXTENSIONS, read_image, write_image
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from engine.teacher import CONFIDENT, SaliencyTeacher
from engine.training.sources import SEQUENCES_MARKER, TEACHER_FOLDER, check_not_dev_set

SEQUENCE_NAMING = "SEQUENCE_FRAME"
MIN_CONFIDENT_FRACTION = 0.85
SUBJECT_FRACTION = (0.01, 0.95)


def real_sets(shared: Path) -> list[Path]:
    """The sets ``shared/real/SET`` that hold ``image/`` and ``mask/``, by name."""
    root = shared / "real"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "image").is_dir() and (p / "mask").is_dir())


def unlabelled_sets(shared: Path) -> list[Path]:
    """The folders ``shared/unlabelled/SET`` that hold photos, by name."""
    root = shared / "unlabelled"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and list_photos(p))


def copy_real_sets(
    shared: Path, pairs: Path, *, progress: ProgressCallback, is_cancelled: CancelCallback
) -> list[str]:
    """Copy every real set into ``pairs/SET``; returns one provenance line per set."""
    sets = real_sets(shared)
    lines = []
    for index, source in enumerate(sets):
        check_not_dev_set(source)
        target = pairs / source.name
        for folder in ("image", "mask"):
            (target / folder).mkdir(parents=True, exist_ok=True)
            for path in list_photos(source / folder):
                raise_if_cancelled(is_cancelled)
                link_or_copy(path, target / folder / path.name)
        count = len(list_photos(target / "image"))
        sequences = SEQUENCE_NAMING in _read_text(source / "SOURCE.md")
        if sequences:
            (target / SEQUENCES_MARKER).touch()
        if (source / "SOURCE.md").is_file():
            shutil.copyfile(source / "SOURCE.md", target / "SOURCE.md")
        progress((index + 1) / len(sets), f"real photos: {source.name}")
        split = "by sequence" if sequences else "by photo"
        lines.append(
            f"- {source}: {count} photos with hand masks (validation split {split}; terms: SOURCE.md)"
        )
    return lines


def label_unlabelled(
    shared: Path,
    pairs: Path,
    teacher: SaliencyTeacher,
    *,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> list[str]:
    """Write the teacher's soft masks of every unlabelled set into ``pairs/unlabelled-SET``."""
    sets = unlabelled_sets(shared)
    lines = []
    for index, source in enumerate(sets):
        check_not_dev_set(source)
        target = pairs / f"unlabelled-{source.name}"
        (target / "image").mkdir(parents=True, exist_ok=True)
        (target / TEACHER_FOLDER).mkdir(exist_ok=True)
        photos = list_photos(source)
        kept = 0
        for done, path in enumerate(photos):
            raise_if_cancelled(is_cancelled)
            kept += _label(path, target, teacher)
            progress(
                (index + done / len(photos)) / len(sets), f"teacher: {source.name} {done + 1}/{len(photos)}"
            )
        lines.append(
            f"- {source}: {kept} of {len(photos)} unlabelled photos with {teacher.path.name}'s soft masks "
            f"(confident pixels < {CONFIDENT[0]} or > {CONFIDENT[1]} only)"
        )
    return lines


def teacher_problem(soft: np.ndarray) -> str | None:
    """Why a teacher's soft mask (H, W) in [0, 1] is no use as a target, or None when it is."""
    low, high = CONFIDENT
    confident = float(np.mean((soft <= low) | (soft >= high)))
    if confident < MIN_CONFIDENT_FRACTION:
        return f"only {confident:.0%} of the pixels are confident"
    subject = float(np.mean(soft >= 0.5))
    if not SUBJECT_FRACTION[0] <= subject <= SUBJECT_FRACTION[1]:
        return f"the subject covers {subject:.0%} of the photo"
    return None


def _label(path: Path, target: Path, teacher: SaliencyTeacher) -> int:
    """1 when ``path`` got a usable soft mask (now or in an earlier run), else 0."""
    mask_path = target / TEACHER_FOLDER / f"{path.stem}.png"
    if mask_path.exists():
        return 1
    try:
        image = read_image(path).rgb
    except InvalidInputError:
        return 0
    soft = teacher.soft_mask(image)
    if teacher_problem(soft) is not None:
        return 0
    link_or_copy(path, target / "image" / path.name)
    write_image(mask_path, soft)
    return 1


def link_or_copy(source: Path, target: Path) -> None:
    """Put ``source`` at ``target`` (a hard link, else a copy) unless it is there already."""
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def list_photos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READ_EXTENSIONS)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
