"""Matting foregrounds of real subjects for ``build-training-set``: trustworthy soft alpha of real photos.

No offline set has true alpha of real photos; the shared ``real/`` sets have hand masks (hard edges).
Two sources of soft alpha, each kept only where it can be trusted:

- **People** (``--teacher-alpha``): MODNet (``engine.teacher.MattingTeacher``), a portrait-matting network,
  gives soft alpha of people — hair included — but may be wrong anywhere. ``agreed_alpha`` keeps the
  teacher's alpha only in a band around the hand mask's edge and the hand mask elsewhere, and leaves out
  a photo where the two disagree away from the edge (the teacher missed or invented part of the subject,
  so its band is no more trustworthy).
- **Easy objects** (``--easy-alpha``), Deep Image Compositing's easy subjects: closed-form matting inside
  a narrow trimap drawn around the hand mask's edge. ``easy_alpha`` keeps it only for a solid subject —
  a crisp edge (few fractional pixels in the band) that follows the hand mask — where closed-form
  matting is reliable; hair, fur and see-through objects are left out.

Each kept photo is written as it is, with its alpha, into ``OUT/foregrounds/image/`` and ``alpha/``
(the layout ``engine.training.sources`` reads as photos with mattes): the matting items estimate the
foreground colours from them and composite them onto other real backgrounds the Deep Image Matting way
(recomposed every epoch, crops centred on unknown pixels, random trimaps), and the fusion items also use
the photo itself, the subject on its real old background.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from classic.checks import InvalidInputError
from classic.imageio import read_image, write_image
from classic.matting import estimate_alpha
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from engine.teacher import MattingTeacher
from engine.training.sources import MAX_SIDE, check_not_dev_set

PEOPLE_SETS = ("ccp-person",)  # MODNet is a portrait model: only sets of people
BAND_FRACTION = 0.03  # the edge band's half-width, as a share of the photo's short side
MIN_BAND = 3  # pixels
MAX_DISAGREEMENT = 0.01  # share of the pixels away from the edge where teacher and hand mask may differ
SUBJECT_FRACTION = (0.02, 0.9)
PREFIX = "teacher-alpha"
EASY_SETS = ("duts-tr", "horses")  # objects and animals; video frames (davis) would repeat themselves
EASY_BAND_FRACTION = 0.015  # the trimap's half-width around the hand mask's edge, share of the short side
EASY_FRACTIONAL = 0.4  # share of the band with 0.1 < α < 0.9 (the median photo has 0.45–0.5)
EASY_DISAGREEMENT = 0.16  # mean |α − mask| in the band (median 0.17–0.18)
EASY_PREFIX = "easy-alpha"


def agreed_alpha(soft: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """The teacher's ``soft`` alpha (H, W) inside the band around the hand ``mask``'s edge, the mask's 0/1
    elsewhere; None when they disagree on more than ``MAX_DISAGREEMENT`` of the pixels away from the
    edge, or the subject covers too little or too much of the photo."""
    if soft.shape != mask.shape:
        raise InvalidInputError(f"teacher alpha {soft.shape} and hand mask {mask.shape} differ in size")
    subject = mask >= 0.5
    if not SUBJECT_FRACTION[0] <= float(subject.mean()) <= SUBJECT_FRACTION[1]:
        return None
    band = _edge_band(subject, max(MIN_BAND, round(BAND_FRACTION * min(mask.shape))))
    away = ~band
    if away.any() and float(np.mean((np.abs(soft - subject) > 0.5)[away])) > MAX_DISAGREEMENT:
        return None
    return np.where(band, soft, subject).astype(np.float32)


def easy_alpha(image: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """Closed-form matting's alpha (H, W) of ``image`` in a narrow trimap around the hand ``mask``'s edge,
    or None unless the subject is solid: at most ``EASY_FRACTIONAL`` of the band's pixels fractional and
    the alpha within ``EASY_DISAGREEMENT`` (mean absolute difference) of the mask in the band."""
    if image.shape[:2] != mask.shape:
        raise InvalidInputError(f"photo {image.shape[:2]} and hand mask {mask.shape} differ in size")
    subject = mask >= 0.5
    if not SUBJECT_FRACTION[0] <= float(subject.mean()) <= SUBJECT_FRACTION[1]:
        return None
    band = _edge_band(subject, max(MIN_BAND, round(EASY_BAND_FRACTION * min(mask.shape))))
    trimap = np.where(band, 0.5, subject.astype(np.float32)).astype(np.float32)
    alpha = estimate_alpha(image, trimap, method="closed-form")
    inside = alpha[band]
    fractional = float(np.mean((inside > 0.1) & (inside < 0.9)))
    disagreement = float(np.mean(np.abs(inside - subject[band])))
    if fractional > EASY_FRACTIONAL or disagreement > EASY_DISAGREEMENT:
        return None
    return alpha


def _edge_band(subject: np.ndarray, radius: int) -> np.ndarray:
    """The pixels within ``radius`` of the edge of the boolean ``subject``."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    as_bytes = subject.astype(np.uint8)
    return (cv2.dilate(as_bytes, disc) > 0) & ~(cv2.erode(as_bytes, disc) > 0)


