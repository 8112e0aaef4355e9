"""Which layer the canvas shows, and so which layer a brush paints: one rule for the canvas and the brush.

In the ``layers`` view the canvas shows the topmost visible layer. The mask views (overlay, on black…)
show the *current mask* over the foreground photo: the matte selected in the layer panel, else the first
present of ``MASK_PREFERENCE``. A brush paints the layer shown, and only when that is a mask it can
paint. Where the canvas shows the composite (the ``after`` view, or the composite layer on top), a brush
paints the current mask through the placement (``CompositeToMask``): what it covers on the composite.
The ``before`` and ``split`` views show the background's frame, which no mask shares. No Qt here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from app.model.layers import MATTE_LAYERS
from app.model.views import LAYERS, MASK_VIEWS
from classic.placement import Placement, to_foreground

PAINTABLE_LAYERS = frozenset({"segmentation mask", "refined mask", "alpha"})
MASK_PREFERENCE = ("alpha", "refined mask", "segmentation mask", "trimap")


def current_mask(present: Collection[str], selected: str | None) -> str | None:
    """The mask the mask views show: the ``selected`` matte, else the first present by preference."""
    if selected in MATTE_LAYERS and selected in present:
        return selected
    return next((name for name in MASK_PREFERENCE if name in present), None)


def shown_layer(
    mode: str, present: Collection[str], top_visible: str | None, selected: str | None
) -> str | None:
    """The layer whose pixels the canvas shows one to one in view ``mode`` (None: no layer's pixels)."""
    if mode == LAYERS:
        return top_visible
    if mode in MASK_VIEWS:
        return current_mask(present, selected)
    return None


def paint_target(
    mode: str, present: Collection[str], top_visible: str | None, selected: str | None
) -> str | None:
    """The layer a mask brush paints in view ``mode``: the layer shown when it is a paintable mask."""
    shown = shown_layer(mode, present, top_visible, selected)
    return shown if shown in PAINTABLE_LAYERS else None


def shows_composite(mode: str, top_visible: str | None) -> bool:
    """Whether the canvas shows the composite (or its preview) in view ``mode``."""
    return mode == "after" or (mode == LAYERS and top_visible == "composite")


def composite_paint_target(present: Collection[str], selected: str | None) -> str | None:
    """The mask a brush paints where the canvas shows the composite: the current mask when paintable."""
    return current_mask([name for name in present if name in PAINTABLE_LAYERS], selected)


@dataclass(frozen=True)
class CompositeToMask:
    """From a pixel of the composite shown on the canvas to the foreground's mask: the canvas image has
    ``ratio`` background pixels per pixel (the preview is scaled down), the foreground sits on the
    background by ``placement``. Pixel positions are (column, row) of pixel centres."""

    placement: Placement
    foreground_shape: tuple[int, int]
    ratio: float = 1.0

    def point(self, x: float, y: float) -> tuple[float, float]:
        # Pixel centres: canvas pixel c covers background [c·ratio, (c + 1)·ratio).
        return to_foreground(
            self.placement, self.foreground_shape, (x + 0.5) * self.ratio - 0.5, (y + 0.5) * self.ratio - 0.5
        )

    @property
    def scale(self) -> float:
        """Mask pixels per canvas pixel: a brush keeps the size it has on screen."""
        return self.ratio / self.placement.scale
