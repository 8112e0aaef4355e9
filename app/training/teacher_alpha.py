"""Matting foregrounds of real subjects for ``build-training-set``: trustworthy soft alpha of real photos.

No offline set has true alpha of real photos; the shared ``real/`` sets have hand masks (hard edges).
Two sources of soft alpha, each kept only where it can be trusted:

- **People** (``--teacher-alpha``): MODNet (``engine.teacher.MattingTeacher``), a portrait-matting network,
  gives soft alpha of people — hair included — but may be wrong anywhere. ``agreed_alpha`` keeps the
  teacher's alpha only in a band around the hand mask's edge and the hand mask elsewhere, and leaves out
  a photo where the two disagree away from the edge (the teacher missed or invented part of the subject,
  so its band is no more trustworthy). The unlabelled people have no hand mask: with ``--teacher`` the
  saliency teacher's (U²-Net-p) mask stands in for it, so two independent networks must agree.
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
from typing import NamedTuple

import cv2
import numpy as np

from classic.checks import InvalidInputError
from classic.imageio import READ_EXTENSIONS, read_image, write_image
from classic.matting import estimate_alpha
from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled
from engine.teacher import MattingTeacher, SaliencyTeacher
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
    reference: SaliencyTeacher | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> list[str]:
    """Write the photos of every people set of ``shared/real/`` with their agreed alpha into
    ``foregrounds``; with a ``reference`` teacher, also those of ``shared/unlabelled/``, its mask standing
    in for the hand mask. Returns the provenance lines. Photos written by an earlier run are kept."""

    def alpha_of(image: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
        return agreed_alpha(teacher.soft_alpha(image), mask)

    band = f"with {teacher.path.name}'s soft alpha in a band of {BAND_FRACTION:.0%} of the short side around"
    away = "photos where they disagree away from the edge left out"
    how = f"{band} the hand mask's edge (the hand mask elsewhere; {away})"
    sets = [
        (f"{PREFIX}-{source.name}", source, _labelled(source))
        for source in _sets(shared / "real", PEOPLE_SETS)
    ]
    lines = _add_alpha(sets, foregrounds, alpha_of, how, progress, is_cancelled)
    if reference is None:
        return lines

    def reference_mask(image: np.ndarray) -> np.ndarray:
        return (reference.soft_mask(image) >= 0.5).astype(np.float32)

    how = (
        f"{band} {reference.path.name}'s mask's edge ({reference.path.name}'s mask elsewhere: no hand mask; "
        f"{away})"
    )
    unlabelled = _sets(shared / "unlabelled", PEOPLE_SETS, masked=False)
    sets = [(f"{PREFIX}-unlabelled-{source.name}", source, _unlabelled(source)) for source in unlabelled]
    return lines + _add_alpha(sets, foregrounds, alpha_of, how, progress, is_cancelled, reference_mask)


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
    sets = [
        (f"{EASY_PREFIX}-{source.name}", source, _labelled(source))
        for source in _sets(shared / "real", EASY_SETS)
    ]
    return _add_alpha(sets, foregrounds, easy_alpha, how, progress, is_cancelled)


class _Photo(NamedTuple):
    """A photo and its hand mask (None: a reference teacher's mask stands in)."""

    image: Path
    mask: Path | None


def _sets(root: Path, names: tuple[str, ...], *, masked: bool = True) -> list[Path]:
    """The folders ``root/NAME`` that exist (with a ``mask/`` folder when ``masked``)."""
    sets = [root / name for name in names if (root / name / "mask" if masked else root / name).is_dir()]
    for source in sets:
        check_not_dev_set(source)
    return sets


def _labelled(source: Path) -> list[_Photo]:
    if not (source / "image").is_dir():
        return []
    photos = {p.stem: p for p in (source / "image").iterdir() if p.is_file()}
    masks = sorted((source / "mask").glob("*.png"))
    return [_Photo(photos[mask.stem], mask) for mask in masks if mask.stem in photos]


def _unlabelled(source: Path) -> list[_Photo]:
    return [_Photo(p, None) for p in sorted(source.iterdir()) if p.suffix.lower() in READ_EXTENSIONS]


def _add_alpha(
    sets: list[tuple[str, Path, list[_Photo]]],
    foregrounds: Path,
    alpha_of: Callable[[np.ndarray, np.ndarray], np.ndarray | None],
    how: str,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
    reference_mask: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[str]:
    """Write each set's kept photos, named ``PREFIX__STEM``; one provenance line per set."""
    lines = []
    for index, (prefix, source, photos) in enumerate(sets):
        kept = 0
        for done, photo in enumerate(photos):
            raise_if_cancelled(is_cancelled)
            name = f"{prefix}__{photo.image.stem}"
            kept += _write_subject(photo, foregrounds, name, alpha_of, reference_mask)
            progress((index + done / len(photos)) / len(sets), f"{prefix}: {done + 1}/{len(photos)}")
        lines.append(f"- {source}: {kept} of {len(photos)} photos as matting foregrounds {how}")
    return lines


def _write_subject(
    photo: _Photo,
    foregrounds: Path,
    name: str,
    alpha_of: Callable[[np.ndarray, np.ndarray], np.ndarray | None],
    reference_mask: Callable[[np.ndarray], np.ndarray] | None,
) -> int:
    """1 when ``photo`` and its alpha were written as ``name`` (now or earlier), else 0."""
    target = foregrounds / "alpha" / f"{name}.png"
    if target.exists():
        return 1
    try:
        image = read_image(photo.image).rgb
        if photo.mask is not None:
            mask = read_image(photo.mask).rgb[:, :, 0]
        else:
            assert reference_mask is not None
            mask = reference_mask(image)
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
    shutil.copyfile(photo.image, foregrounds / "image" / f"{name}{photo.image.suffix.lower()}")
    write_image(target, alpha)
    return 1
