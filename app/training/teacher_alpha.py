"""Matting foregrounds of real people for ``build-training-set --teacher-alpha``: soft alpha from a teacher.

No offline set has true alpha of real photos; the shared ``real/`` sets have hand masks (hard edges).
MODNet (``engine.teacher.MattingTeacher``), a portrait-matting network, gives soft alpha of people — hair
included — but may be wrong anywhere. Combined, each trusted where it is good: ``agreed_alpha`` keeps the
teacher's alpha only in a band around the hand mask's edge and the hand mask elsewhere, and leaves out a
photo where the two disagree away from the edge (the teacher missed or invented part of the subject, so
its band is no more trustworthy). The foreground colours are estimated from the photo and that alpha
(``classic.foreground``: the old background's colour taken out of the edge), and each cut-out is written as
an RGBA PNG into ``OUT/foregrounds/``, where the matting items composite it onto other real backgrounds
the Deep Image Matting way (recomposed every epoch, crops centred on unknown pixels, random trimaps).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from classic.checks import InvalidInputError
from classic.foreground import estimate_foreground
from classic.imageio import read_image, write_image
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from engine.teacher import MattingTeacher
from engine.training.sources import MAX_SIDE, check_not_dev_set, fit_rgba

PEOPLE_SETS = ("ccp-person",)  # MODNet is a portrait model: only sets of people
BAND_FRACTION = 0.03  # the edge band's half-width, as a share of the photo's short side
MIN_BAND = 3  # pixels
MAX_DISAGREEMENT = 0.01  # share of the pixels away from the edge where teacher and hand mask may differ
SUBJECT_FRACTION = (0.02, 0.9)
PREFIX = "teacher-alpha"


def agreed_alpha(soft: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """The teacher's ``soft`` alpha (H, W) inside the band around the hand ``mask``'s edge, the mask's 0/1
    elsewhere; None when they disagree on more than ``MAX_DISAGREEMENT`` of the pixels away from the
    edge, or the subject covers too little or too much of the photo."""
    if soft.shape != mask.shape:
        raise InvalidInputError(f"teacher alpha {soft.shape} and hand mask {mask.shape} differ in size")
    subject = mask >= 0.5
    if not SUBJECT_FRACTION[0] <= float(subject.mean()) <= SUBJECT_FRACTION[1]:
        return None
    radius = max(MIN_BAND, round(BAND_FRACTION * min(mask.shape)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    as_bytes = subject.astype(np.uint8)
    band = (cv2.dilate(as_bytes, disc) > 0) & ~(cv2.erode(as_bytes, disc) > 0)
    away = ~band
    if away.any() and float(np.mean((np.abs(soft - subject) > 0.5)[away])) > MAX_DISAGREEMENT:
        return None
    return np.where(band, soft, subject).astype(np.float32)


def add_teacher_alpha(
    shared: Path,
    foregrounds: Path,
    teacher: MattingTeacher,
    *,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> list[str]:
    """Write the agreed cut-outs of every people set of ``shared/real/`` into ``foregrounds``; returns
    the provenance lines. Cut-outs written by an earlier run are kept, not recomputed."""
    sets = [shared / "real" / name for name in PEOPLE_SETS if (shared / "real" / name / "mask").is_dir()]
    lines = []
    for index, source in enumerate(sets):
        check_not_dev_set(source)
        masks = sorted((source / "mask").glob("*.png"))
        kept = 0
        for done, mask_path in enumerate(masks):
            raise_if_cancelled(is_cancelled)
            target = foregrounds / f"{PREFIX}-{source.name}__{mask_path.stem}.png"
            kept += _cut_out(source, mask_path, target, teacher)
            progress((index + done / len(masks)) / len(sets), f"teacher alpha: {source.name} {done + 1}")
        lines.append(
            f"- {source}: {kept} of {len(masks)} photos as foregrounds with {teacher.path.name}'s soft alpha "
            f"in a band of {BAND_FRACTION:.0%} of the short side around the hand mask's edge (the hand mask "
            f"elsewhere; photos where they disagree away from the edge left out)"
        )
    return lines


def _cut_out(source: Path, mask_path: Path, target: Path, teacher: MattingTeacher) -> int:
    """1 when the photo of ``mask_path`` became the RGBA cut-out ``target`` (now or earlier), else 0."""
    if target.exists():
        return 1
    photos = [p for p in (source / "image").glob(f"{mask_path.stem}.*") if p.is_file()]
    if not photos:
        return 0
    try:
        image, mask = read_image(photos[0]).rgb, read_image(mask_path).rgb[:, :, 0]
    except InvalidInputError:
        return 0
    if image.shape[:2] != mask.shape:
        return 0
    alpha = agreed_alpha(teacher.soft_alpha(image), mask)
    if alpha is None:
        return 0
    colours, alpha = fit_rgba(estimate_foreground(image, alpha), alpha, MAX_SIDE)
    write_image(target, np.dstack([colours, alpha]))
    return 1
