"""Training items of the clean-plate matting network and of the learned trimap, as numpy arrays.

Clean-plate matting (Background Matting, Sengupta et al. CVPR 2020) is trained on composites made the
Deep Image Matting way, I = αF + (1 − α)B, whose clean plate is B itself *perturbed* as a second shot from
a tripod differs from the first: a residual shift of 0–3 px and a rotation of up to 0.5° that alignment
left, exposure (gamma ~ N(1, 0.12), white balance gains ~ N(1, 0.03)) and its own sensor noise. The soft
segmentation the network also takes is the true mask degraded as a segmentation network gets it, a trimap
drawn from α (the command line accepts one), or nothing (0.5 everywhere) at random.
A share of the items (``Materials.camouflage_fraction``, ``train --camouflage``) has its background
recoloured towards the subject's colours first (``augment.camouflage``): where photo and plate agree on a
subject the colour of what is behind it, only the segmentation and the texture tell them apart, the case
the paper's context-switching block is for, which clip-art on random backgrounds seldom shows.

The learned trimap (Semantic Human Matting, Chen et al. ACM MM 2018) is trained on the real photos with
hand masks (the unknown band is drawn around the mask's edge, a few pixels wide, as the hand's uncertainty)
and on the clip-art composites (the unknown region is α's fractional pixels, dilated). Its end-to-end
stage, scored on the fused alpha, learns from composites alone: a hand mask has no true alpha to score.

Every random choice comes from the ``rng`` passed in.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.training import augment
from engine.training.items import Item, Materials, compose, cropped_subject, pair_view, placed_subject

WHOLE_SUBJECT_FRACTION = 0.5
SEGMENTATION_SHARES = (0.65, 0.2)  # degraded mask, trimap; the rest: no segmentation (0.5)
PLATE_GAMMA_SIGMA = 0.12
PLATE_GAIN_SIGMA = 0.03
PLATE_MAX_SHIFT = 3.0  # px at the crop's resolution
PLATE_MAX_ROTATION = 0.5  # degrees
PLATE_MAX_NOISE = 0.02
UNKNOWN_DILATION = (1, 6)  # px: the trimap target's unknown band around α's fractional pixels or edge


def perturb_plate(background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``background`` as a second shot of the scene: shifted, rotated, re-exposed and noisy, float32."""
    height, width = background.shape[:2]
    angle = rng.uniform(-PLATE_MAX_ROTATION, PLATE_MAX_ROTATION)
    matrix = np.array(cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0), np.float64)
    radius, direction = rng.uniform(0.0, PLATE_MAX_SHIFT), rng.uniform(0.0, 2.0 * np.pi)
    matrix[:, 2] += radius * np.array([np.cos(direction), np.sin(direction)])
    plate = cv2.warpAffine(
        background, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    gamma = float(np.clip(rng.normal(1.0, PLATE_GAMMA_SIGMA), 0.6, 1.6))
    gains = np.clip(rng.normal(1.0, PLATE_GAIN_SIGMA, 3), 0.85, 1.15).astype(np.float32)
    plate = np.power(np.clip(plate, 0.0, 1.0), np.float32(gamma)) * gains
    noise = rng.normal(0.0, rng.uniform(0.0, PLATE_MAX_NOISE), plate.shape).astype(np.float32)
    return np.clip(plate + noise, 0.0, 1.0).astype(np.float32)


def soft_segmentation(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What the network gets as a segmentation: a degraded mask, a trimap, or nothing (0.5)."""
    draw = rng.random()
    if draw < SEGMENTATION_SHARES[0]:
        return augment.degrade_mask((alpha >= 0.5).astype(np.float32), rng)
    if draw < sum(SEGMENTATION_SHARES):
        return augment.random_trimap(alpha, rng)
    return np.full_like(alpha, 0.5)


def plate_matting_item(materials: Materials, index: int, rng: np.random.Generator) -> Item:
    """image, plate (H, W, 3), segmentation (H, W), alpha, trimap (the scored region), foreground and
    background (H, W, 3): the true layers, for the compositional loss."""
    subject = placed_subject if rng.random() < WHOLE_SUBJECT_FRACTION else cropped_subject
    foreground, alpha = subject(materials, index, rng, hard=True)
    background = materials.background(rng)
    # Drawn only when some items are camouflaged, so that without it the items are those of before.
    if materials.camouflage_fraction and rng.random() < materials.camouflage_fraction:
        background = augment.camouflage(background, foreground, alpha, rng)
    plate = perturb_plate(background, rng)
    image = compose(foreground, alpha, background)
    if rng.random() < 0.5:
        noise = rng.normal(0.0, rng.uniform(0.0, PLATE_MAX_NOISE), image.shape).astype(np.float32)
        image = np.clip(image + noise, 0.0, 1.0)
    return {
        "image": image,
        "plate": plate,
        "segmentation": soft_segmentation(alpha, rng),
        "alpha": alpha,
        "trimap": augment.random_trimap(alpha, rng),
        "foreground": foreground,
        "background": background,
    }


def trimap_target(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The trimap (0 / 0.5 / 1) to learn: α's fractional pixels and its 0.5-edge, dilated by 1–6 px."""
    hard = (alpha >= 0.5).astype(np.uint8)
    edge = cv2.morphologyEx(hard, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    size = 2 * int(rng.integers(*UNKNOWN_DILATION, endpoint=True)) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    unknown = cv2.dilate((((alpha > 0.02) & (alpha < 0.98)) | edge).astype(np.uint8), kernel)
    trimap = hard.astype(np.float32)
    trimap[unknown > 0] = 0.5
    return trimap


def trimap_item(materials: Materials, index: int, rng: np.random.Generator, *, compositions: int) -> Item:
    """image (H, W, 3), trimap (H, W) 0/0.5/1 to learn, weight (H, W) 0/1, segmentation (H, W): a degraded
    mask, the optional second input. A composed clip-art scene for index < compositions, else a pair."""
    if index < compositions or not materials.pairs:
        foreground, alpha = placed_subject(materials, index, rng, hard=True)
        image = compose(foreground, alpha, materials.background(rng))
        weight = np.ones_like(alpha)
    else:
        image, alpha, weight = pair_view(*materials.pair(index - compositions), rng, materials.crop)
        image = augment.jitter_colour(image, rng)
    return {
        "image": augment.degrade_photo(image, rng),
        "trimap": trimap_target(alpha, rng),
        "weight": weight,
        "segmentation": augment.degrade_mask((alpha >= 0.5).astype(np.float32), rng),
    }


def trimap_end_to_end_item(materials: Materials, index: int, rng: np.random.Generator) -> Item:
    """The learned trimap's end-to-end stage: ``trimap_item``'s planes for a composite (the whole subject
    or a crop of it, at random) with its true alpha, foreground and background (H, W, 3) for the fused
    alpha's losses. The image is the composite itself, so the compositional loss has an exact target."""
    subject = placed_subject if rng.random() < WHOLE_SUBJECT_FRACTION else cropped_subject
    foreground, alpha = subject(materials, index, rng, hard=True)
    background = materials.background(rng)
    return {
        "image": compose(foreground, alpha, background),
        "trimap": trimap_target(alpha, rng),
        "weight": np.ones_like(alpha),
        "segmentation": augment.degrade_mask((alpha >= 0.5).astype(np.float32), rng),
        "alpha": alpha,
        "foreground": foreground,
        "background": background,
    }
