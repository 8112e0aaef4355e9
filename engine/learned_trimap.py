"""Matting from the photo alone with the learned trimap (Semantic Human Matting, Chen et al. ACM MM 2018).

The T-Net (``engine.nets.trimap``) labels the photo background / unknown / foreground at a working
resolution; the raw alpha inside the unknown region comes from a matting method given the T-Net's most
likely trimap and its soft trimap 0.5·U + F — the matting network (SHM's M-Net) takes the soft one, as in
the end-to-end training stage, closed-form matting the most likely one — and inside the most likely
trimap's unknown region the alpha is the mean of the paper's fusion F + U·α_raw, with F and U the T-Net's
foreground and unknown probabilities (``fuse_alpha``), and α_raw itself (``fused_alpha``); outside it the
alpha is that trimap's 0 or 1. (F and U are never exactly 0 or 1: fused everywhere, the alpha laid a faint
haze over the whole photo, 86 % of whose pixels then counted as fractional, to be decontaminated, 2 s more
at 24 MP, for the same dev-set errors.)
Given a transparency hint (``engine.transparency_hint``), the unknown region also takes in the pixels it
marks see-through near the subject, and the alpha there is the matting method's own; wherever it marks
the subject see-through, the raw alpha is the mean of the matting method's and the hint's; given the two
segmenters' opinions too, the parts of the subject it and U²-Net-p see and the selection left out join the
trimap, opaque where MODNet is sure. The alpha returns to full size by guided upsampling.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from classic.progress import CancelCallback, ProgressCallback, never_cancelled, no_progress, wrap_progress
from classic.resize import downscale, guided_upsample, resize_to
from engine.inference import Predictor
from engine.nets.trimap import fuse_alpha, soft_trimap
from engine.second_opinion import Opinions
from engine.tensors import image_to_tensor, tensor_to_image
from engine.transparency_hint import outvoted, widen_unknown, with_second_estimate

TRIMAP_SIDE = 512  # the T-Net's working size (long side), near its training crops' scale
# A matting method at the working resolution: photo, the most likely trimap (0 / 0.5 / 1) and the soft
# trimap 0.5·U + F (in [0, 1]) → raw alpha.
RawMatting = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
# A transparency hint: photo → an alpha (H, W) in [0, 1] whose fractional pixels are see-through.
Transparency = Callable[[np.ndarray], np.ndarray]
# The paper's fusion's share of the alpha inside the band; α_raw has the rest. F and U come from the
# T-Net's coarse view (512 px, trained on the bands of hand masks and of people's soft alpha); the matting
# method sees the colours. With the matting network inside, the fusion alone scored matting-dev SAD 9.57,
# α_raw alone 9.06 but 0.08 dB less on the automatic composite's band and 0.0012 less held-out IoU, the
# mean 9.28 with the composite level and 0.0005 IoU less (resources/weights/MODEL_CARD.md).
FUSION_SHARE = 0.5


def trimap_probabilities(
    network: Predictor,
    image: np.ndarray,
    segmentation: np.ndarray | None,
    *,
    side: int = TRIMAP_SIDE,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Background, unknown and foreground probabilities (H, W, 3) float32 for ``image`` (H, W, 3).

    The T-Net runs with the long side at ``side`` (aspect kept), a small photo enlarged to it: the band
    it draws is a few of its own pixels wide, which on a 250 px photo at its own size would swallow a
    horse's legs. ``segmentation`` (H, W) is its fourth input plane when the network takes one (0.5
    everywhere when None: no hint).
    """
    height, width = image.shape[:2]
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    planes = [resize_to(image, size)]
    if network.in_channels == 4:
        hint = np.full((height, width), 0.5, np.float32) if segmentation is None else segmentation
        planes.append(resize_to(hint, size))
    stacked = torch.cat([image_to_tensor(plane) for plane in planes], dim=1)
    output = network.run([stacked], progress=progress, is_cancelled=is_cancelled)
    probabilities = tensor_to_image(output)
    return resize_to(probabilities, (width, height)) if size != (width, height) else probabilities


def most_likely_trimap(probabilities: np.ndarray) -> np.ndarray:
    """The trimap (0 / 0.5 / 1) of the most likely class of each pixel."""
    return (np.argmax(probabilities, axis=2) * 0.5).astype(np.float32)


def fused_alpha(probabilities: torch.Tensor, raw: np.ndarray) -> np.ndarray:
    """The alpha (H, W) inside the band: ``FUSION_SHARE`` of the fusion F + U·α_raw (``fuse_alpha``) of the
    T-Net's ``probabilities`` (1, 3, H, W), the rest the ``raw`` alpha (H, W) itself."""
    fused = fuse_alpha(probabilities, torch.from_numpy(raw)[None, None]).numpy()[0, 0]
    return (FUSION_SHARE * fused + (1.0 - FUSION_SHARE) * raw).astype(np.float32)


def matte_from_photo(
    network: Predictor,
    image: np.ndarray,
    segmentation: np.ndarray | None,
    raw_matting: RawMatting,
    *,
    megapixels: float,
    transparency: Transparency | None = None,
    opinions: Opinions | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> tuple[np.ndarray, np.ndarray]:
    """Alpha (H, W) in [0, 1] and the learned trimap (H, W), from the photo alone.

    ``segmentation`` is at any size (resized here); ``raw_matting`` and ``transparency`` (None: no hint)
    are called at ``megapixels``. ``opinions``, the segmentation network's probability and U²-Net-p's
    saliency (each (h, w) at any size; None: no second opinion ran), let the hint add the parts of the
    subject they outvote (``engine.transparency_hint.outvoted``).
    """
    small = downscale(image, megapixels)
    small_size = (small.shape[1], small.shape[0])
    hint = None if segmentation is None else resize_to(segmentation, small_size)
    probabilities = trimap_probabilities(
        network, small, hint, progress=wrap_progress(progress, 0.0, 0.3), is_cancelled=is_cancelled
    )
    trimap = most_likely_trimap(probabilities)
    prob = torch.from_numpy(probabilities.transpose(2, 0, 1)[None].copy())
    soft = soft_trimap(prob).numpy()[0, 0]
    grown = see_through = None
    if transparency is not None:
        progress(0.3, "Looking for see-through edges")
        see_through = transparency(small)
        missed = None
        if opinions is not None:
            probability, saliency = (resize_to(opinion, small_size) for opinion in opinions)
            missed = outvoted(probability, saliency, see_through)
        widened, grown = widen_unknown(trimap, see_through, missed)
        added = (widened == 1.0) & (trimap != 1.0)  # the outvoted parts' opaque pixels
        soft = np.where(grown, np.float32(0.5), np.where(added, np.float32(1.0), soft))
        trimap = widened
    progress(0.4, "Matting inside the learned trimap")
    raw = raw_matting(small, trimap, soft)
    if see_through is not None:
        raw = with_second_estimate(raw, see_through)
    fused = fused_alpha(prob, raw)
    if grown is not None:
        fused = np.where(grown, raw, fused)
    alpha = np.where(trimap == 0.5, np.clip(fused, 0.0, 1.0), trimap).astype(np.float32)
    if small is not image:
        progress(0.9, "Bringing the alpha to full size")
        alpha = guided_upsample(alpha, small, image, radius=2, epsilon=1e-5)
        trimap = resize_to(trimap, (image.shape[1], image.shape[0]), nearest=True)
    return alpha, trimap
