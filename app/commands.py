"""Undo commands, one short class per user action, pushed onto the window's ``QUndoStack``.

Commands change the document only through ``LayerStack``'s API, so every change reaches the canvas and
the layer panel as a layer event.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoCommand

from app.brush import Region
from app.layers import LayerStack

UNDO_LIMIT = 50  # Steps kept; a stroke holds only its bounding box's patches, so memory stays bounded.


class StrokeCommand(QUndoCommand):
    """A brush stroke on a mask layer: the stroke's bounding box with the patches before and after it.

    The stroke was painted live, so the first ``redo`` (which ``QUndoStack.push`` calls) does nothing.
    """

    def __init__(
        self, layers: LayerStack, layer_name: str, bbox: Region, old_patch: np.ndarray, new_patch: np.ndarray
    ) -> None:
        super().__init__(f"Paint {layer_name}")
        self.layers, self.layer_name, self.bbox = layers, layer_name, bbox
        self.old_patch, self.new_patch = old_patch, new_patch
        self._painted = True

    def undo(self) -> None:
        self.layers.set_region(self.layer_name, self.bbox.window, self.old_patch)

    def redo(self) -> None:
        if self._painted:
            self._painted = False
            return
        self.layers.set_region(self.layer_name, self.bbox.window, self.new_patch)


class ResolveCommand(StrokeCommand):
    """The alpha re-solved around a stroke on the segmentation mask, pasted when the job finished."""

    def __init__(
        self, layers: LayerStack, layer_name: str, bbox: Region, old_patch: np.ndarray, new_patch: np.ndarray
    ) -> None:
        super().__init__(layers, layer_name, bbox, old_patch, new_patch)
        self.setText("Re-solve alpha")
