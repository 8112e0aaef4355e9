"""The maths of the hint brushes: label maps, trimap painting, the overlay's colours. No Qt.

GrabCut hints and quick-select scribbles are label maps, uint8 (H, W) at the photo's size: 0 no hint,
1 foreground, 2 background. A dab paints its footprint (the pixels where the brush's weight is at least
a half, so a soft brush marks what it visibly covers) with one label; labels are never blended.
The refine-edge brush paints a trimap the same way: its footprint becomes unknown (0.5), or, when
restoring, takes the segmentation mask's foreground (1) or background (0) back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.model.brush import EMPTY, Brush, Painter, Region, dab_region, dab_weights
from classic.checks import InvalidInputError

NO_HINT, FOREGROUND, BACKGROUND, UNKNOWN = 0, 1, 2, 3  # UNKNOWN: only for showing a trimap's band.
HINT_LAYERS = ("grabcut hints", "quick select hints")
# RGBA, not premultiplied: green foreground, red background, blue unknown band, all translucent.
PALETTE = np.array([[0, 0, 0, 0], [40, 210, 60, 140], [235, 40, 40, 140], [60, 120, 255, 110]], np.uint8)

Window = tuple[slice, slice]
HintListener = Callable[[str, Window | None], None]


def footprint(region: Region, x: float, y: float, brush: Brush) -> np.ndarray:
    """Bool mask over ``region`` of the pixels a dab at ``(x, y)`` marks: weight ≥ 0.5."""
    return dab_weights(region, x, y, brush) >= 0.5


def _painter(fill: Callable[[np.ndarray, Window, np.ndarray], None]) -> Painter:
    def paint(array: np.ndarray, x: float, y: float, brush: Brush) -> Region:
        region = dab_region(array.shape, x, y, brush.size / 2.0)
        if region.empty:
            return EMPTY
        fill(array, region.window, footprint(region, x, y, brush))
        return region

    return paint


def paint_label(label: int) -> Painter:
    """A painter that writes ``label`` into a label map's dab footprints."""

    def fill(labels: np.ndarray, window: Window, where: np.ndarray) -> None:
        labels[window][where] = label

    return _painter(fill)


def _fill_unknown(trimap: np.ndarray, window: Window, where: np.ndarray) -> None:
    trimap[window][where] = 0.5


paint_unknown: Painter = _painter(_fill_unknown)
"""Widen a trimap's unknown band: the dab's footprint becomes 0.5."""


def paint_restore(mask: np.ndarray) -> Painter:
    """A painter giving a trimap's footprint pixels the label of ``mask`` (≥ 0.5: 1, else 0)."""

    def fill(trimap: np.ndarray, window: Window, where: np.ndarray) -> None:
        trimap[window][where] = (mask[window][where] >= 0.5).astype(trimap.dtype)

    return _painter(fill)


def band_labels(trimap: np.ndarray) -> np.ndarray:
    """A label map of a trimap's unknown band (``UNKNOWN`` where 0.5, else ``NO_HINT``), uint8."""
    return np.where(trimap == 0.5, np.uint8(UNKNOWN), np.uint8(NO_HINT))


def labels_rgba(labels: np.ndarray) -> np.ndarray:
    """The overlay's colours for a label map: uint8 (H, W, 4) RGBA, transparent where there is no hint."""
    return np.ascontiguousarray(PALETTE[labels])


def changed_region(old: np.ndarray, new: np.ndarray) -> Region:
    """The bounding box of the pixels where two same-shaped (H, W) arrays differ (``EMPTY`` if none)."""
    if old.shape != new.shape:
        raise InvalidInputError(f"cannot compare arrays of shapes {old.shape} and {new.shape}")
    return nonzero_region(old != new)


def nonzero_region(array: np.ndarray) -> Region:
    """The bounding box of the nonzero pixels of an (H, W) array (``EMPTY`` if none)."""
    rows, cols = np.flatnonzero(array.any(axis=1)), np.flatnonzero(array.any(axis=0))
    if rows.size == 0:
        return EMPTY
    return Region(int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)


class HintLayer:
    """The label maps of the hint tools, by name (``HINT_LAYERS``), with ``LayerStack``'s region API.

    Maps are made on first use at the photo's size; ``reset`` drops them (a new photo). Listeners
    hear ``(name, window)`` after a region changed and ``(name, None)`` after a map was dropped.
    """

    def __init__(self) -> None:
        self._maps: dict[str, np.ndarray] = {}
        self._listeners: list[HintListener] = []

    def connect(self, listener: HintListener) -> None:
        self._listeners.append(listener)

    def get(self, name: str) -> np.ndarray | None:
        return self._maps.get(name)

    def labels(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        """The label map ``name`` of size ``shape``, made empty when missing or of another size."""
        if name not in HINT_LAYERS:
            raise KeyError(f"unknown hint layer {name!r}; hint layers are {', '.join(HINT_LAYERS)}")
        labels = self._maps.get(name)
        if labels is None or labels.shape != shape:
            labels = self._maps[name] = np.zeros(shape, np.uint8)
        return labels

    def seeds(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Bool (H, W) masks of the foreground and of the background hints of ``name``."""
        labels = self._maps[name]
        return labels == FOREGROUND, labels == BACKGROUND

    def set_region(self, name: str, window: Window, patch: np.ndarray) -> None:
        """Write ``patch`` into map ``name`` at ``window`` (rows, cols), in place, as undo and redo do."""
        labels = self._maps[name]
        if labels[window].shape != patch.shape:
            raise InvalidInputError(f"a patch of shape {patch.shape} does not fit the {name} at {window}")
        labels[window] = patch
        self._notify(name, window)

    def reset(self) -> None:
        names = list(self._maps)
        self._maps.clear()
        for name in names:
            self._notify(name, None)

    def _notify(self, name: str, window: Window | None) -> None:
        for listener in list(self._listeners):
            listener(name, window)
