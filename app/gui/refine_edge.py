"""The refine-edge brush (R): paint the trimap's unknown band where hair or fur needs matting.

A stroke widens the band (X: restores painted pixels to the segmentation mask's foreground or
background), live on the trimap layer; the band is shown as a blue overlay while the tool is active.
On release the alpha under the stroke's box is re-solved from the painted trimap on the worker
(``touch_up.resolve_band``), and the trimap stroke and the new alpha become one undo step.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject

from app.gui.brush_window import BrushWindow
from app.gui.hint_overlay import HintOverlay
from app.gui.patch_command import Change
from app.gui.stroke_jobs import StrokeJobs
from app.model.brush import Region, Stroke
from app.model.hints import band_labels, paint_restore, paint_unknown
from app.model.layers import LayerEvent
from app.model.tools import BrushTool
from app.model.touch_up import AlphaPatch, grown, resolve_band
from classic.trimap import band_width

if TYPE_CHECKING:
    from app.gui.settings import Settings


class RefineEdgeWindow(BrushWindow, Protocol):
    """What the refine-edge brush uses of the main window."""

    @property
    def settings(self) -> Settings: ...


MIN_MARGIN = 16  # Pixels of context around a stroke's box for the matting solve, at least.


class RefineEdge(QObject):
    """The ``StrokeHandler`` of the refine-edge brush on ``window``."""

    def __init__(self, window: RefineEdgeWindow, jobs: StrokeJobs) -> None:
        super().__init__(window.window())
        self._window, self._jobs = window, jobs
        self.overlay = HintOverlay(window.canvas)
        self._shown: np.ndarray | None = None  # The trimap the overlay shows.
        window.painter.set_handler("refine edge", self)
        window.painter.tool_changed.connect(lambda _text: self._sync_overlay())
        window.layers.connect(self._on_layer_event)

    def target(self, tool: BrushTool) -> str | None:
        layers = self._window.layers
        foreground, trimap, alpha = (layers.get(name) for name in ("foreground", "trimap", "alpha"))
        if foreground is None or trimap is None or alpha is None:
            return None
        width, height = self._window.canvas.image_size
        if not trimap.shape == alpha.shape == foreground.shape[:2] == (height, width):
            return None  # Another cut-out's size, or the canvas shows the background.
        return "trimap"

    def begin(self, tool: BrushTool) -> Stroke | None:
        painter, layers = self._window.painter, self._window.layers
        trimap, foreground = painter.writable("trimap"), layers.get("foreground")
        if trimap is None or foreground is None or painter.writable("alpha") is None:
            return None
        painter.track("foreground", foreground)
        self._sync_overlay()
        if tool.mode != "subtract":
            return Stroke(trimap, tool.brush(), paint_unknown)
        source = layers.get("segmentation mask")
        source = source if source is not None and source.shape == trimap.shape else layers.get("alpha")
        assert source is not None
        return Stroke(trimap, tool.brush(), paint_restore(source))

    def painted(self, stroke: Stroke, dirty: Region) -> None:
        self.overlay.refresh(dirty.window)
        # Drawn as the view draws the trimap (the editor is the canvas's one writer), where it shows it.
        self._window.painter.redraw("trimap", dirty.window)

    def finish(self, stroke: Stroke) -> None:
        window = self._window
        layers = window.layers
        bbox, old, new = stroke.finish()
        changed = old != new
        foreground, trimap, alpha = (layers.get(name) for name in ("foreground", "trimap", "alpha"))
        if not changed.any() or foreground is None or trimap is None or alpha is None:
            return
        layers.set_region("trimap", bbox.window, new)  # Tells the layer panel and the canvas.
        band = band_width(trimap.shape, band_fraction=window.settings.get("matting/band_fraction"))
        margin = max(MIN_MARGIN, math.ceil(band))
        # The job gets copies of the crops it reads: undo may write to the layers while it runs.
        outer = grown(bbox, margin, trimap.shape)
        local = Region(bbox.top - outer.top, bbox.left - outer.left, bbox.bottom - outer.top,
                       bbox.right - outer.left)  # fmt: skip
        self._jobs.run(
            "Refine edge",
            Change(layers, "trimap", bbox, old, new),
            "Refining the edge",
            partial(self._alpha_changes, outer),
            lambda _command: window.touch_up.refresh_composite(bbox),
            resolve_band,
            foreground[outer.window].copy(),
            trimap[outer.window].copy(),
            alpha[outer.window].copy(),
            local,
            changed,
            margin=margin,
        )

    def _alpha_changes(self, outer: Region, patch: AlphaPatch) -> list[Change]:
        alpha = self._window.layers.get("alpha")
        local = patch.region
        region = Region(local.top + outer.top, local.left + outer.left, local.bottom + outer.top,
                        local.right + outer.left)  # fmt: skip
        if alpha is None or alpha[region.window].shape != patch.alpha.shape:
            return []  # The cut-out changed while the job ran.
        return [Change(self._window.layers, "alpha", region, alpha[region.window].copy(), patch.alpha)]

    def _sync_overlay(self) -> None:
        tool = self._window.painter.tool
        trimap = self._window.layers.get("trimap")
        if not (tool.active and tool.kind == "refine edge") or trimap is None:
            trimap = None
        if trimap is self._shown:
            return
        self._shown = trimap
        if trimap is None:
            self.overlay.show_labels(None)
        else:
            self.overlay.show_labels(lambda window: band_labels(trimap[window]), trimap.shape)

    def _on_layer_event(self, event: LayerEvent) -> None:
        if event.name != "trimap" or event.kind in ("inserting", "removing"):
            return
        if event.region is not None and self._shown is self._window.layers.get("trimap"):
            self.overlay.refresh(event.region)  # Undo, redo, a re-solve.
        else:
            self._sync_overlay()
