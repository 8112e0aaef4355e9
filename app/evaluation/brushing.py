"""A simulated photographer correcting an automatic mask with a fixed-size brush, for the uncertainty
evaluation (``app.evaluation.uncertainty``).

Each dab is a disc of radius ``radius`` pixels set to the ground truth inside it (the truth's unlabelled
pixels are left alone). ``guided`` places every dab where the uncertainty map holds the most doubt that
no dab has covered yet (the disc's sum, approximated by a square box of the same area); ``unguided``
places them at random among allowed centres (the whole photo, the subject's box, or the mask's edge
band). Both stop once the IoU reaches ``target`` or after ``max_dabs``; the count is what they report.
"""

from __future__ import annotations

import cv2
import numpy as np

IGNORED = 0.5  # The ground truth's unlabelled value (read like a trimap's unknown).


def iou_counts(mask: np.ndarray, subject: np.ndarray, labelled: np.ndarray) -> tuple[int, int]:
    """(|mask ∩ subject|, |mask ∪ subject|) over the labelled pixels; boolean inputs."""
    both = mask & subject & labelled
    either = (mask | subject) & labelled
    return int(both.sum()), int(either.sum())


def _disc(radius: int) -> np.ndarray:
    rows, cols = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return np.asarray(rows * rows + cols * cols <= radius * radius)


class Brushing:
    """The state of one simulated correction: the mask, the brushed pixels and the IoU counts."""

    def __init__(self, mask: np.ndarray, truth: np.ndarray, radius: int) -> None:
        self.labelled = truth != IGNORED
        self.subject = truth > IGNORED
        self.mask = mask >= 0.5
        self.brushed = np.zeros(mask.shape, bool)
        self.radius = radius
        self._disc = _disc(radius)
        self.both, self.either = iou_counts(self.mask, self.subject, self.labelled)

    @property
    def iou(self) -> float:
        return self.both / self.either if self.either else 1.0

    def dab(self, row: int, col: int) -> None:
        """Set the mask to the truth inside the disc at (row, col), updating the IoU counts locally."""
        r, (height, width) = self.radius, self.mask.shape
        top, left = max(0, row - r), max(0, col - r)
        bottom, right = min(height, row + r + 1), min(width, col + r + 1)
        disc = self._disc[top - row + r : bottom - row + r, left - col + r : right - col + r]
        window = slice(top, bottom), slice(left, right)
        mask, subject, labelled = self.mask[window], self.subject[window], self.labelled[window]
        before = iou_counts(mask, subject, labelled)
        fixed = np.where(disc & labelled, subject, mask)
        after = iou_counts(fixed, subject, labelled)
        self.mask[window] = fixed
        self.brushed[window] |= disc
        self.both += after[0] - before[0]
        self.either += after[1] - before[1]


def guided(
    mask: np.ndarray, truth: np.ndarray, uncertainty: np.ndarray, *, radius: int, target: float, max_dabs: int
) -> int:
    """Dabs until the IoU reaches ``target`` (``max_dabs`` if never), each where the most unbrushed
    uncertainty lies under the brush."""
    state = Brushing(mask, truth, radius)
    doubt = uncertainty.astype(np.float32, copy=True)
    side = 2 * radius + 1
    for count in range(max_dabs):
        if state.iou >= target:
            return count
        score = cv2.boxFilter(doubt, -1, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)
        row, col = np.unravel_index(int(np.argmax(score)), score.shape)
        state.dab(int(row), int(col))
        doubt[state.brushed] = 0.0
    return max_dabs


def unguided(
    mask: np.ndarray,
    truth: np.ndarray,
    allowed: np.ndarray,
    *,
    radius: int,
    target: float,
    max_dabs: int,
    rng: np.random.Generator,
) -> int:
    """Dabs until the IoU reaches ``target`` (``max_dabs`` if never), each at a random ``allowed`` pixel."""
    state = Brushing(mask, truth, radius)
    rows, cols = np.nonzero(allowed)
    for count in range(max_dabs):
        if state.iou >= target:
            return count
        pick = int(rng.integers(len(rows)))
        state.dab(int(rows[pick]), int(cols[pick]))
    return max_dabs


def subject_box(mask: np.ndarray, grow: float = 0.1) -> np.ndarray:
    """The automatic mask's bounding box grown by ``grow`` × its size on each side (the whole photo
    when the mask is empty), as a boolean (H, W) array."""
    allowed = np.zeros(mask.shape, bool)
    rows, cols = np.nonzero(mask >= 0.5)
    if not len(rows):
        allowed[:] = True
        return allowed
    height, width = mask.shape
    pad_r, pad_c = round(grow * (np.ptp(rows) + 1)), round(grow * (np.ptp(cols) + 1))
    top, bottom = max(0, rows.min() - pad_r), min(height, rows.max() + pad_r + 1)
    left, right = max(0, cols.min() - pad_c), min(width, cols.max() + pad_c + 1)
    allowed[top:bottom, left:right] = True
    return allowed


def edge_band(mask: np.ndarray, width: int) -> np.ndarray:
    """Pixels within ``width`` of the automatic mask's boundary (the whole photo when it has none)."""
    inside = (mask >= 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    band = cv2.dilate(inside, kernel) != cv2.erode(inside, kernel)
    return band if band.any() else np.ones(mask.shape, bool)


def target_iou(start: float, gain: float = 0.05) -> float:
    """The IoU to reach: ``gain`` above the start, or halfway to 1 when that is nearer."""
    return start + min(gain, (1.0 - start) / 2.0)
