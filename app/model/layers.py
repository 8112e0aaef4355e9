"""The document's layer stack: named numpy images (RGB float32 (H, W, 3) or mattes float32 (H, W)) in a
fixed order, each with a visibility flag, telling listeners before and after every change. The canvas
shows the topmost visible layer. Plain Python: the layer panel's Qt model is ``app.gui.layer_list``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from classic.checks import InvalidInputError

# Glossary names, topmost first: results sit above the photos they came from.
LAYER_ORDER = (
    "composite",
    "alpha",
    "trimap",
    "refined mask",
    "segmentation mask",
    "foreground",
    "clean plate",  # A shot of the foreground's scene without the subject (clean-plate matting).
    "background",
)
MATTE_LAYERS = frozenset({"alpha", "trimap", "refined mask", "segmentation mask"})

EventKind = Literal["inserting", "inserted", "removing", "removed", "changed"]


@dataclass
class Layer:
    name: str
    image: np.ndarray
    visible: bool = True


@dataclass(frozen=True)
class LayerEvent:
    """``region`` (rows, cols) is set when only that part of the layer's image changed, in place;
    ``drawn`` when the canvas already shows that change (a brush stroke's dabs drew themselves)."""

    kind: EventKind
    name: str
    row: int
    region: tuple[slice, slice] | None = None
    drawn: bool = False


LayerListener = Callable[[LayerEvent], None]


def _check_layer_image(name: str, image: np.ndarray) -> None:
    # Shape and dtype only: a full range scan of every result would cost more than it catches here.
    want_ndim = 2 if name in MATTE_LAYERS else 3
    if image.dtype != np.float32 or image.ndim != want_ndim or (want_ndim == 3 and image.shape[2] != 3):
        kind = "a float32 (H, W) matte" if want_ndim == 2 else "a float32 (H, W, 3) RGB image"
        raise InvalidInputError(
            f"the {name} layer needs {kind}, got shape {image.shape} and dtype {image.dtype}"
        )


class LayerStack:
    """Named layers in ``LAYER_ORDER``; only layers that hold an image are present."""

    def __init__(self) -> None:
        self._layers: dict[str, Layer] = {}
        self._listeners: list[LayerListener] = []

    def connect(self, listener: LayerListener) -> None:
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self._layers)

    def __contains__(self, name: object) -> bool:
        return name in self._layers

    def names(self) -> list[str]:
        """Names of the present layers, topmost first (the row order of the layer panel)."""
        return [name for name in LAYER_ORDER if name in self._layers]

    def row_of(self, name: str) -> int:
        return self.names().index(name)

    def layer_at(self, row: int) -> Layer:
        return self._layers[self.names()[row]]

    def layer(self, name: str) -> Layer | None:
        return self._layers.get(name)

    def get(self, name: str) -> np.ndarray | None:
        """The image of layer ``name``, or None when the stack has no such layer."""
        layer = self._layers.get(name)
        return None if layer is None else layer.image

    def top_visible(self) -> Layer | None:
        return next((self._layers[n] for n in self.names() if self._layers[n].visible), None)

    def set_image(self, name: str, image: np.ndarray) -> None:
        """Add layer ``name`` (visible) or replace its image, keeping its visibility."""
        if name not in LAYER_ORDER:
            raise KeyError(f"unknown layer {name!r}; layers are {', '.join(LAYER_ORDER)}")
        _check_layer_image(name, image)
        if name in self._layers:
            self._layers[name].image = image
            self._notify("changed", name)
            return
        row = sum(1 for n in self.names() if LAYER_ORDER.index(n) < LAYER_ORDER.index(name))
        self._notify("inserting", name, row)
        self._layers[name] = Layer(name, image)
        self._notify("inserted", name, row)

    def set_region(self, name: str, region: tuple[slice, slice], patch: np.ndarray) -> None:
        """Write ``patch`` into layer ``name``'s image at ``region`` (rows, cols), in place."""
        image = self._layers[name].image
        if image[region].shape != patch.shape:
            raise InvalidInputError(
                f"a patch of shape {patch.shape} does not fit the {name} layer at {region}"
            )
        image[region] = patch
        self._notify("changed", name, region=region)

    def changed_in_place(self, name: str, region: tuple[slice, slice], *, drawn: bool = False) -> None:
        """Tell listeners that ``region`` (rows, cols) of layer ``name``'s image was changed in place by
        its owner (a brush stroke), without copying anything; ``drawn``: the canvas already shows it."""
        if name not in self._layers:
            raise KeyError(f"no {name} layer to have changed")
        self._notify("changed", name, region=region, drawn=drawn)

    def remove(self, *names: str) -> None:
        """Remove the named layers that are present; absent names are ignored."""
        for name in names:
            if name in self._layers:
                row = self.row_of(name)
                self._notify("removing", name, row)
                del self._layers[name]
                self._notify("removed", name, row)

    def set_visible(self, name: str, visible: bool) -> None:
        layer = self._layers[name]
        if layer.visible != visible:
            layer.visible = visible
            self._notify("changed", name)

    def _notify(
        self,
        kind: EventKind,
        name: str,
        row: int | None = None,
        *,
        region: tuple[slice, slice] | None = None,
        drawn: bool = False,
    ) -> None:
        event = LayerEvent(kind, name, self.row_of(name) if row is None else row, region, drawn)
        for listener in list(self._listeners):
            listener(event)
