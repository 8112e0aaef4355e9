"""Augmentations for training items, after Deep Image Matting's recipe (Xu et al., CVPR 2017).

- crops centred on a random unknown pixel (0 < α < 1), of side 1, 1.5 or 2 × the training crop (320, 480
  and 640 for a 320 crop, as in DIM), clamped to the image and resized to the crop;
- horizontal flips and colour jitter, applied to foreground and background separately so that their
  colours do not match trivially;
- trimaps made from the true α with random dilation of its support and erosion of its opaque core, so the
  network learns not to trust the trimap's exact band;
- coarse masks (what a segmentation network outputs) for the refinement network, and softened or slightly
  wrong masks for the fusion network's input.

Arrays follow the interchange types: images float32 (H, W, 3), mattes float32 (H, W), all in [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

from classic.resize import resize_to

CROP_SCALES = (1.0, 1.5, 2.0)
TRIMAP_KERNEL_AT_320 = 25
_SNAP = 1e-3


def snap_alpha(alpha: np.ndarray) -> np.ndarray:
    """α with values within 1e-3 of 0 or 1 set to exactly 0 or 1 (resampling leaves such residue)."""
    snapped = np.where(alpha < _SNAP, 0.0, np.where(alpha > 1.0 - _SNAP, 1.0, alpha))
    return snapped.astype(np.float32)


def unknown_centred_box(alpha: np.ndarray, rng: np.random.Generator, *, crop: int) -> tuple[slice, slice]:
    """A square window of side crop × {1, 1.5, 2} (clamped to the image) centred on an unknown pixel.

    Unknown pixels are the fractional ones; a matte without any (a binary mask) uses its edge pixels, and
    one without an edge a random pixel. The window is shifted to lie inside the image.
    """
    height, width = alpha.shape
    side = min(round(crop * CROP_SCALES[int(rng.integers(len(CROP_SCALES)))]), height, width)
    candidates = np.argwhere((alpha > 0) & (alpha < 1))
    if candidates.shape[0] == 0:
        inside = (alpha >= 0.5).astype(np.uint8)
        candidates = np.argwhere(cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0)
    if candidates.shape[0] == 0:
        centre = (int(rng.integers(height)), int(rng.integers(width)))
    else:
        row, col = candidates[int(rng.integers(candidates.shape[0]))]
        centre = (int(row), int(col))
    top = int(np.clip(centre[0] - side // 2, 0, height - side))
    left = int(np.clip(centre[1] - side // 2, 0, width - side))
    return slice(top, top + side), slice(left, left + side)


def resize_square(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` (H, W[, C]) resized to (size, size[, C]): area averaging down, bilinear up."""
    return resize_to(array, (size, size))


def background_crop(background: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """A random square view of 40–100 % of the background's short side, flipped at random, at ``size``."""
    height, width = background.shape[:2]
    side = max(1, round(min(height, width) * rng.uniform(0.4, 1.0)))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    view = background[top : top + side, left : left + side]
    if rng.random() < 0.5:
        view = view[:, ::-1]
    return resize_square(np.ascontiguousarray(view), size)


def jitter_colour(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random gamma, white balance, brightness, contrast, saturation and hue, as a camera might vary."""
    out = np.power(np.clip(image, 0.0, 1.0), np.float32(np.exp(rng.uniform(-0.25, 0.25))))
    gains = rng.uniform(0.92, 1.08, 3)
    contrast, brightness = rng.uniform(0.75, 1.25), rng.uniform(0.8, 1.2)
    angle, saturation = rng.uniform(-0.3, 0.3), rng.uniform(0.6, 1.4)
    # In YIQ, contrast (about the mean luma) and brightness act on Y, saturation scales IQ and a hue
    # shift rotates it: all linear after the gamma, so one 3×4 affine transform does it in one pass.
    yiq = np.zeros((3, 3))
    yiq[0, 0] = contrast * brightness
    yiq[1:, 1:] = saturation * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = _YIQ_TO_RGB @ yiq @ _RGB_TO_YIQ @ np.diag(gains)
    mean_luma = float(_RGB_TO_YIQ[0] @ (gains * np.array(cv2.mean(out)[:3])))
    offset = _YIQ_TO_RGB[:, 0] * (1.0 - contrast) * brightness * mean_luma
    affine = np.concatenate([matrix, offset[:, None]], axis=1).astype(np.float32)
    return np.clip(cv2.transform(out, affine), 0.0, 1.0).astype(np.float32)


def camouflage(
    background: np.ndarray, foreground: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``background`` recoloured towards the subject's colours: each channel's mean and spread moved to
    the foreground's under α ≥ 0.5 (Reinhard et al.'s colour transfer, here in RGB), by a random share of
    60–100 %. Subjects the colour of what is behind them (an orange bear before orange flowers, green hair
    over grass) are where the photo and a clean plate stop telling subject from background; clip-art on
    random backgrounds seldom shows one. The background's own texture and edges stay."""
    inside = alpha >= 0.5
    if not inside.any():
        return background
    pixels, subject = background.reshape(-1, 3), foreground[inside]
    source_mean, source_spread = pixels.mean(0), pixels.std(0)
    target_mean, target_spread = subject.mean(0), subject.std(0)
    moved = (background - source_mean) * (np.maximum(target_spread, 0.02) / np.maximum(source_spread, 0.02))
    share = np.float32(rng.uniform(0.6, 1.0))
    out = (1.0 - share) * background + share * (moved + target_mean)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def degrade_photo(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What cameras and web photos do to a picture, each at random: a little defocus or motion softness
    (Gaussian blur, σ 0.3–1.5 px), sensor noise (σ 0.5–3 % of full scale) and JPEG compression (quality
    30–90), so that a network trained on clean crops still sees the subject in a phone's photo."""
    out = image
    if rng.random() < 0.25:
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.3, 1.5)))
    if rng.random() < 0.3:
        noise = rng.normal(0.0, rng.uniform(0.005, 0.03), out.shape).astype(np.float32)
        out = np.clip(out + noise, 0.0, 1.0)
    if rng.random() < 0.3:
        quality = int(rng.integers(30, 91))
        pixels = np.round(out * 255.0).astype(np.uint8)
        encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
        decoded = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
        out = (pixels if decoded is None else decoded).astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(out, np.float32)


