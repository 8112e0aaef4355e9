"""The Refine Edge panel (a dock): band radius, smooth, contrast and shift edge for the whole cut-out.

Each change re-solves the alpha on the worker (``app.model.edge_refinement.refine_edge``) from the cut-out
as it was when the panel was first used on it, so the four values always describe the edge shown; the
result is one undo step ("Refine edge") and the composite and preview follow, as after a brush stroke.
A new cut-out starts the panel afresh.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QPushButton, QWidget

from app.gui.patch_command import Change, PatchCommand
from app.gui.window_api import MainWindowApi
from app.model.brush import Region
from app.model.edge_refinement import RADIUS_LIMIT, SHIFT_LIMIT, SMOOTH_LIMIT, EdgeSettings, refine_edge
from app.model.layers import LayerEvent
from classic.pipeline import Cutout

if TYPE_CHECKING:
    from app.gui.job_panel import JobPanel
    from app.gui.touch_up_controller import AlphaTouchUp
    from app.model.document import Document
    from engine.pipeline import Pipeline


class EdgeWindow(MainWindowApi, Protocol):
    """What the Refine Edge panel uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def job_panel(self) -> JobPanel: ...
    @property
    def undo_stack(self) -> QUndoStack: ...
    @property
    def pipeline(self) -> Pipeline: ...
    @property
    def touch_up(self) -> AlphaTouchUp: ...


def _spin(maximum: float, step: float, suffix: str, tip: str, minimum: float = 0.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)  # Re-solve when typing ends, not on every digit.
    return box


class EdgePanel(QWidget):
    """The four global edge controls over ``window``'s cut-out."""

    def __init__(self, window: EdgeWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._base: Cutout | None = None  # The cut-out the settings apply to.
        self._alpha: np.ndarray | None = None  # The alpha layer's image when ``_base`` was taken.
        self.radius = _spin(
            RADIUS_LIMIT, 1.0, " px", "Half-width of the band re-matted along the edge (0: the cut-out's)"
        )
        self.smooth = _spin(SMOOTH_LIMIT, 0.5, " px", "Smooth the edge (Gaussian σ)")
        self.contrast = _spin(1.0, 0.05, "", "Sharpen the edge's transitions (0: as matted, 1: almost hard)")
        self.shift = _spin(SHIFT_LIMIT, 1.0, " px", "Move the edge out (> 0) or in (< 0)", -SHIFT_LIMIT)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Back to the cut-out's edge")
        form = QFormLayout(self)
        form.addRow("Radius", self.radius)
        form.addRow("Smooth", self.smooth)
        form.addRow("Contrast", self.contrast)
        form.addRow("Shift edge", self.shift)
        form.addRow("", self.reset)
        for box in self._boxes():
            box.valueChanged.connect(lambda _value: self._changed())
        self.reset.clicked.connect(self.clear)
        window.document.layers.connect(self._on_layer_event)

    def settings(self) -> EdgeSettings:
        return EdgeSettings(
            self.radius.value(), self.smooth.value(), self.contrast.value(), self.shift.value()
        )

    def clear(self) -> None:
        """The fields back to 0, and the cut-out's own edge back in the layers."""
        self._zero_fields()
        self._changed()

    def _zero_fields(self) -> None:
        for box in self._boxes():
            box.blockSignals(True)
            box.setValue(0.0)
            box.blockSignals(False)

    def _boxes(self) -> tuple[QDoubleSpinBox, ...]:
        return (self.radius, self.smooth, self.contrast, self.shift)

    def _changed(self) -> None:
        document = self._window.document
        foreground, mask = document.layers.get("foreground"), document.layers.get("segmentation mask")
        if self._base is None:
            shown = document.shown_cutout()
            # Copies: the results are pasted into the layers in place.
            self._base = (
                None
                if shown is None
                else replace(shown, alpha=shown.alpha.copy(), trimap=shown.trimap.copy())
            )
            self._alpha = document.layers.get("alpha")
        if self._base is None or foreground is None or mask is None:
            return
        self._window.job_panel.run(
            "Refining the edge", self._apply, refine_edge, foreground, mask, self._base, self.settings(),
            pipeline=self._window.pipeline,
        )  # fmt: skip

    def _apply(self, result: Cutout) -> None:
        document = self._window.document
        layers = document.layers
        alpha, trimap = layers.get("alpha"), layers.get("trimap")
        if document.cutout is None or alpha is None or alpha.shape != result.alpha.shape:
            return  # The cut-out changed while the job ran.
        whole = Region(0, 0, alpha.shape[0], alpha.shape[1])
        changes = [Change(layers, "alpha", whole, alpha.copy(), result.alpha)]
        if trimap is not None and trimap.shape == result.trimap.shape:
            changes.append(Change(layers, "trimap", whole, trimap.copy(), result.trimap))
        self._window.undo_stack.push(PatchCommand("Refine edge", changes))  # Pasted in place by its redo.
        document.cutout = replace(document.cutout, foreground=result.foreground)
        self._window.touch_up.refresh_composite(whole)

    def _on_layer_event(self, event: LayerEvent) -> None:
        # A new cut-out (another alpha image; pastes and strokes change it in place) starts afresh.
        if event.name != "alpha" or self._base is None:
            return
        if self._window.document.layers.get("alpha") is not self._alpha:
            self._base = self._alpha = None
            self._zero_fields()
