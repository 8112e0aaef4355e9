"""Mask-editing maths for the brush: round dabs, strokes and the patches an undo step needs. No Qt.

A mask is float32 (H, W) in [0, 1]. A dab touches only its bounding box, so its cost depends on the
brush size, never on the mask's: a dab on a 24 MP mask costs what it costs on a small one. Coordinates
are ``(x, y)`` = (column, row); pixel ``(r, c)`` lies at distance ``hypot(c - x, r - y)`` from a dab at
``(x, y)``, and a hard dab of diameter ``size`` covers exactly the pixels within ``size / 2`` of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from classic.checks import InvalidInputError

BrushMode = Literal["add", "subtract", "smooth"]
BRUSH_MODES: tuple[BrushMode, ...] = ("add", "subtract", "smooth")
SPACING = 0.25  # Distance between successive dabs of a stroke, as a fraction of the brush size.
_TILE = 64  # Side of the tiles a stroke saves before first touching them (for its undo patch).

Window = tuple[slice, slice]


@dataclass(frozen=True)
class Region:
    """A rectangle of pixels: rows ``top`` … ``bottom - 1``, columns ``left`` … ``right - 1``."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def empty(self) -> bool:
        return self.bottom <= self.top or self.right <= self.left

    @property
    def window(self) -> Window:
        """``(rows, cols)`` slices, to index a mask with."""
        return slice(self.top, self.bottom), slice(self.left, self.right)

    def union(self, other: Region) -> Region:
        if self.empty:
            return other
        if other.empty:
            return self
        return Region(
            min(self.top, other.top),
            min(self.left, other.left),
            max(self.bottom, other.bottom),
            max(self.right, other.right),
        )

    def intersection(self, other: Region) -> Region:
        return Region(
            max(self.top, other.top),
            max(self.left, other.left),
            min(self.bottom, other.bottom),
            min(self.right, other.right),
        )


EMPTY = Region(0, 0, 0, 0)


