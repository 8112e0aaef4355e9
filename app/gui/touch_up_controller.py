"""After a brush stroke on the segmentation mask, re-solve the alpha there on the worker thread.

The job (``touch_up.resolve_alpha``) gets copies of the crops it needs, never the live arrays the brush
paints on. Its alpha patch, with the trimap patch it was solved from, is pasted as its own undo step,
and a composite that is already there is remade from the touched-up alpha without changing which
layer the canvas shows. The GrabCut and quick-select brushes call ``resolve_around`` after they
replace part of the segmentation mask.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject

from app.gui.patch_command import Change, PatchCommand
from app.gui.window_api import MainWindowApi
from app.model.brush import Region
from app.model.compositing_settings import CompositingSettings
from app.model.document import CompositeResult
from app.model.tasks import cut_out_and_composite
from app.model.touch_up import AlphaPatch, mask_crop, recoloured, resolve_alpha
from classic.pipeline import Cutout
from classic.progress import CancelCallback, ProgressCallback
from engine.pipeline import Pipeline

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.gui.job_panel import JobPanel
    from app.gui.painting import PaintController
    from app.model.document import Document
    from app.model.layers import LayerStack


class TouchUpWindow(MainWindowApi, Protocol):
    """What re-solving the alpha after a stroke uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def layers(self) -> LayerStack: ...
    @property
    def painter(self) -> PaintController: ...
    @property
    def job_panel(self) -> JobPanel: ...
    @property
    def undo_stack(self) -> QUndoStack: ...
    @property
    def pipeline(self) -> Pipeline: ...


class AlphaTouchUp(QObject):
    """Connects the window's brush to alpha re-solving; ``enabled`` False turns it off."""

    def __init__(self, window: TouchUpWindow) -> None:
        super().__init__(window.window())
        self._window = window
        self.enabled = True
        window.painter.stroke_finished.connect(self.follow_edit)

    def follow_edit(self, layer: str, region: Region) -> None:
        """After ``region`` of mask ``layer`` was edited (a stroke, a mask command): what depends on it
        follows, the alpha after the segmentation mask, the composite after the alpha."""
        if layer == "segmentation mask":
            self.resolve_around(region)  # Which remakes the composite once the alpha is re-solved.
        elif layer == "alpha" and self.enabled:
            self.refresh_composite(region)  # The alpha painted directly: the composite follows it.

    def resolve_around(self, region: Region) -> bool:
        """Re-solve the alpha around ``region`` of the segmentation mask on the worker; False if not run."""
        window, document = self._window, self._window.document
        foreground, mask = document.layers.get("foreground"), document.layers.get("segmentation mask")
        if not self.enabled or foreground is None or mask is None or not document.has("alpha"):
            return False
        # The job reads a snapshot of the part it needs (a full 24 MP copy took 250 ms here): the brush
        # keeps painting the live mask on this thread.
        crop = mask_crop(mask, region)
        return window.job_panel.run("Re-solving the alpha", self._paste, resolve_alpha, foreground, crop)

    def _paste(self, patch: AlphaPatch) -> None:
        window = self._window
        alpha, mask = window.painter.writable("alpha"), window.layers.get("segmentation mask")
        if alpha is None or mask is None or alpha.shape != mask.shape:
            return  # The cut-out changed while the job ran.
        box = patch.region.window
        changes = [Change(window.layers, "alpha", patch.region, alpha[box].copy(), patch.alpha)]
        trimap = window.painter.writable("trimap") if patch.trimap is not None else None
        if trimap is not None and patch.trimap is not None and trimap.shape == alpha.shape:
            changes.append(Change(window.layers, "trimap", patch.region, trimap[box].copy(), patch.trimap))
        window.undo_stack.push(PatchCommand("Re-solve alpha", changes))  # Its first redo pastes.
        self.refresh_composite(patch.region)

    def refresh_composite(self, region: Region | None = None) -> None:
        """Remake a composite that is already there from the current mask and alpha, on the worker, with
        the compositing panel's settings; ``region``: where the alpha changed, so the subject's colours
        are re-estimated there first."""
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
            recompose,
            foreground,
            background,
            # What the layers show (they may be copies of the cut-out's arrays, see ``PaintController``),
            # read on the worker: the brush waits for the job (a 24 MP copy here took 64 ms of this thread).
            replace(cutout, mask=mask, alpha=alpha),
            region,
            method=document.compositing.method,
            settings=document.composing_settings(),
            pipeline=window.pipeline,
        )

    def _show_composite(self, result: CompositeResult) -> None:
        # Replaces the image but keeps the layer's visibility: the canvas stays on the mask being edited.
        document = self._window.document
        if not document.has("composite") or document.cutout is None:
            return
        if document.cutout.foreground.shape == result.cutout.foreground.shape:
            document.cutout = replace(document.cutout, foreground=result.cutout.foreground)
        self._window.layers.set_image("composite", result.image)


def recompose(
    foreground: np.ndarray,
    background: np.ndarray,
    cutout: Cutout,
    region: Region | None,
    *,
    method: str,
    settings: CompositingSettings,
    pipeline: Pipeline,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> CompositeResult:
    """The composite of ``cutout`` (its colours re-estimated around ``region`` first, when given) with
    the panel's ``settings`` and ``method``; the job behind ``refresh_composite``."""
    if region is not None and cutout.foreground.shape == foreground.shape:
        cutout = replace(cutout, foreground=recoloured(cutout.foreground, foreground, cutout.alpha, region))
    return cut_out_and_composite(
        foreground,
        background,
        method=method,
        cutout=cutout,
        settings=settings,
        pipeline=pipeline,
        progress=progress,
        is_cancelled=is_cancelled,
    )
