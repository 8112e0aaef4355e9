"""Solving a per-pixel problem only where it is needed, one overlapping tile at a time.

Matting and foreground estimation only change pixels of an uncertain region (the trimap's unknown band,
or 0 < α < 1). ``solve_in_tiles`` crops the bounding box of that region (plus a context margin) when it
is small enough to solve at once; otherwise it walks a grid of tiles that contain uncertain pixels,
solves each tile with its margin of context, and blends overlapping results with tent weights so no seam
shows. Memory is bounded by the tile size, not the photo size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from classic.progress import CancelCallback, ProgressCallback, raise_if_cancelled

TileSolver = Callable[[tuple[slice, slice]], np.ndarray]


@dataclass(frozen=True)
class TileGrid:
    """Tile layout: ``tile`` is the side of a tile's core, ``margin`` the context added on each side."""

    tile: int = 768
    margin: int = 48
    max_direct_pixels: int = 1_500_000


def solve_in_tiles(
    region: np.ndarray,
    solve: TileSolver,
    result: np.ndarray,
    *,
    grid: TileGrid,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """Fill ``result`` where ``region`` (H, W) is True with ``solve(window)`` over overlapping windows.

    ``solve`` receives a window ``(rows, cols)`` and returns the values for that window (shape
    ``result[window].shape``). Pixels outside ``region`` keep their value in ``result``.
    """
    box = bounding_box(region, grid.margin)
    if box is None:
        return result
    rows, cols = box
    if (rows.stop - rows.start) * (cols.stop - cols.start) <= grid.max_direct_pixels:
        progress(0.0, "Solving")
        solved = solve(box)
        result[box][region[box]] = solved[region[box]]
        progress(1.0, "Solving")
        return result
    return _blend_tiles(region, solve, result, grid, progress, is_cancelled)


def bounding_box(region: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    """The slices of ``region``'s True pixels grown by ``margin`` (clipped), or None when it is empty."""
    rows = np.flatnonzero(region.any(axis=1))
    cols = np.flatnonzero(region.any(axis=0))
    if rows.size == 0:
        return None
    height, width = region.shape
    return (
        slice(max(0, rows[0] - margin), min(height, rows[-1] + margin + 1)),
        slice(max(0, cols[0] - margin), min(width, cols[-1] + margin + 1)),
    )


def _blend_tiles(
    region: np.ndarray,
    solve: TileSolver,
    result: np.ndarray,
    grid: TileGrid,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    height, width = region.shape
    extra = result.shape[2:]
    total = np.zeros(region.shape + extra, np.float32)
    weights = np.zeros(region.shape, np.float32)
    windows = [w for w in _tile_windows(height, width, grid) if region[w].any()]
    for index, window in enumerate(windows):
        raise_if_cancelled(is_cancelled)
        tent = _tent(window)
        weights[window] += tent
        total[window] += solve(window) * (tent.reshape(tent.shape + (1,) * len(extra)))
        progress((index + 1) / len(windows), f"Solving tile {index + 1} of {len(windows)}")
    covered = region & (weights > 0)
    divisor = weights[covered].reshape((-1,) + (1,) * len(extra))
    result[covered] = total[covered] / divisor
    return result


def _tile_windows(height: int, width: int, grid: TileGrid) -> list[tuple[slice, slice]]:
    windows = []
    for top in range(0, height, grid.tile):
        for left in range(0, width, grid.tile):
            rows = slice(max(0, top - grid.margin), min(height, top + grid.tile + grid.margin))
            cols = slice(max(0, left - grid.margin), min(width, left + grid.tile + grid.margin))
            windows.append((rows, cols))
    return windows


def _tent(window: tuple[slice, slice]) -> np.ndarray:
    # Weights that fall linearly towards the window's edges (never to zero) so that, where tiles
    # overlap, each pixel is dominated by the tile in which it sits farthest from the edge.
    rows, cols = window
    ys = _ramp(rows.stop - rows.start)
    xs = _ramp(cols.stop - cols.start)
    return np.minimum(ys[:, None], xs[None, :])


def _ramp(length: int) -> np.ndarray:
    positions = np.arange(length, dtype=np.float32)
    return np.minimum(positions + 1.0, length - positions).astype(np.float32)
