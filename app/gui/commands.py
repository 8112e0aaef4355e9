"""Undo commands, one short class per user action, pushed onto the window's ``QUndoStack``.

Commands change the document only through ``LayerStack``'s API, so every change reaches the canvas and
the layer panel as a layer event.

A stroke is handed over as its bounding box with the patches before and after it, but the command keeps
only the ``TILE`` × ``TILE`` tiles of that box where the two differ: a diagonal stroke across a 24 MP
mask has a bounding box of the whole mask (two 96 MB float32 patches) yet changes only the tiles along
its path. Tiles are kept at full precision (float32 alpha does not survive float16), so undo and redo
restore the layer bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QUndoCommand

from app.model.brush import EMPTY, Region, Stroke, bits
from app.model.layers import LayerStack
from classic.checks import InvalidInputError

UNDO_LIMIT = 50  # Steps kept; a stroke holds only the tiles it changed, so memory stays bounded.
TILE = 128  # Side of the tiles an undo step keeps; small enough to follow a stroke's path closely.


@dataclass(frozen=True)
class TilePatch:
    """One tile of a layer (``region``, in layer coordinates) before and after a change."""

    region: Region
    old: np.ndarray
    new: np.ndarray


def changed_tiles(bbox: Region, old: np.ndarray, new: np.ndarray, *, tile: int = TILE) -> list[TilePatch]:
    """The ``tile``-sized pieces of ``bbox`` (tiles start at its top-left corner) where ``old`` and ``new``
    differ, as copies; ``old`` and ``new`` are the patches over ``bbox``, same shape and dtype.

    Values are compared bit for bit, so a kept tile restores exactly what was there (-0.0 and NaN too).
    """
    size = (bbox.bottom - bbox.top, bbox.right - bbox.left)
    if old.shape[:2] != size or new.shape != old.shape or new.dtype != old.dtype:
        raise InvalidInputError(
            f"undo patches must both fit the box {size}: "
            f"got {old.shape} {old.dtype} and {new.shape} {new.dtype}"
        )
    old_bits, new_bits = bits(old), bits(new)
    col_starts = np.arange(0, size[1], tile)
    tiles = []
    # One strip of tile rows at a time: cache-sized temporaries, no bool copy of the whole box.
    for top in range(0, size[0] if col_starts.size else 0, tile):
        rows = slice(top, min(top + tile, size[0]))
        differs = old_bits[rows] != new_bits[rows]
        columns = differs.reshape(differs.shape[0], differs.shape[1], -1).any(axis=(0, 2))
        for j in np.flatnonzero(np.logical_or.reduceat(columns, col_starts)):
            left = int(col_starts[j])
            local = Region(top, left, rows.stop, min(left + tile, size[1]))
            y, x = bbox.top, bbox.left
            region = Region(y + local.top, x + local.left, y + local.bottom, x + local.right)
            tiles.append(TilePatch(region, old[local.window].copy(), new[local.window].copy()))
    return tiles


def _bounds(tiles: list[TilePatch]) -> Region:
    bounds = EMPTY
    for tile in tiles:
        bounds = bounds.union(tile.region)
    return bounds


class StrokeCommand(QUndoCommand):
    """A brush stroke on a mask layer: its bounding box, and the tiles of it the stroke changed.

    ``old_patch`` and ``new_patch`` are the patches over ``bbox`` before and after the stroke; only the
    tiles where they differ are kept (see ``changed_tiles``). The stroke was painted live, so the first
    ``redo`` (which ``QUndoStack.push`` calls) does nothing.
    """

    def __init__(
        self,
        layers: LayerStack,
        layer_name: str,
        bbox: Region,
        old_patch: np.ndarray | None = None,
        new_patch: np.ndarray | None = None,
        *,
        text: str | None = None,
        tiles: list[TilePatch] | None = None,
    ) -> None:
        """From the patches over ``bbox``, or from the changed ``tiles`` themselves."""
        super().__init__(text or f"Paint {layer_name}")  # The user's action: "Brush", "Erase", "Smooth".
        self.layers, self.layer_name, self.bbox = layers, layer_name, bbox
        if tiles is None:
            if old_patch is None or new_patch is None:
                raise InvalidInputError("a stroke's undo step needs its patches or its tiles")
            tiles = changed_tiles(bbox, old_patch, new_patch)
        self.tiles = tiles
        self._painted = True

    @classmethod
    def of_stroke(cls, layers: LayerStack, layer_name: str, stroke: Stroke, *, text: str) -> StrokeCommand:
        """The step of a ``stroke`` just painted on layer ``layer_name``, from the tiles it changed."""
        tiles = [TilePatch(region, old, new) for region, old, new in stroke.changed_tiles()]
        return cls(layers, layer_name, stroke.region, text=text, tiles=tiles)

    @property
    def nbytes(self) -> int:
        """Bytes of pixel data the command holds (its old and new tiles)."""
        return sum(tile.old.nbytes + tile.new.nbytes for tile in self.tiles)

    @property
    def old_patch(self) -> np.ndarray:
        """The layer over ``bbox`` before the command (a new array; for inspection, not kept)."""
        return self._patch(new=False)

    @property
    def new_patch(self) -> np.ndarray:
        """The layer over ``bbox`` after the command (a new array; for inspection, not kept)."""
        return self._patch(new=True)

    def undo(self) -> None:
        self._restore(new=False)

    def redo(self) -> None:
        if self._painted:
            self._painted = False
            return
        self._restore(new=True)

    def _restore(self, *, new: bool) -> None:
        bounds = _bounds(self.tiles)
        if bounds.empty:
            return
        # One layer event for all tiles: the canvas and the layer panel redraw once per undo step.
        self.layers.set_region(self.layer_name, bounds.window, self._paste_tiles(bounds, new=new))

    def _patch(self, *, new: bool) -> np.ndarray:
        # Tiles the command does not keep are the same before and after it: read them from the layer.
        return self._paste_tiles(self.bbox, new=new)

    def _paste_tiles(self, area: Region, *, new: bool) -> np.ndarray:
        image = self.layers.get(self.layer_name)
        if image is None:
            raise KeyError(f"the {self.layer_name} layer this step changed is gone")
        patch = image[area.window].copy()
        for tile in self.tiles:
            region = tile.region
            rows = slice(region.top - area.top, region.bottom - area.top)
            cols = slice(region.left - area.left, region.right - area.left)
            patch[rows, cols] = tile.new if new else tile.old
        return patch


class ResolveCommand(StrokeCommand):
    """The alpha re-solved around a stroke on the segmentation mask, pasted when the job finished."""

    def __init__(
        self, layers: LayerStack, layer_name: str, bbox: Region, old_patch: np.ndarray, new_patch: np.ndarray
    ) -> None:
        super().__init__(layers, layer_name, bbox, old_patch, new_patch)
        self.setText("Re-solve alpha")
