"""One undo step that changes several arrays at once: a hint stroke and the mask GrabCut made from it,
or a refine-edge stroke on the trimap and the alpha re-solved under it.

Each change keeps only the tiles of its bounding box that differ (``commands.changed_tiles``). Unlike
``StrokeCommand`` the first ``redo`` applies every change: a stroke painted live is written again with
the same values (harmless), and a job's result, which nobody has applied yet, is applied by the push.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PySide6.QtGui import QUndoCommand

from app.gui.commands import TilePatch, changed_tiles
from app.model.brush import EMPTY, Region


class RegionStore(Protocol):
    """What a change is written through: ``LayerStack`` and ``HintLayer`` both have this API."""

    def get(self, name: str) -> np.ndarray | None: ...

    def set_region(self, name: str, region: tuple[slice, slice], patch: np.ndarray) -> None: ...


@dataclass(frozen=True)
class Change:
    """Array ``name`` of ``store`` over ``bbox``: the patches before and after."""

    store: RegionStore
    name: str
    bbox: Region
    old: np.ndarray
    new: np.ndarray


class _Tiles:
    def __init__(self, change: Change) -> None:
        self.store, self.name = change.store, change.name
        self.tiles: list[TilePatch] = changed_tiles(change.bbox, change.old, change.new)
        self.bounds = EMPTY
        for tile in self.tiles:
            self.bounds = self.bounds.union(tile.region)

    def restore(self, *, new: bool) -> None:
        image = self.store.get(self.name)
        if image is None or self.bounds.empty:
            return
        area = self.bounds
        patch = image[area.window].copy()
        for tile in self.tiles:
            rows = slice(tile.region.top - area.top, tile.region.bottom - area.top)
            cols = slice(tile.region.left - area.left, tile.region.right - area.left)
            patch[rows, cols] = tile.new if new else tile.old
        # One event per array: the canvas and the layer panel redraw once per undo step.
        self.store.set_region(self.name, area.window, patch)


class PatchCommand(QUndoCommand):
    """Several changes as one undo step; undo restores them in reverse order."""

    def __init__(self, text: str, changes: Sequence[Change]) -> None:
        super().__init__(text)
        self._parts = [part for part in map(_Tiles, changes) if part.tiles]

    @property
    def names(self) -> list[str]:
        """The arrays this step changes, in order."""
        return [part.name for part in self._parts]

    def region(self, name: str) -> Region:
        """The bounds of what this step changes in array ``name`` (``EMPTY`` when it does not)."""
        return next((part.bounds for part in self._parts if part.name == name), EMPTY)

    @property
    def nbytes(self) -> int:
        return sum(tile.old.nbytes + tile.new.nbytes for part in self._parts for tile in part.tiles)

    def undo(self) -> None:
        for part in reversed(self._parts):
            part.restore(new=False)

    def redo(self) -> None:
        for part in self._parts:
            part.restore(new=True)
