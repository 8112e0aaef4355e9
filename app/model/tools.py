"""The editing tools' state: which brush is active and how it paints. Plain Python, no Qt.

Four kinds of brush share one size, hardness and opacity:

- ``mask``: add to, subtract from or smooth the shown mask layer (B, E, Shift+B);
- ``refine edge``: paint the trimap's unknown band, which matting then re-solves (R); its subtract mode
  gives painted pixels back to the segmentation mask's foreground or background;
- ``grabcut``: foreground / background hints that re-run GrabCut (G);
- ``quick select``: foreground / background scribbles for Lazy Snapping (W, as Photoshop's Quick
  Selection).

Two selection tools draw a shape instead of dabs: ``box`` (U) cuts the subject out anew from the drawn
rectangle (GrabCut, as the command line's ``--rect``); ``lasso`` (L) fills the drawn outline into the
shown mask (replacing it; Shift adds, Alt subtracts).

X swaps add and subtract, or foreground and background hints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.model.brush import Brush, BrushMode

MIN_SIZE, MAX_SIZE = 1.0, 2000.0  # As the ``brush/size`` setting accepts.
SIZE_STEP = 1.25  # [ and ] shrink and grow the brush by this factor.

ToolKind = Literal["mask", "refine edge", "grabcut", "quick select", "box", "lasso"]
SELECTION_KINDS: tuple[ToolKind, ...] = ("box", "lasso")  # Tools that draw a shape, not dabs.
HintLabel = Literal["foreground", "background"]
HINT_KINDS: tuple[ToolKind, ...] = ("grabcut", "quick select")  # Tools that paint fg / bg labels.
_NAMES = {"add": "Brush", "subtract": "Eraser", "smooth": "Smooth"}


@dataclass
class BrushTool:
    """The brush the canvas paints with; ``active`` False leaves the canvas to pan on drag."""

    active: bool = False
    kind: ToolKind = "mask"
    mode: BrushMode = "add"
    hint: HintLabel = "foreground"
    size: float = 30.0
    hardness: float = 0.8
    opacity: float = 1.0

    def activate(self, mode: BrushMode) -> None:
        """The mask brush in ``mode``."""
        self.active, self.kind, self.mode = True, "mask", mode

    def activate_kind(self, kind: ToolKind) -> None:
        """Switch to ``kind``; the refine-edge brush starts by adding to the unknown band."""
        if kind == "mask":
            self.activate(self.mode)
            return
        if kind == "refine edge" and (self.kind != kind or self.mode == "smooth"):
            self.mode = "add"
        self.active, self.kind = True, kind

    def swap(self) -> None:
        """Swap adding and subtracting, or foreground and background hints (X); smoothing stays."""
        if self.kind in HINT_KINDS:
            self.hint = "background" if self.hint == "foreground" else "foreground"
        elif self.mode == "add":
            self.mode = "subtract"
        elif self.mode == "subtract":
            self.mode = "add"

    def grow(self) -> None:
        self.size = min(MAX_SIZE, round(self.size * SIZE_STEP, 1))

    def shrink(self) -> None:
        self.size = max(MIN_SIZE, round(self.size / SIZE_STEP, 1))

    def set_defaults(self, *, size: float, hardness: float, opacity: float) -> None:
        """Take the preferences' brush size, hardness and opacity (clipped to their ranges)."""
        self.size = min(MAX_SIZE, max(MIN_SIZE, float(size)))
        self.hardness = min(1.0, max(0.0, float(hardness)))
        self.opacity = min(1.0, max(0.0, float(opacity)))

    def brush(self) -> Brush:
        return Brush(self.size, self.hardness, self.opacity, self.mode)

    def describe(self) -> str:
        size = f"{self.size:g} px"
        if self.kind == "mask":
            return f"{_NAMES[self.mode]} {size}"
        if self.kind == "refine edge":
            action = "restore" if self.mode == "subtract" else "widen"
            return f"Refine edge ({action}) {size}"
        if self.kind == "box":
            return "Box: drag a rectangle around the subject to cut it out from it"
        if self.kind == "lasso":
            return "Lasso: drag around an area of the mask (it replaces the mask; Shift adds, Alt subtracts)"
        name = "GrabCut" if self.kind == "grabcut" else "Quick select"
        return f"{name} {self.hint} {size}"
