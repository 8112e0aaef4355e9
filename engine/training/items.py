"""Training items as numpy arrays, one function per network kind, built from decoded sources.

Matting follows Deep Image Matting (Xu et al., CVPR 2017): the foreground and its alpha are cropped around
an unknown pixel, resized to the crop, jittered, and composited at crop resolution onto a jittered random
background view, I = αF + (1 − α)B; the trimap is drawn from the true α. Segmentation composes the whole
subject, scaled and placed at random, onto a background and thresholds α at 0.5, or takes a DUTS-style
pair. Fusion follows Deep Image Compositing (Zhang et al., WACV 2021): the foreground photo is the subject
on an old background — a real photo's own background for a real subject with a trusted alpha — and the
target the subject on a new one; with a stage-1 compositor, the easy-to-hard stage replaces a cut-out's
photo by stage 1's composite of the subject onto the old background, a harder, realistic input whose
target is unchanged.

Every random choice comes from the ``rng`` passed in, so one generator state gives one item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from classic.foreground import estimate_foreground
from classic.matting import estimate_alpha
from classic.resize import resize_to
from engine.teacher import confident_target
from engine.training import augment
from engine.training.hard_alpha import apply_hard_alpha
from engine.training.procedural import procedural_background
from engine.training.sources import (
    ForegroundSource,
    SegmentationPair,
    SourceCache,
    load_foreground,
    load_pair,
    load_photo,
    load_real_subject,
)

# (photo (H, W, 3), soft mask (H, W), new background (H, W, 3)) -> composite (H, W, 3)
Compositor = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Item = dict[str, np.ndarray]
PROCEDURAL_BACKGROUND_FRACTION = 0.1
STAGE1_FRACTION = 0.5
CLOSED_FORM_MASK_FRACTION = 0.5
WHOLE_SUBJECT_FRACTION = 0.3


@dataclass
class Materials:
    """The sources one split draws from, the crop size and the per-process cache of decoded files."""

    foregrounds: Sequence[ForegroundSource]
    backgrounds: Sequence[Path]
    pairs: Sequence[SegmentationPair]
    crop: int
    hard_alpha_fraction: float
    max_side: int
    cache: SourceCache
    # Plate matting: the share of items whose background takes the subject's colours (``augment.camouflage``).
    camouflage_fraction: float = 0.0

    def foreground(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        source = self.foregrounds[index % len(self.foregrounds)]
        colour, alpha = self.cache.get(("fg", source, self.max_side), lambda: _load_fg(source, self.max_side))
        return colour, augment.snap_alpha(alpha)

    def real_subject(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A photo source's photo (H, W, 3), estimated F (H, W, 3) and α (H, W); None for an RGBA cut-out."""
        source = self.foregrounds[index % len(self.foregrounds)]
        if source.matte is None:
            return None
        key = ("real", source, self.max_side)
        photo, colour, alpha = self.cache.get(key, lambda: load_real_subject(source, max_side=self.max_side))
        return photo, colour, augment.snap_alpha(alpha)

    def background(self, rng: np.random.Generator) -> np.ndarray:
        """A jittered random background view at the crop size (procedural when there are no photos)."""
        if not self.backgrounds or rng.random() < PROCEDURAL_BACKGROUND_FRACTION:
            return procedural_background(rng, self.crop, self.crop)
        path = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
        (photo,) = self.cache.get(
            ("bg", path, self.max_side), lambda: (load_photo(path, max_side=self.max_side),)
        )
        return augment.jitter_colour(augment.background_crop(photo, rng, self.crop), rng)

    def pair(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The photo, its mask as a target (0 / 1) and the target's weight (0 where not to learn)."""
        pair = self.pairs[index % len(self.pairs)]
        image, matte = self.cache.get(
            ("pair", pair, self.max_side), lambda: load_pair(pair, max_side=self.max_side)
        )
        if pair.confident_only:
            target = confident_target(matte)
            return image, (target > 0.5).astype(np.float32), (target != 0.5).astype(np.float32)
        return image, (matte > 0.5).astype(np.float32), np.ones_like(matte)


def matting_item(
    materials: Materials, index: int, rng: np.random.Generator, *, closed_form_hint: bool = False
) -> Item:
    """image (H, W, 3), trimap (H, W) 0/0.5/1, alpha (H, W), foreground (H, W, 3), background (H, W, 3);
    with ``closed_form_hint`` also closed_form (H, W), closed-form matting's alpha for image and trimap."""
    foreground, alpha = cropped_subject(materials, index, rng, hard=True)
    background = materials.background(rng)
    image = compose(foreground, alpha, background)
    trimap = augment.random_trimap(alpha, rng)
    item = {
        "image": image,
        "trimap": trimap,
        "alpha": alpha,
        "foreground": foreground,
        "background": background,
    }
    if closed_form_hint:
        item["closed_form"] = estimate_alpha(image, trimap)
    return item


def fusion_item(
    materials: Materials, index: int, rng: np.random.Generator, *, stage1: Compositor | None = None
) -> Item:
    """input (H, W, 7) = [foreground photo's decontaminated colours, soft mask, new background], photo
    (H, W, 3), target (H, W, 3), alpha (H, W) and foreground (H, W, 3).

    A photo source (a real subject with a trusted alpha) gives its own photo, the subject on its real old
    background; an RGBA cut-out is composited onto a random old background (or, with ``stage1``, half the
    time by stage 1: easy-to-hard). The mask is the pipeline's: closed-form matting's alpha in a random
    trimap (``CLOSED_FORM_MASK_FRACTION`` of the items) or a softened, shifted α.
    """
    real = materials.real_subject(index)
    if real is not None:
        photo, foreground, alpha = real_view(real, materials.crop, rng)
    else:
        if rng.random() < WHOLE_SUBJECT_FRACTION:
            foreground, alpha = placed_subject(materials, index, rng, hard=True)
        else:
            foreground, alpha = cropped_subject(materials, index, rng, hard=True)
        old = materials.background(rng)
        photo = compose(foreground, alpha, old)
        if stage1 is not None and rng.random() < STAGE1_FRACTION:
            # Easy-to-hard: stage 1 puts the easy subject (its true colours) onto the old background; its
            # composite carries realistic artefacts that stage 2 must learn to see through.
            photo = np.clip(stage1(foreground, alpha, old), 0.0, 1.0).astype(np.float32)
    new = materials.background(rng)
    if rng.random() < CLOSED_FORM_MASK_FRACTION:
        mask = estimate_alpha(photo, augment.random_trimap(alpha, rng))
    else:
        mask = augment.soften_mask(alpha, rng)
    # As in the pipeline, the network gets the photo's colours decontaminated with its (imperfect) mask.
    colours = estimate_foreground(photo, mask)
    target = compose(foreground, alpha, new)
    stacked = np.concatenate([colours, mask[:, :, None], new], axis=2)
    return {"input": stacked, "photo": photo, "target": target, "alpha": alpha, "foreground": foreground}


def real_view(
    subject: tuple[np.ndarray, np.ndarray, np.ndarray], crop: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo, F and α of a real subject cut around an unknown pixel, resized to ``crop``, flipped at
    random (no colour jitter: the photo and F must stay one image)."""
    photo, foreground, alpha = subject
    rows, cols = augment.unknown_centred_box(alpha, rng, crop=crop)
    flip = rng.random() < 0.5
    views = []
    for array in (photo[rows, cols], foreground[rows, cols], alpha[rows, cols]):
        view = augment.resize_square(np.ascontiguousarray(array), crop)
        views.append(np.ascontiguousarray(view[:, ::-1] if flip else view))
    return views[0], views[1], augment.snap_alpha(views[2])


def segmentation_item(
    materials: Materials, index: int, rng: np.random.Generator, *, compositions: int
) -> Item:
    """image (H, W, 3), mask (H, W) 0/1 and weight (H, W) 0/1 (0: not a target): a composed scene for
    index < compositions, else a pair; both with a camera's blur, noise and JPEG at random."""
    if index < compositions or not materials.pairs:
        foreground, alpha = placed_subject(materials, index, rng, hard=False)
        image = compose(foreground, alpha, materials.background(rng))
        mask, weight = (alpha > 0.5).astype(np.float32), np.ones_like(alpha)
    else:
        image, mask, weight = pair_view(*materials.pair(index - compositions), rng, materials.crop)
        image = augment.jitter_colour(image, rng)
    return {"image": augment.degrade_photo(image, rng), "mask": mask, "weight": weight}


def refinement_item(materials: Materials, index: int, rng: np.random.Generator, *, compositions: int) -> Item:
    """image (H, W, 3), mask (H, W) 0/1 and coarse (H, W): the mask degraded as a network would get it."""
    item = segmentation_item(materials, index, rng, compositions=compositions)
    item["coarse"] = augment.degrade_mask(item["mask"], rng)
    return item


def cropped_subject(
    materials: Materials, index: int, rng: np.random.Generator, *, hard: bool
) -> tuple[np.ndarray, np.ndarray]:
    """F (crop, crop, 3) and α (crop, crop) cut around an unknown pixel, flipped, jittered, hard at random."""
    foreground, alpha = materials.foreground(index)
    rows, cols = augment.unknown_centred_box(alpha, rng, crop=materials.crop)
    foreground, alpha = foreground[rows, cols], alpha[rows, cols]
    return _finish_subject(materials, foreground, alpha, rng, hard=hard)


def placed_subject(
    materials: Materials, index: int, rng: np.random.Generator, *, hard: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The whole subject scaled to 40–95 % of the crop and placed at random on a (crop, crop) canvas."""
    foreground, alpha = materials.foreground(index)
    rows, cols = np.nonzero(alpha > 0.01)
    if rows.size == 0:
        return _finish_subject(materials, foreground, alpha, rng, hard=False)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    size = materials.crop
    scale = size * rng.uniform(0.4, 0.95) / max(bottom - top, right - left)
    height, width = max(1, round((bottom - top) * scale)), max(1, round((right - left) * scale))
    region = (slice(top, bottom), slice(left, right))
    small_fg = resize_to(foreground[region], (width, height))
    small_alpha = resize_to(alpha[region], (width, height))
    # The subject's centre may sit anywhere that keeps at least half of it in the frame.
    row0 = int(rng.integers(-height // 4, size - 3 * height // 4 + 1))
    col0 = int(rng.integers(-width // 4, size - 3 * width // 4 + 1))
    canvas_fg = np.empty((size, size, 3), np.float32)
    canvas_fg[:] = cv2.mean(small_fg)[:3]
    canvas_alpha = np.zeros((size, size), np.float32)
    target = (slice(max(row0, 0), min(row0 + height, size)), slice(max(col0, 0), min(col0 + width, size)))
    source = (
        slice(target[0].start - row0, target[0].stop - row0),
        slice(target[1].start - col0, target[1].stop - col0),
    )
    canvas_fg[target] = small_fg[source]
    canvas_alpha[target] = small_alpha[source]
    return _finish_subject(materials, canvas_fg, canvas_alpha, rng, hard=hard)


def _finish_subject(
    materials: Materials, foreground: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, *, hard: bool
) -> tuple[np.ndarray, np.ndarray]:
    if hard and rng.random() < materials.hard_alpha_fraction:
        foreground, alpha = apply_hard_alpha(foreground, alpha, rng)
    foreground = augment.resize_square(foreground, materials.crop)
    alpha = augment.snap_alpha(augment.resize_square(alpha, materials.crop))
    if rng.random() < 0.5:
        foreground, alpha = foreground[:, ::-1], alpha[:, ::-1]
    return augment.jitter_colour(np.ascontiguousarray(foreground), rng), np.ascontiguousarray(alpha)


def pair_view(
    image: np.ndarray, mask: np.ndarray, weight: np.ndarray, rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The whole photo squeezed to a square, or a random square of 60–100 % of its short side; flipped.

    The mask and weight come back as 0 / 1 at ``size`` (a weight is 1 only where it was 1 throughout).
    """
    height, width = mask.shape
    rows, cols = slice(0, height), slice(0, width)
    if rng.random() >= 0.5:
        side = max(1, round(min(height, width) * rng.uniform(0.6, 1.0)))
        top, left = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
        rows, cols = slice(top, top + side), slice(left, left + side)
    flip = rng.random() < 0.5
    image, targets = image[rows, cols], np.dstack([mask, weight, np.zeros_like(mask)])[rows, cols]
    if flip:
        image, targets = image[:, ::-1], targets[:, ::-1]
    image = augment.resize_square(np.ascontiguousarray(image), size)
    targets = augment.resize_square(np.ascontiguousarray(targets), size)
    mask, weight = (targets[:, :, 0] > 0.5).astype(np.float32), (targets[:, :, 1] > 0.999).astype(np.float32)
    return image, mask, weight


def compose(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """I = αF + (1 − α)B at crop resolution, float32 (H, W, 3) in [0, 1]."""
    weight = alpha[:, :, None]
    return np.clip(weight * foreground + (1.0 - weight) * background, 0.0, 1.0).astype(np.float32)


def _load_fg(source: ForegroundSource, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    return load_foreground(source, max_side=max_side)
