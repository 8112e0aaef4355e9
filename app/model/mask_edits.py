"""The Edit ▸ Mask commands as data: what each is called, whether it asks for pixels, what it computes.

Each command turns the current mask into a new one of the same shape (float32 (H, W) in [0, 1]); the
GUI (``app.gui.mask_commands``) runs ``edit_mask`` as a job and pushes the difference as one undo step
named ``MaskEdit.step_name``. The maths is in ``classic.mask_ops``. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from classic.checks import InvalidInputError, check_matte
from classic.mask_ops import feather_mask, grow_mask, invert_mask, shrink_mask
from classic.progress import CancelCallback, ProgressCallback

MAX_PIXELS = 200  # The largest grow, shrink or feather radius asked for.


@dataclass(frozen=True)
class MaskEdit:
    """One command: its name (the menu's and the undo step's), and the mask it makes of a mask."""

    name: str
    compute: Callable[[np.ndarray, int], np.ndarray]
    takes_pixels: bool = False

    def step_name(self, pixels: int | None = None) -> str:
        """The undo step's name: "Invert mask", "Grow mask by 4 px"…"""
        text = f"{self.name} mask"
        return f"{text} by {pixels} px" if self.takes_pixels else text


MASK_EDITS: dict[str, MaskEdit] = {
    edit.name: edit
    for edit in (
        MaskEdit("Invert", lambda mask, _pixels: invert_mask(mask)),
        MaskEdit("Clear", lambda mask, _pixels: np.zeros_like(mask)),
        MaskEdit("Fill", lambda mask, _pixels: np.ones_like(mask)),
        MaskEdit("Grow", grow_mask, takes_pixels=True),
        MaskEdit("Shrink", shrink_mask, takes_pixels=True),
        MaskEdit("Feather", feather_mask, takes_pixels=True),
    )
}


def edit_mask(
    name: str,
    mask: np.ndarray,
    pixels: int = 0,
    *,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """The job: command ``name`` of ``MASK_EDITS`` applied to ``mask`` (left unchanged), by ``pixels``."""
    edit = MASK_EDITS.get(name)
    if edit is None:
        raise InvalidInputError(f"unknown mask command {name!r}; known: {', '.join(MASK_EDITS)}")
    check_matte("mask", mask)
    if edit.takes_pixels and not 0 <= pixels <= MAX_PIXELS:
        raise InvalidInputError(f"{name} takes 0 to {MAX_PIXELS} pixels, got {pixels}")
    progress(0.0, f"{edit.step_name(pixels)}…")
    result = edit.compute(mask, pixels)
    progress(1.0, "Done")
    return result
