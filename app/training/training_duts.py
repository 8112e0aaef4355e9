"""The whole DUTS-TR salient-object set (Wang et al. CVPR 2017) for ``build-training-set --duts``.

The shared data holds 1,000 of DUTS-TR's 10,553 photos with their hand masks (``real/duts-tr``, research
use only). ``add_duts`` brings the rest from a copy of the set (a folder holding ``DUTS-TR-Image/`` and
``DUTS-TR-Mask/``, or one holding ``DUTS-TR/``: the GitHub repository ``pat-chou-li/u2net`` has both) into
``OUT/pairs/duts-tr-full/``, linked where the file system allows, else copied. Left out: a photo already
in another pair set under the same name (the shared subset), a mask whose subject covers under 1 % or
over 95 % of the photo, a pair whose sizes differ, and a near-duplicate of a development photo
(``dev_thumbnails``: the dev sets' photos are read for that check only).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.training import training_packages as packages
from app.training.training_real import SUBJECT_FRACTION, link_or_copy, list_photos
from classic.checks import InvalidInputError
from classic.imageio import read_image, read_matte
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from engine.training.sources import DEV_SETS

SET_NAME = "duts-tr-full"
_FOLDERS = ("DUTS-TR-Image", "DUTS-TR-Mask")


def duts_folders(root: Path) -> tuple[Path, Path]:
    """The photo and mask folders of the DUTS-TR copy at ``root``."""
    for base in (root, root / "DUTS-TR"):
        images, masks = (base / name for name in _FOLDERS)
        if images.is_dir() and masks.is_dir():
            return images, masks
    raise InvalidInputError(f"{root}: no DUTS-TR-Image/ and DUTS-TR-Mask/ in it, nor under DUTS-TR/")


def dev_thumbnails(shared: Path) -> list[np.ndarray]:
    """Thumbnails (``training_packages.thumbnail``) of the development sets' photos under ``shared``."""
    folders = [shared / name / "image" for name in DEV_SETS]
    return [
        packages.thumbnail(read_image(path).rgb) for f in folders if f.is_dir() for path in list_photos(f)
    ]


def add_duts(
    root: Path,
    pairs: Path,
    *,
    held_out: list[np.ndarray],
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> list[str]:
    """Add DUTS-TR's pairs from ``root`` to ``pairs/duts-tr-full``; returns the provenance lines.

    ``held_out``: thumbnails of photos that must not be trained on (``dev_thumbnails``)."""
    images, masks = duts_folders(root)
    target = pairs / SET_NAME
    for folder in ("image", "mask"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    known = {
        path.stem
        for other in (pairs.iterdir() if pairs.is_dir() else [])
        if other.name != SET_NAME and (other / "image").is_dir()
        for path in list_photos(other / "image")
    }
    sources = list_photos(images)
    skipped = dict.fromkeys(
        ("in another set", "unreadable", "sizes differ", "subject size", "near a dev photo"), 0
    )
    for done, path in enumerate(sources):
        raise_if_cancelled(is_cancelled)
        progress(done / max(1, len(sources)), f"DUTS-TR: {done + 1}/{len(sources)}")
        mask_path = masks / f"{path.stem}.png"
        if (target / "image" / path.name).exists() or not mask_path.is_file():
            continue
        reason = _problem(path, mask_path, known, held_out)
        if reason is not None:
            skipped[reason] += 1
            continue
        link_or_copy(path, target / "image" / path.name)
        link_or_copy(mask_path, target / "mask" / mask_path.name)
    kept = len(list_photos(target / "image"))
    left_out = ", ".join(f"{count} {reason}" for reason, count in skipped.items())
    return [f"- {root}: {kept} DUTS-TR photos with hand masks as pairs/{SET_NAME} (left out: {left_out})"]


def _problem(image: Path, mask: Path, known: set[str], held_out: list[np.ndarray]) -> str | None:
    if image.stem in known:
        return "in another set"
    try:
        rgb, matte = read_image(image).rgb, read_matte(mask)
    except InvalidInputError:
        return "unreadable"
    if rgb.shape[:2] != matte.shape:
        return "sizes differ"
    if not SUBJECT_FRACTION[0] <= float(np.mean(matte >= 0.5)) <= SUBJECT_FRACTION[1]:
        return "subject size"
    if packages.is_duplicate(packages.thumbnail(rgb), held_out):
        return "near a dev photo"
    return None
