"""How the subject is blended in: the compositing panel's settings and the placement, validated. No Qt.

The document holds one ``CompositingSettings`` (``Document.compositing``); the panel, the toolbar's
method box and the placement panel show it, and the preview, Composite, Export and the command line
compose with it (``app.model.compose.compose``).
"""

from __future__ import annotations

from dataclasses import dataclass

from classic.checks import InvalidInputError
from classic.placement import Placement
from engine.pipeline import COMPOSITING_METHODS

EDGE_SHIFT_LIMIT = 50.0  # px either way
FEATHER_LIMIT = 200.0  # px
SMOOTHING_LIMIT = 50.0  # px (σ)


@dataclass(frozen=True)
class CompositingSettings:
    """Method, edge shift (px, > 0 expands), feather radius (px, feather only; None: automatic),
    smoothing σ (px), decontamination amount (0–1) and placement (None: ``default_placement``)."""

    method: str = "alpha"
    edge_shift: float = 0.0
    feather_radius: float | None = None
    smoothing: float = 0.0
    decontamination: float = 1.0
    placement: Placement | None = None

    def __post_init__(self) -> None:
        if self.method not in COMPOSITING_METHODS:
            raise InvalidInputError(
                f"unknown compositing method {self.method!r}; choose one of {', '.join(COMPOSITING_METHODS)}"
            )
        ranges = {  # The compositing panel's ranges; a damaged project may hold anything.
            "decontamination": (self.decontamination, 0.0, 1.0),
            "edge shift": (self.edge_shift, -EDGE_SHIFT_LIMIT, EDGE_SHIFT_LIMIT),
            "smoothing": (self.smoothing, 0.0, SMOOTHING_LIMIT),
            "feather radius": (
                0.0 if self.feather_radius is None else self.feather_radius,
                0.0,
                FEATHER_LIMIT,
            ),
        }
        for name, (value, low, high) in ranges.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise InvalidInputError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")
        if self.placement is not None and not isinstance(self.placement, Placement):
            raise InvalidInputError(f"placement must be a Placement, got {type(self.placement).__name__}")
