"""After a brush stroke on the segmentation mask, re-solve the alpha there on the worker thread.

The job (``touch_up.resolve_alpha``) gets copies of the crops it needs, never the live arrays the brush
paints on. Its alpha patch is pasted as its own undo step, and a composite that is already there is
remade from the touched-up alpha without changing which layer the canvas shows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.brush import Region
from app.commands import ResolveCommand
from app.tasks import CompositeResult, cut_out_and_composite
from app.touch_up import AlphaPatch, resolve_alpha

if TYPE_CHECKING:
    from app.main_window import MainWindow


class AlphaTouchUp(QObject):
    """Connects the window's brush to alpha re-solving; ``enabled`` False turns it off."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.enabled = True
        window.painter.stroke_finished.connect(self._on_stroke)

    def _on_stroke(self, layer: str, stroke: Region) -> None:
        window, document = self._window, self._window.document
        foreground, mask = document.layers.get("foreground"), document.layers.get("segmentation mask")
        if not self.enabled or layer != "segmentation mask" or foreground is None or mask is None:
            return
        if not document.has("alpha"):
            return
        # The job reads a snapshot: the brush keeps painting the live mask on this thread.
        window.job_panel.run(
            "Re-solving the alpha", self._paste, resolve_alpha, foreground, mask.copy(), stroke
        )

    def _paste(self, patch: AlphaPatch) -> None:
        window = self._window
        alpha, mask = window.layers.get("alpha"), window.layers.get("segmentation mask")
        if alpha is None or mask is None or alpha.shape != mask.shape:
            return  # The cut-out changed while the job ran.
        old = alpha[patch.region.window].copy()
        window.layers.set_region("alpha", patch.region.window, patch.alpha)
        window.undo_stack.push(ResolveCommand(window.layers, "alpha", patch.region, old, patch.alpha))
        self._refresh_composite()

    def _refresh_composite(self) -> None:
        window, document = self._window, self._window.document
        foreground, background = document.layers.get("foreground"), document.layers.get("background")
        mask, alpha = document.layers.get("segmentation mask"), document.layers.get("alpha")
        cutout = document.cutout
        if not document.has("composite") or cutout is None:
            return
        if foreground is None or background is None or mask is None or alpha is None:
            return
        window.job_panel.run(
            "Updating the composite",
            self._show_composite,
            cut_out_and_composite,
            foreground,
            background,
            method=window.method_combo.currentText(),
            # The layers may be copies of the cut-out's arrays (see ``PaintController``): use what is shown.
            cutout=replace(cutout, mask=mask, alpha=alpha),
            pipeline=window.pipeline,
        )

    def _show_composite(self, result: CompositeResult) -> None:
        # Replaces the image but keeps the layer's visibility: the canvas stays on the mask being edited.
        if self._window.document.has("composite"):
            self._window.layers.set_image("composite", result.image)
