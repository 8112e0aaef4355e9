"""The GrabCut hint brush (G) and the quick-select scribble brush (W), and the jobs their strokes start.

Both paint foreground (green) or background (red, X swaps) labels into their own label map, shown over
the canvas while the tool is active; hints accumulate until the photo changes or Clear Hints. On
release the segmentation mask is remade on the worker, from all of that tool's hints:

- GrabCut (``classic.grabcut.grabcut_with_hints``) starts from the current mask; only pixels within
  ``HINT_REACH`` brush diameters of a hint may change, so a hint never disturbs a distant edge;
- quick select (``classic.quickselect.quick_select``, Lazy Snapping) needs scribbles of both kinds and
  selects the object they mark, replacing the mask.

The hint stroke and the mask's changed part become one undo step; the alpha is then re-solved around
that part as after a mask stroke (``AlphaTouchUp.resolve_around``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.gui.brush_window import BrushWindow
from app.gui.hint_overlay import HintOverlay
from app.gui.patch_command import Change, PatchCommand
from app.gui.stroke_jobs import StrokeJobs
from app.model.brush import Region, Stroke
from app.model.hints import BACKGROUND, FOREGROUND, HintLayer, changed_region, nonzero_region, paint_label
from app.model.layers import LayerEvent
from app.model.tools import HINT_KINDS, BrushTool, ToolKind
from classic.grabcut import grabcut_with_hints
from classic.quickselect import quick_select

if TYPE_CHECKING:
    pass


HintWindow = BrushWindow  # What the hint brushes use of the main window: no more than the brush's part.


HINT_REACH = 2.0  # How far a GrabCut hint speaks for its neighbourhood, in brush diameters.
LAYER_OF: dict[ToolKind, str] = {"grabcut": "grabcut hints", "quick select": "quick select hints"}
_TEXT: dict[ToolKind, tuple[str, str]] = {  # Undo step, job title.
    "grabcut": ("GrabCut hint", "GrabCut"),
    "quick select": ("Quick select scribble", "Quick select"),
}


class HintController(QObject):
    """The ``StrokeHandler`` of both hint brushes on ``window``; ``hints`` holds their label maps."""

    def __init__(self, window: HintWindow, jobs: StrokeJobs) -> None:
        super().__init__(window.window())
        self._window, self._jobs = window, jobs
        self.hints = HintLayer()
        self.overlay = HintOverlay(window.canvas)
        self._shown: np.ndarray | None = None  # The label map the overlay shows.
        self._kind: ToolKind = "grabcut"  # The tool of the stroke being painted.
        self._foreground: np.ndarray | None = None  # The photo the hints were painted on.
        for kind in HINT_KINDS:
            window.painter.set_handler(kind, self)
        window.painter.tool_changed.connect(lambda _text: self._sync_overlay())
        self.hints.connect(self._on_hints_changed)
        window.layers.connect(self._on_layer_event)
        self.clear_action = QAction("C&lear Hints", window.window())
        self.clear_action.setToolTip("Remove every GrabCut hint and quick-select scribble (undoable)")
        self.clear_action.triggered.connect(lambda _checked=False: self.clear())
        window.addAction(self.clear_action)
        edit = next((a.menu() for a in window.menuBar().actions() if a.text() == "&Edit"), None)
        if isinstance(edit, QMenu):
            edit.addAction(self.clear_action)

    def target(self, tool: BrushTool) -> str | None:
        layers = self._window.layers
        foreground, mask = layers.get("foreground"), layers.get("segmentation mask")
        if foreground is None or mask is None or tool.kind not in LAYER_OF:
            return None
        width, height = self._window.canvas.image_size
        if not mask.shape == foreground.shape[:2] == (height, width):
            return None
        return LAYER_OF[tool.kind]

    def begin(self, tool: BrushTool) -> Stroke | None:
        painter = self._window.painter
        foreground = self._window.layers.get("foreground")
        if foreground is None or painter.writable("segmentation mask") is None:
            return None
        painter.track("foreground", foreground)
        self._foreground, self._kind = foreground, tool.kind
        labels = self.hints.labels(LAYER_OF[tool.kind], foreground.shape[:2])
        self._sync_overlay()
        label = FOREGROUND if tool.hint == "foreground" else BACKGROUND
        return Stroke(labels, tool.brush(), paint_label(label))

    def painted(self, stroke: Stroke, dirty: Region) -> None:
        self.overlay.refresh(dirty.window)

    def finish(self, stroke: Stroke) -> None:
        window, kind = self._window, self._kind
        name, (text, title) = LAYER_OF[kind], _TEXT[kind]
        bbox, old, new = stroke.finish()
        foreground, mask = window.layers.get("foreground"), window.layers.get("segmentation mask")
        if np.array_equal(old, new) or foreground is None or mask is None:
            return
        hint = Change(self.hints, name, bbox, old, new)
        foreground_seeds, background_seeds = self.hints.seeds(name)
        if kind == "quick select":
            if not (foreground_seeds.any() and background_seeds.any()):
                missing = "background" if foreground_seeds.any() else "foreground"
                self._jobs.push(text, [hint])
                window.statusBar().showMessage(f"Quick select: now scribble on the {missing} (X)", 5_000)
                return
            self._jobs.run(
                text, hint, title, self._mask_changes, self._after,
                quick_select, foreground, foreground_seeds, background_seeds,
            )  # fmt: skip
            return
        self._jobs.run(
            text, hint, title, self._mask_changes, self._after,
            grabcut_with_hints, foreground, mask.copy(), foreground_seeds, background_seeds,
            reach=HINT_REACH * stroke.brush.size,
        )  # fmt: skip

    def clear(self) -> None:
        """Remove every hint of both tools, as one undo step."""
        changes = []
        for name in LAYER_OF.values():
            labels = self.hints.get(name)
            if labels is not None and labels.any():
                region = nonzero_region(labels)
                patch = labels[region.window]
                changes.append(Change(self.hints, name, region, patch.copy(), np.zeros_like(patch)))
        if changes:
            self._window.undo_stack.push(PatchCommand("Clear hints", changes))

    def _mask_changes(self, mask: np.ndarray) -> list[Change]:
        layers = self._window.layers
        current = layers.get("segmentation mask")
        if current is None or current.shape != mask.shape:
            return []  # The cut-out changed while the job ran.
        region = changed_region(current, mask)
        if region.empty:
            return []
        window = region.window
        return [Change(layers, "segmentation mask", region, current[window].copy(), mask[window])]

    def _after(self, command: PatchCommand) -> None:
        region = command.region("segmentation mask")
        if region.empty:
            self._window.statusBar().showMessage("The segmentation mask did not change", 5_000)
        else:
            self._window.touch_up.resolve_around(region)

    def _sync_overlay(self) -> None:
        tool = self._window.painter.tool
        name = LAYER_OF.get(tool.kind) if tool.active else None
        labels = None if name is None else self.hints.get(name)
        if labels is self._shown:
            return
        self._shown = labels
        if labels is None:
            self.overlay.show_labels(None)
        else:
            self.overlay.show_labels(lambda window: labels[window], labels.shape)

    def _on_hints_changed(self, name: str, window: tuple[slice, slice] | None) -> None:
        if window is not None and self._shown is not None and self._shown is self.hints.get(name):
            self.overlay.refresh(window)
        else:
            self._sync_overlay()

    def _on_layer_event(self, event: LayerEvent) -> None:
        if event.name != "foreground" or event.kind in ("inserting", "removing"):
            return
        if self._foreground is not None and self._window.layers.get("foreground") is not self._foreground:
            self._foreground = None
            self.hints.reset()  # A new photo: the hints were about the old one.