@dataclass(frozen=True)
class Brush:
    """A round brush: ``size`` is the diameter in pixels; ``hardness`` and ``opacity`` lie in [0, 1].

    ``hardness`` 1 gives a hard edge; lower values let the dab's weight fall off smoothly from radius
    ``hardness * size / 2`` to zero at ``size / 2``.
    """

    size: float = 20.0
    hardness: float = 1.0
    opacity: float = 1.0
    mode: BrushMode = "add"

    def __post_init__(self) -> None:
        if not self.size > 0:
            raise InvalidInputError(f"brush size must be > 0 pixels, got {self.size}")
        for name in ("hardness", "opacity"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidInputError(f"brush {name} must lie in [0, 1], got {value}")
        if self.mode not in BRUSH_MODES:
            raise InvalidInputError(
                f"unknown brush mode {self.mode!r}; choose one of {', '.join(BRUSH_MODES)}"
            )

    def with_pressure(self, pressure: float | None) -> Brush:
        """This brush under tablet ``pressure`` in (0, 1]: size and opacity scale with it."""
        if pressure is None:
            return self
        pressure = min(max(pressure, 0.05), 1.0)
        return Brush(max(1.0, self.size * pressure), self.hardness, self.opacity * pressure, self.mode)


def dab_region(shape: tuple[int, ...], x: float, y: float, radius: float) -> Region:
    """The pixels a dab of ``radius`` at ``(x, y)`` can touch, clipped to a mask of ``shape``."""
    height, width = shape[:2]
    return Region(
        max(0, math.ceil(y - radius)),
        max(0, math.ceil(x - radius)),
        min(height, math.floor(y + radius) + 1),
        min(width, math.floor(x + radius) + 1),
    )


def dab_weights(region: Region, x: float, y: float, brush: Brush) -> np.ndarray:
    """The dab's weight in [0, 1] over ``region``, float32, before opacity."""
    radius = brush.size / 2.0
    rows = np.arange(region.top, region.bottom, dtype=np.float32)[:, None] - np.float32(y)
    cols = np.arange(region.left, region.right, dtype=np.float32)[None, :] - np.float32(x)
    distance = np.sqrt(rows * rows + cols * cols)
    inner = brush.hardness * radius
    if inner >= radius:
        return (distance <= radius).astype(np.float32)
    # Linear fall-off from the hard core to the rim, eased by smoothstep so the edge has no crease.
    t = np.clip((radius - distance) / np.float32(radius - inner), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def apply_dab(mask: np.ndarray, x: float, y: float, brush: Brush) -> Region:
    """Paint one dab on ``mask`` in place; returns the region it touched (empty when off the mask)."""
    if mask.dtype != np.float32 or mask.ndim != 2:
        raise InvalidInputError(f"the brush paints float32 (H, W) masks, got {mask.dtype} {mask.shape}")
    region = dab_region(mask.shape, x, y, brush.size / 2.0)
    if region.empty:
        return EMPTY
    window = region.window
    weight = dab_weights(region, x, y, brush) * np.float32(brush.opacity)
    patch = mask[window]
    if brush.mode == "add":
        patch += (1.0 - patch) * weight
    elif brush.mode == "subtract":
        patch *= 1.0 - weight
    else:
        patch += (_blurred(mask, region, brush.size) - patch) * weight
    np.clip(patch, 0.0, 1.0, out=patch)
    return region


def _blurred(mask: np.ndarray, region: Region, size: float) -> np.ndarray:
    # Blur a window padded by the kernel's reach, so pixels at the dab's rim see their true neighbours.
    sigma = max(0.5, size / 8.0)
    pad = math.ceil(3 * sigma)
    height, width = mask.shape
    outer = Region(
        max(0, region.top - pad),
        max(0, region.left - pad),
        min(height, region.bottom + pad),
        min(width, region.right + pad),
    )
    blurred = cv2.GaussianBlur(mask[outer.window], (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    top, left = region.top - outer.top, region.left - outer.left
    return blurred[top : top + region.bottom - region.top, left : left + region.right - region.left]


Painter = Callable[[np.ndarray, float, float, Brush], Region]
"""Paints one dab on an array in place, ``(array, x, y, brush) -> touched region``, as ``apply_dab``."""


class Stroke:
    """Dabs along the pointer's path on one mask, spaced ``SPACING * size`` apart.

    It saves each 64 px tile of the mask before its first dab touches it, so ``finish`` can hand back
    the stroke's bounding box with the old and new patches without copying the whole mask. ``paint``
    lays each dab; other painters (trimap bands, hint labels) paint arrays of other kinds and dtypes.
    """

    def __init__(self, mask: np.ndarray, brush: Brush, paint: Painter = apply_dab) -> None:
        self.mask = mask
        self.brush = brush
        self._paint = paint
        self.region = EMPTY
        self._saved: dict[tuple[int, int], np.ndarray] = {}
        self._last: tuple[float, float] | None = None
        self._travelled = 0.0  # Distance moved since the last dab.

    def move_to(self, x: float, y: float, pressure: float | None = None) -> Region:
        """Dab at the first point, then every ``spacing`` pixels along the path; returns the dirty region."""
        brush = self.brush.with_pressure(pressure)
        if self._last is None:
            self._last = (x, y)
            return self._dab(x, y, brush)
        spacing = max(1.0, SPACING * brush.size)
        (x0, y0), dirty = self._last, EMPTY
        length = math.hypot(x - x0, y - y0)
        step = spacing - self._travelled
        while step <= length:
            t = step / length
            dirty = dirty.union(self._dab(x0 + t * (x - x0), y0 + t * (y - y0), brush))
            step += spacing
        self._travelled = length - (step - spacing)
        self._last = (x, y)
        return dirty

    def finish(self, *, copy: bool = True) -> tuple[Region, np.ndarray, np.ndarray]:
        """The stroke's bounding box and the mask's patches there before and after it.

        With ``copy`` False the after patch is a read-only view of the mask, not a copy: it saves copying
        a box that can be the whole mask, for a caller that keeps only parts of it at once (as
        ``StrokeCommand`` does), and it follows the mask's later changes.
        """
        window = self.region.window
        current = self.mask[window]
        old = current.copy()
        for (row, col), tile in self._saved.items():
            part = Region(row, col, row + tile.shape[0], col + tile.shape[1]).intersection(self.region)
            if not part.empty:
                old[_shifted(part, self.region).window] = tile[_shifted(part, Region(row, col, 0, 0)).window]
        new = current.copy() if copy else current.view()
        new.flags.writeable = copy
        return self.region, old, new

    def changed_tiles(self) -> list[tuple[Region, np.ndarray, np.ndarray]]:
        """The tiles the stroke changed, each with its saved old pixels and a copy of the new ones: an
        undo step without going over the stroke's whole bounding box (a diagonal stroke across a 24 MP
        mask has the whole mask as its box; comparing that took 0.2 s on the GUI thread)."""
        changed = []
        height, width = self.mask.shape[:2]
        for (row, col), saved in self._saved.items():
            tile = Region(row, col, min(row + _TILE, height), min(col + _TILE, width))
            region = tile.intersection(self.region)  # Within the stroke's bounding box.
            if region.empty:
                continue
            old, new = saved[_shifted(region, tile).window], self.mask[region.window]
            if not np.array_equal(bits(old), bits(new)):
                changed.append((region, old.copy(), new.copy()))
        return changed

    def _dab(self, x: float, y: float, brush: Brush) -> Region:
        region = dab_region(self.mask.shape, x, y, brush.size / 2.0)
        if region.empty:
            return EMPTY
        self._save_tiles(region)
        touched = self._paint(self.mask, x, y, brush)
        self.region = self.region.union(touched)
        return touched

    def _save_tiles(self, region: Region) -> None:
        for row in range(region.top // _TILE * _TILE, region.bottom, _TILE):
            for col in range(region.left // _TILE * _TILE, region.right, _TILE):
                if (row, col) not in self._saved:
                    self._saved[row, col] = self.mask[row : row + _TILE, col : col + _TILE].copy()


def bits(array: np.ndarray) -> np.ndarray:
    """``array`` as unsigned integers of the same width, so equal means identical bits (-0.0, NaN)."""
    if array.dtype.hasobject or array.dtype.itemsize not in (1, 2, 4, 8):
        return array
    return array.view(np.dtype(f"u{array.dtype.itemsize}"))


def _shifted(region: Region, origin: Region) -> Region:
    """``region`` in coordinates relative to ``origin``'s top-left corner."""
    return Region(
        region.top - origin.top,
        region.left - origin.left,
        region.bottom - origin.top,
        region.right - origin.left,
    )


def paste(mask: np.ndarray, region: Region, patch: np.ndarray) -> None:
    """Write ``patch`` into ``mask`` at ``region`` (in place): how undo and redo restore a stroke."""
    if patch.shape != (region.bottom - region.top, region.right - region.left):
        raise InvalidInputError(f"a patch of shape {patch.shape} does not fit region {region}")
    mask[region.window] = patch