def add_teacher_alpha(
    shared: Path,
    foregrounds: Path,
    teacher: MattingTeacher,
    *,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> list[str]:
    """Write the photos of every people set of ``shared/real/`` with their agreed alpha into
    ``foregrounds``; returns the provenance lines. Photos written by an earlier run are kept."""

    def alpha_of(image: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
        return agreed_alpha(teacher.soft_alpha(image), mask)

    how = (
        f"with {teacher.path.name}'s soft alpha in a band of {BAND_FRACTION:.0%} of the short side around "
        "the hand mask's edge (the hand mask elsewhere; photos where they disagree away from the edge left "
        "out)"
    )
    return _add_alpha(shared, PEOPLE_SETS, foregrounds, alpha_of, (PREFIX, how), progress, is_cancelled)


def add_easy_alpha(
    shared: Path, foregrounds: Path, *, progress: ProgressCallback, is_cancelled: CancelCallback
) -> list[str]:
    """Write the solid subjects of the object sets of ``shared/real/`` with closed-form alpha from their
    hand mask's trimap into ``foregrounds``; returns the provenance lines."""
    how = (
        f"with closed-form alpha in a trimap of {EASY_BAND_FRACTION:.1%} of the short side around the hand "
        f"mask's edge, kept for solid subjects only (≤ {EASY_FRACTIONAL:.0%} of the band fractional, mean "
        f"|α − mask| ≤ {EASY_DISAGREEMENT} there)"
    )
    prefix = (EASY_PREFIX, how)
    return _add_alpha(shared, EASY_SETS, foregrounds, easy_alpha, prefix, progress, is_cancelled)


def _add_alpha(
    shared: Path,
    names: tuple[str, ...],
    foregrounds: Path,
    alpha_of: Callable[[np.ndarray, np.ndarray], np.ndarray | None],
    label: tuple[str, str],
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> list[str]:
    prefix, how = label
    sets = [shared / "real" / name for name in names if (shared / "real" / name / "mask").is_dir()]
    lines = []
    for index, source in enumerate(sets):
        check_not_dev_set(source)
        masks = sorted((source / "mask").glob("*.png"))
        kept = 0
        for done, mask_path in enumerate(masks):
            raise_if_cancelled(is_cancelled)
            name = f"{prefix}-{source.name}__{mask_path.stem}"
            kept += _write_subject(source, mask_path, foregrounds, name, alpha_of)
            progress((index + done / len(masks)) / len(sets), f"{prefix}: {source.name} {done + 1}")
        lines.append(f"- {source}: {kept} of {len(masks)} photos as matting foregrounds {how}")
    return lines


def _write_subject(
    source: Path,
    mask_path: Path,
    foregrounds: Path,
    name: str,
    alpha_of: Callable[[np.ndarray, np.ndarray], np.ndarray | None],
) -> int:
    """1 when the photo of ``mask_path`` and its alpha were written as ``name`` (now or earlier), else 0."""
    target = foregrounds / "alpha" / f"{name}.png"
    if target.exists():
        return 1
    photos = [p for p in (source / "image").glob(f"{mask_path.stem}.*") if p.is_file()]
    if not photos:
        return 0
    try:
        image, mask = read_image(photos[0]).rgb, read_image(mask_path).rgb[:, :, 0]
    except InvalidInputError:
        return 0
    if image.shape[:2] != mask.shape or max(mask.shape) > MAX_SIDE:
        return 0
    alpha = alpha_of(image, mask)
    if alpha is None:
        return 0
    (foregrounds / "image").mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The photo as it came (no second JPEG encoding); the alpha beside it, written last: it marks done.
    shutil.copyfile(photos[0], foregrounds / "image" / f"{name}{photos[0].suffix.lower()}")
    write_image(target, alpha)
    return 1
