"""How unsure a cut-out is, per pixel: where a photographer should look first and brush.

``uncertainty_cues`` measures four cues, each a map in [0, 1] at a working resolution of at most
``WORKING_MEGAPIXELS`` (GrabCut's), and ``combine_cues`` merges them into the **uncertainty map**:

- ``probability``: the segmentation network's subject probability p near 0.5, 1 − |2p − 1|;
- ``disagreement``: the network against GrabCut's final mask m, |p − m| (GrabCut moved the edge or
  flipped a region the network was sure of, or the reverse);
- ``matting``: the matting's unknown band and fractional alpha, ½·[trimap = ½] + ½·4α(1 − α);
- ``contrast``: a steep alpha edge where the photo has no colour edge, |∇α|·(1 − |∇I|): a boundary drawn
  across a flat patch of colour is guessed, not seen.

The first two need the network's probability and are zero without it. Each cue is spread by a Gaussian
(σ = ``spread`` × the diagonal) so that a thin line of doubt marks the region around it that a brush
must cover, then the cues are combined as a weighted "noisy or", 1 − Π(1 − wᵢ·cᵢ): one strong cue
suffices, and agreeing cues add up. The weights (``CUE_WEIGHTS``; ``IMAGE_CUE_WEIGHTS`` without a
network) were chosen on segmentation-dev and the network's held-out photos with ``python main.py
evaluate uncertainty`` (app/evaluation/uncertainty.py).
A 24 MP photo costs a downscale of the photo and its mattes; the map stays at the working resolution
(float16, < 1 MB) and is upsampled only to be shown.
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size
from classic.resize import resize_to, working_scale

WORKING_MEGAPIXELS = 0.3
CUES = ("probability", "disagreement", "matting", "contrast")
# Measured (app/evaluation/uncertainty.py, 162 photos): the network's cues find the mistakes (alone, ~49 %
# of the wrong pixels lie in the top 10 %), the image cues do no better than closeness to the mask's edge
# (~40 %), so they only break ties where the network is sure. Without a network they are all there is.
CUE_WEIGHTS: Mapping[str, float] = {
    "probability": 1.0,
    "disagreement": 1.0,
    "matting": 0.15,
    "contrast": 0.15,
}
IMAGE_CUE_WEIGHTS: Mapping[str, float] = {"matting": 1.0, "contrast": 1.0}
SPREAD = 0.01  # Gaussian σ of each cue, as a fraction of the image diagonal.
_ALPHA_EDGE = 0.25  # |∇α| per working pixel that counts as a full edge (an area-downscaled hard edge ≈ 0.5).
_COLOUR_EDGE = 0.08  # |∇I| per working pixel that counts as a clear colour edge.


def working_size(shape: tuple[int, ...]) -> tuple[int, int]:
    """(width, height) of the uncertainty map for a photo of ``shape``."""
    scale = min(1.0, working_scale(shape, WORKING_MEGAPIXELS))
    return max(1, round(shape[1] * scale)), max(1, round(shape[0] * scale))


def uncertainty_cues(
    image: np.ndarray,
    mask: np.ndarray,
    trimap: np.ndarray,
    alpha: np.ndarray,
    *,
    probability: np.ndarray | None = None,
    spread: float = SPREAD,
) -> dict[str, np.ndarray]:
    """The cues (``CUES``), each float32 (h, w) in [0, 1] at ``working_size(image.shape)``.

    ``image`` (H, W, 3), ``mask`` (0 / 1), ``trimap`` and ``alpha`` (H, W) are the cut-out at the
    photo's size; ``probability`` is the network's subject probability at any size (None: no network).
    """
    check_image("image", image)
    for name, matte in (("mask", mask), ("trimap", trimap), ("alpha", alpha)):
        check_matte(name, matte)
        check_same_size("image", image, name, matte)
    size = working_size(image.shape)
    small_image, small_mask, small_alpha = (resize_to(a, size) for a in (image, mask, alpha))
    small_trimap = resize_to(trimap, size, nearest=True)
    cues = {"matting": 0.5 * (small_trimap == 0.5) + 2.0 * small_alpha * (1.0 - small_alpha)}
    cues["contrast"] = _edge_without_colour(small_image, small_alpha)
    if probability is None:
        zero = np.zeros((size[1], size[0]), np.float32)
        cues["probability"], cues["disagreement"] = zero, zero
    else:
        check_matte("probability", probability)
        small_probability = resize_to(probability, size)
        cues["probability"] = 1.0 - np.abs(2.0 * small_probability - 1.0)
        cues["disagreement"] = np.abs(small_probability - small_mask)
    sigma = spread * float(np.hypot(*size))
    return {name: _spread(cues[name], sigma) for name in CUES}


def combine_cues(cues: Mapping[str, np.ndarray], weights: Mapping[str, float] = CUE_WEIGHTS) -> np.ndarray:
    """The uncertainty map float32 (h, w) in [0, 1]: 1 − Π(1 − wᵢ·cᵢ) over the cues with a weight."""
    if not weights:
        raise InvalidInputError("combine_cues needs at least one weighted cue")
    unknown = sorted(set(weights) - set(cues))
    if unknown:
        raise InvalidInputError(f"no cue named {', '.join(unknown)}; the cues are {', '.join(cues)}")
    certain = np.ones_like(next(iter(cues.values())), dtype=np.float32)
    for name, weight in weights.items():
        certain *= 1.0 - np.clip(weight, 0.0, 1.0) * cues[name]
    return np.clip(1.0 - certain, 0.0, 1.0).astype(np.float32)


def uncertainty_map(
    image: np.ndarray,
    mask: np.ndarray,
    trimap: np.ndarray,
    alpha: np.ndarray,
    *,
    probability: np.ndarray | None = None,
) -> np.ndarray:
    """The cut-out's uncertainty map, float16 (h, w) in [0, 1] at the working resolution."""
    cues = uncertainty_cues(image, mask, trimap, alpha, probability=probability)
    weights = IMAGE_CUE_WEIGHTS if probability is None else CUE_WEIGHTS
    return combine_cues(cues, weights).astype(np.float16)


def _edge_without_colour(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """|∇α| where the photo's colours do not change: both normalised to [0, 1] (Sobel / 8: per pixel)."""
    alpha_edge = np.minimum(1.0, _gradient(alpha) / _ALPHA_EDGE)
    colour = np.maximum.reduce([_gradient(image[:, :, c]) for c in range(3)])
    return (alpha_edge * (1.0 - np.minimum(1.0, colour / _COLOUR_EDGE))).astype(np.float32)


def _gradient(channel: np.ndarray) -> np.ndarray:
    dx = cv2.Sobel(channel, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    dy = cv2.Sobel(channel, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.sqrt(dx * dx + dy * dy)


def _spread(cue: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur, then a soft saturation 1 − exp(−g·b) that keeps the order of the values."""
    cue = cue.astype(np.float32)
    if sigma < 0.5:
        return np.clip(cue, 0.0, 1.0)
    blurred = cv2.GaussianBlur(cue, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    # A line two pixels wide (what the edge cues give) keeps ~2/(√(2π)σ) of its height in the blur: the
    # gain brings such a line back near its own value; wide solid regions approach 1 without a plateau.
    gain = np.sqrt(2.0 * np.pi) * sigma / 2.0
    return (1.0 - np.exp(-gain * np.maximum(blurred, 0.0))).astype(np.float32)
