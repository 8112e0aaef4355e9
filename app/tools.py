"""The editing tools' state: whether the brush is active and how it paints. Plain Python, no Qt."""

from __future__ import annotations

from dataclasses import dataclass

from app.brush import Brush, BrushMode

MIN_SIZE, MAX_SIZE = 1.0, 1000.0
SIZE_STEP = 1.25  # [ and ] shrink and grow the brush by this factor.


@dataclass
class BrushTool:
    """The brush the canvas paints masks with; ``active`` False leaves the canvas to pan on drag."""

    active: bool = False
    mode: BrushMode = "add"
    size: float = 30.0
    hardness: float = 0.8
    opacity: float = 1.0

    def activate(self, mode: BrushMode) -> None:
        self.active, self.mode = True, mode

    def swap(self) -> None:
        """Swap adding and subtracting (X); smoothing stays smoothing."""
        if self.mode == "add":
            self.mode = "subtract"
        elif self.mode == "subtract":
            self.mode = "add"

    def grow(self) -> None:
        self.size = min(MAX_SIZE, round(self.size * SIZE_STEP, 1))

    def shrink(self) -> None:
        self.size = max(MIN_SIZE, round(self.size / SIZE_STEP, 1))

    def brush(self) -> Brush:
        return Brush(self.size, self.hardness, self.opacity, self.mode)

    def describe(self) -> str:
        names = {"add": "Brush", "subtract": "Eraser", "smooth": "Smooth"}
        return f"{names[self.mode]} {self.size:g} px"
