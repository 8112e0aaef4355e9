"""Where the subject goes on the background: offset, scale, rotation and flip.

A ``Placement`` maps foreground-photo pixels onto the background: the foreground is flipped
horizontally (if asked), scaled by ``scale``, rotated by ``rotation`` degrees (counter-clockwise, about
its own centre) and its scaled, unrotated top-left corner lands at (``x``, ``y``) on the background.
``place`` warps an image or matte into the background's frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from classic.checks import InvalidInputError
from classic.resize import resize_to

# Beyond these the warp's arithmetic overflows or loses every pixel; the GUI's fields stay far inside.
MAX_SCALE = 1000.0
MAX_OFFSET = 1e6  # px
MAX_ROTATION = 1e5  # degrees
# A frame edge cuts the subject when this share of its pixels or more are the subject's.
CUT_EDGE_SHARE = 0.02


@dataclass(frozen=True)
class Placement:
    """Offset (pixels on the background), scale factor, rotation in degrees and horizontal flip."""

    x: float = 0.0
    y: float = 0.0
    scale: float = 1.0
    rotation: float = 0.0
    flip: bool = False

    def __post_init__(self) -> None:
        values = {"x": self.x, "y": self.y, "scale": self.scale, "rotation": self.rotation}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInputError(f"placement {name} must be a number, got {type(value).__name__}")
        if not (math.isfinite(self.scale) and 0 < self.scale <= MAX_SCALE):
            raise InvalidInputError(f"scale must be a positive number up to {MAX_SCALE:g}, got {self.scale}")
        if not all(math.isfinite(v) for v in (self.x, self.y, self.rotation)):
            raise InvalidInputError("placement offsets and rotation must be finite numbers")
        if max(abs(self.x), abs(self.y)) > MAX_OFFSET or abs(self.rotation) > MAX_ROTATION:
            raise InvalidInputError(
                f"placement offsets must lie within ±{MAX_OFFSET:g} px and the rotation within "
                f"±{MAX_ROTATION:g}°, got x={self.x:g}, y={self.y:g}, rotation={self.rotation:g}"
            )
        if not isinstance(self.flip, bool):
            raise InvalidInputError(f"placement flip must be true or false, got {self.flip!r}")

    @property
    def is_identity(self) -> bool:
        """True when the foreground maps pixel for pixel onto the background."""
        return (self.x, self.y, self.scale, self.rotation % 360.0, self.flip) == (0.0, 0.0, 1.0, 0.0, False)


def default_placement(
    foreground_shape: tuple[int, ...], background_shape: tuple[int, ...], alpha: np.ndarray | None = None
) -> Placement:
    """Same-size photos: the subject stays in place. Otherwise the foreground photo is scaled down to fit
    when it is larger and centred on the background, except along an axis where ``alpha`` (h, w), the
    subject, is cut by one edge of its photo's frame and not the opposite one: there that edge goes onto
    the background's edge. A person cut off at the waist by the bottom of the frame then stands on the
    background's bottom edge instead of floating in mid-air."""
    fh, fw = foreground_shape[:2]
    bh, bw = background_shape[:2]
    if (fh, fw) == (bh, bw):
        return Placement()
    if alpha is not None and alpha.shape[:2] != (fh, fw):
        raise InvalidInputError(f"the alpha {alpha.shape} must have the foreground photo's size ({fh}, {fw})")
    scale = min(1.0, bw / fw, bh / fh)
    top, bottom, left, right = cut_edges(alpha) if alpha is not None else (False,) * 4
    return Placement(
        x=_anchored(bw - fw * scale, start=left, end=right),
        y=_anchored(bh - fh * scale, start=top, end=bottom),
        scale=scale,
    )


def cut_edges(alpha: np.ndarray) -> tuple[bool, bool, bool, bool]:
    """Which edges of the photo's frame (top, bottom, left, right) cut the subject of ``alpha`` (h, w): at
    least ``CUT_EDGE_SHARE`` of the edge's outermost pixels are the subject's (α ≥ 0.5). A strand of hair
    or a shadow grazing the frame does not count."""
    edges = (alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1])  # The rows and columns alone: O(h + w).
    top, bottom, left, right = (bool(np.mean(edge >= 0.5) >= CUT_EDGE_SHARE) for edge in edges)
    return top, bottom, left, right


def _anchored(space: float, *, start: bool, end: bool) -> float:
    """The offset along one axis with ``space`` pixels to spare: against the cut edge, else centred."""
    if start and not end:
        return 0.0
    if end and not start:
        return space
    return space / 2.0


def place(array: np.ndarray, placement: Placement, background_shape: tuple[int, ...]) -> np.ndarray:
    """Warp an image (h, w, C) or matte (h, w) into the background's frame (H, W[, C]); outside is 0."""
    height, width = background_shape[:2]
    if placement.is_identity and array.shape[:2] == (height, width):
        return array
    source, scale = array, placement.scale
    if scale < 1.0:
        # Shrink with area averaging first: a warp alone would alias fine detail such as hair.
        size = (max(1, round(array.shape[1] * scale)), max(1, round(array.shape[0] * scale)))
        source = resize_to(array, size)
        scale = 1.0
    matrix = _affine(source.shape, scale, placement)
    return cv2.warpAffine(
        source, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )


def to_foreground(
    placement: Placement, foreground_shape: tuple[int, ...], x: float, y: float
) -> tuple[float, float]:
    """The foreground pixel (column, row) that ``placement`` puts at (``x``, ``y``) on the background."""
    matrix = _affine(foreground_shape, placement.scale, placement)
    inverse = np.linalg.inv(matrix[:, :2])
    column, row = inverse @ (np.array([x, y]) - matrix[:, 2])
    return float(column), float(row)


def _affine(shape: tuple[int, ...], scale: float, placement: Placement) -> np.ndarray:
    h, w = shape[:2]
    centre = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    flip = np.diag([-1.0 if placement.flip else 1.0, 1.0])
    angle = math.radians(placement.rotation)
    # Image y points down, so a counter-clockwise turn on screen is a negative angle in these axes.
    rotate = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    linear = rotate @ (scale * flip)
    target_centre = np.array([placement.x, placement.y]) + centre * scale
    offset = target_centre - linear @ centre
    return np.hstack([linear, offset[:, None]]).astype(np.float64)