def random_trimap(
    alpha: np.ndarray, rng: np.random.Generator, *, max_kernel: int | None = None
) -> np.ndarray:
    """A trimap (0 / 0.5 / 1) whose unknown band covers every fractional pixel of ``alpha``, widened.

    The support (α > 0) is dilated and the opaque core (α = 1) eroded by elliptical kernels of random
    sizes 1…``max_kernel`` (25 px at a 320 crop, scaled with the image when None).
    """
    if max_kernel is None:
        max_kernel = max(3, round(TRIMAP_KERNEL_AT_320 * min(alpha.shape) / 320))
    support = cv2.dilate((alpha > 0).astype(np.uint8), _ellipse(int(rng.integers(1, max_kernel + 1))))
    core = cv2.erode((alpha >= 1).astype(np.uint8), _ellipse(int(rng.integers(1, max_kernel + 1))))
    trimap = np.where(support > 0, 0.5, 0.0)
    trimap[core > 0] = 1.0
    return trimap.astype(np.float32)


def degrade_mask(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A coarse mask as a segmentation network gives it: low-resolution, shifted, blobby and soft.

    A degradation that keeps less than half of the subject (IoU < 0.5, a thin subject eroded away) is
    replaced by a milder one: the refinement network corrects a mask, it does not invent the subject.
    """
    coarse = _degraded(mask, rng, harsh=True)
    if _iou(coarse >= 0.5, mask >= 0.5) < 0.5:
        coarse = _degraded(mask, rng, harsh=False)
    return coarse


def _degraded(mask: np.ndarray, rng: np.random.Generator, *, harsh: bool) -> np.ndarray:
    size = min(mask.shape)
    coarse: np.ndarray = mask.astype(np.float32)
    if rng.random() < 0.7:
        small = max(4, round(size * rng.uniform(1 / 12 if harsh else 1 / 4, 1 / 2)))
        coarse = cv2.resize(
            cv2.resize(coarse, (small, small), interpolation=cv2.INTER_AREA), mask.shape[::-1]
        )
    if harsh and rng.random() < 0.6:
        kernel = _ellipse(int(rng.integers(1, max(2, size // 32) + 1)))
        coarse = cv2.dilate(coarse, kernel) if rng.random() < 0.5 else cv2.erode(coarse, kernel)
    if harsh and rng.random() < 0.5:
        coarse = _toggle_blobs(coarse, rng)
    if rng.random() < 0.5:
        coarse = cv2.GaussianBlur(coarse, (0, 0), float(rng.uniform(0.5, 4.0 if harsh else 2.0)))
    if rng.random() < 0.4:
        # A confident network: a steep sigmoid around 0.5 instead of a gentle ramp.
        coarse = 1.0 / (1.0 + np.exp(-(coarse - 0.5) * rng.uniform(6.0, 20.0)))
    return np.clip(coarse, 0.0, 1.0).astype(np.float32)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def soften_mask(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The fusion network's input mask: α itself half the time, else a softened, slightly shifted α."""
    if rng.random() < 0.5:
        return alpha.copy()
    mask = alpha
    if rng.random() < 0.5:
        mask = (alpha >= 0.5).astype(np.float32)
    radius = int(rng.integers(0, 3))
    if radius:
        operation = cv2.dilate if rng.random() < 0.5 else cv2.erode
        mask = operation(mask, _ellipse(2 * radius + 1))
    mask = cv2.GaussianBlur(mask, (0, 0), float(rng.uniform(0.5, 2.0)))
    return np.clip(mask, 0.0, 1.0).astype(np.float32)


def _toggle_blobs(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add or cut 1–4 ellipses near the mask's edge: the false positives and holes of a real network."""
    out = mask.copy()
    edge = np.argwhere(cv2.morphologyEx((mask >= 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, _ellipse(3)) > 0)
    limit = max(3, min(mask.shape) // 10)
    for _ in range(int(rng.integers(1, 5))):
        if edge.shape[0]:
            row, col = edge[int(rng.integers(edge.shape[0]))]
        else:
            row, col = int(rng.integers(mask.shape[0])), int(rng.integers(mask.shape[1]))
        axes = (int(rng.integers(2, limit + 1)), int(rng.integers(2, limit + 1)))
        value = 1.0 if rng.random() < 0.5 else 0.0
        cv2.ellipse(out, (int(col), int(row)), axes, float(rng.uniform(0, 180)), 0, 360, value, -1)
    return out


def _ellipse(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(1, size), max(1, size)))


_RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)
