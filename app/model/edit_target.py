"""Which layer the canvas shows, and so which layer a brush paints: one rule for the canvas and the brush.

In the ``layers`` view the canvas shows the topmost visible layer. The mask views (overlay, on black…)
show the *current mask* over the foreground photo: the matte selected in the layer panel, else the first
present of ``MASK_PREFERENCE``. The compare views show the background's frame, which no mask shares.
A brush paints the layer shown, and only when that is a mask it can paint. No Qt here.
"""

from __future__ import annotations

from collections.abc import Collection

from app.model.layers import MATTE_LAYERS
from app.model.views import LAYERS, MASK_VIEWS

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
