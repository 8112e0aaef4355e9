"""The main window: canvas, layer panel, menus, and the jobs that open, cut out, composite and export.

Every operation that can take more than a moment runs as a job on ``JobRunner``'s thread; one job runs
at a time and the actions that would change the document are disabled meanwhile. The public methods
(``open_files``, ``load_foreground``, ``run_cutout``, ``run_composite``, ``export_composite``…) start a
job and return whether they did; the outcome arrives later through ``jobs``' signals.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QListView, QMainWindow, QMessageBox

from app.gui.brush_cursor import BrushCursor
from app.gui.brush_toolbar import BrushToolbar
from app.gui.canvas import Canvas
from app.gui.clean_plate import CleanPlateActions
from app.gui.edge_panel import EdgePanel
from app.gui.editor import Editor
from app.gui.hint_controller import HintController
from app.gui.job_panel import JobPanel
from app.gui.jobs import JobRunner
from app.gui.layer_list import LayerListModel
from app.gui.letter_keys import pass_letter_keys
from app.gui.mask_commands import MaskCommands
from app.gui.painting import PaintController
from app.gui.project_actions import ProjectActions
from app.gui.project_controller import ProjectController, project_among
from app.gui.recent_menu import RecentFiles
from app.gui.refine_edge import RefineEdge
from app.gui.selection_tools import SelectionTools
from app.gui.settings import Settings
from app.gui.stroke_jobs import StrokeJobs
from app.gui.tool_actions import ToolActions
from app.gui.tool_settings import ToolSettings
from app.gui.tools_menu import ToolsMenu
from app.gui.touch_up_controller import AlphaTouchUp
from app.gui.window_actions import WindowActions
from app.model.document import PHOTO_ROLES, CompositeResult, Document
from app.model.export_options import PhotoOrigin
from app.model.files import assign_dropped, is_image_path, with_export_extension
from app.model.layers import LayerEvent
from app.model.tasks import (
    compose_and_export,
    cut_out_and_composite,
    cut_out_subject,
    export_image,
    load_photos,
)
from app.model.transparency import own_alpha, own_cutout
from app.model.views import LAYERS
from classic.grabcut import Rect
from classic.imageio import LoadedImage
from classic.pipeline import Cutout
from engine.pipeline import COMPOSITING_METHODS, Pipeline, PipelineOptions

APP_NAME = "Compositor"
DEFAULT_METHOD = "alpha"
# Imported lazily by jobs. On the worker thread the first import holds the GIL for most of a second
# (numba loads pymatting's compiled code) and stalls the GUI: import them while the window is built.
PRELOADED_MODULES = ("pymatting",)
COMPOSITE_VIEWS = (LAYERS, "after", "split")  # The views that show a composite just made.
_log = logging.getLogger(__name__)


def preload_job_modules() -> None:
    """Import ``PRELOADED_MODULES`` on this (the GUI) thread; only the first call in a process costs."""
    for name in PRELOADED_MODULES:
        importlib.import_module(name)


class MainWindow(QMainWindow):
    """One document (``document``, its ``layers``) shown on ``canvas``; jobs run on ``jobs``.

    Drop one or two image files on the window to open them (see ``files.assign_dropped``).
    """

    def __init__(self) -> None:
        super().__init__()
        preload_job_modules()  # Before the window shows, not while a job runs.
        self.document = Document()
        self.layers = self.document.layers
        self.jobs = JobRunner(self)
        # Used only by jobs, one at a time on the worker thread: networks load once and stay loaded.
        self.settings = Settings()
        self.pipeline = Pipeline(PipelineOptions(**self.settings.pipeline_changes()))
        self.canvas = Canvas()
        self.job_panel = JobPanel(self.jobs)
        self.method_combo = QComboBox()
        self.method_combo.addItems(list(COMPOSITING_METHODS))
        self.method_combo.setToolTip("How the cut-out subject is blended into the background")
        # A view of the document's method, as the compositing panel's box is.
        self.document.set_method(self.settings.get("compositing/method") or DEFAULT_METHOD)
        self.method_combo.setCurrentText(self.document.compositing.method)
        self.method_combo.currentTextChanged.connect(self.document.set_method)
        self.document.connect_compositing(self._show_method)
        self.layer_model = LayerListModel(self.layers, self)
        self.layer_view = QListView()
        self.layer_view.setModel(self.layer_model)
        self.layer_view.setIconSize(self.layer_model.thumbnail_size)
        self.layer_view.setToolTip("Tick a layer to show it: the canvas shows the topmost ticked layer")
        self.zoom_label = QLabel()
        device = self.pipeline.device()
        self.device_label = QLabel(device.device.type.upper())
        self.device_label.setToolTip(f"Where the networks run: {device.reason}")
        self.menu_actions = WindowActions(self)
        self._lay_out()
        self.editor = Editor(self)  # View modes, compositing and placement docks.
        self.undo_stack = QUndoStack(self)
        self.painter = PaintController(
            self.canvas,
            self.layers,
            self.undo_stack,
            is_busy=lambda: self.jobs.is_busy,
            shown_layer=self.editor.shown_layer,  # A brush paints the layer shown, in every view.
            redraw=self.editor.redraw_region,
            reveal=self.editor.reveal_mask,
            composite_target=self.editor.composite_target,  # A brush on the composite paints the mask.
            parent=self,
        )
        self.painter.tool_changed.connect(lambda text: self.statusBar().showMessage(text, 3_000))
        self.painter.install(self)
        self.brush_cursor = BrushCursor(self.painter)  # The brush's outline at the mouse.
        # The tools, declared once: the Edit menu's entries, the palette's icons and the shortcuts.
        self.tool_actions = ToolActions(self.painter, self)
        self.tool_actions.add_to(self.menuBar())
        self.tool_actions.palette(self)
        self.tool_settings = ToolSettings(self.settings, self.painter.tool, self.undo_stack)
        self.tool_settings.apply()  # Brush defaults and the undo limit.
        self.touch_up = AlphaTouchUp(self)
        self.edge_panel = EdgePanel(self)  # Radius, smooth, contrast, shift edge for the whole cut-out.
        edge_dock = QDockWidget("Refine Edge", self)
        edge_dock.setObjectName("refine edge")
        edge_dock.setWidget(self.edge_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, edge_dock)
        placement_dock = self.findChild(QDockWidget, "placement")
        if placement_dock is not None:  # A tab beside Placement: the Layers panel keeps its height.
            self.tabifyDockWidget(placement_dock, edge_dock)
            placement_dock.raise_()
        self.mask_commands = MaskCommands(self)  # Edit ▸ Mask: invert, grow, feather…
        stroke_jobs = StrokeJobs(self)
        self.refine_edge = RefineEdge(self, stroke_jobs)
        self.hints = HintController(self, stroke_jobs)
        self.selection_tools = SelectionTools(self)  # Box (U) and lasso (L).
        self.project = ProjectController(self)
        self.project_actions = ProjectActions(self, self.settings)
        self.recent_files = RecentFiles(self)  # File > Open Recent.
        self.clean_plate = CleanPlateActions(self)  # File > Add Clean Plate…: the cut-out may use it.
        self.tools_menu = ToolsMenu(self)  # Fine-tune, build a training set, evaluate a model.
        self.addToolBarBreak()
        self.brush_toolbar = BrushToolbar(self.painter, self)
        self.addToolBar(self.brush_toolbar)
        self.layers.connect(self._on_layer_event)
        # Lambdas look the handlers up at call time, so tests can replace ``show_error``.
        self.job_panel.failed.connect(lambda message: self.show_error(message))
        self.job_panel.notice.connect(lambda message: self.statusBar().showMessage(message, 5_000))
        for change in (self.job_panel.started, self.jobs.finished, self.jobs.failed, self.jobs.cancelled):
            change.connect(lambda *_: self._refresh())  # Actions wait while a job runs.
        self.setAcceptDrops(True)
        self.menu_actions.list_panels()  # Every dock and toolbar, now that all are built.
        pass_letter_keys(self)  # B, E, [ … choose tools even with the focus in a number field.
        self._refresh()

    def _lay_out(self) -> None:
        self.setCentralWidget(self.canvas)
        dock = QDockWidget("Layers", self)
        dock.setObjectName("layers")
        dock.setWidget(self.layer_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.menu_actions.build_menus(dock.toggleViewAction(), self.method_combo)
        self.statusBar().addPermanentWidget(self.job_panel)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.statusBar().addPermanentWidget(self.device_label)
        self.canvas.zoom_changed.connect(self._show_zoom)
        self.resize(1200, 800)
        self.resizeDocks([dock], [220], Qt.Orientation.Horizontal)

    def _show_zoom(self, zoom: float) -> None:
        width, height = self.canvas.image_size
        self.zoom_label.setText(f"{width} x {height} px   {round(zoom * 100)} %")

    def open_files(self, paths: Sequence[str]) -> bool:
        """Open files as foreground and background by the drop rules of ``files.assign_dropped``."""
        roles = assign_dropped(paths, has_foreground=self.document.has("foreground"))
        if not roles:
            self.show_error("None of these files is an image this program can open.")
            return False
        return self.open_photos(roles)

    def open_photos(self, roles: dict[str, str]) -> bool:
        """Open photos by role, e.g. ``{"foreground": path, "background": path}``, in one job.

        Replacing a photo of a document with unsaved edits asks first (Save / Discard / Cancel)."""
        if self._edits_at_stake(roles) and not self.project.confirm_discard():
            return False
        names = " and ".join(Path(path).name for path in roles.values())
        return self.job_panel.run(
            f"Opening {names}",
            partial(self._on_loaded, roles),
            load_photos,
            roles,
            limits=self.settings.image_limits(),
        )

    def _edits_at_stake(self, roles: dict[str, str]) -> bool:
        """Whether opening ``roles`` would replace a photo of a document holding more than its photos
        (a cut-out, a composite, an undo step); adding the missing photo replaces nothing."""
        if not any(self.document.has(role) for role in roles):
            return False
        made = any(self.document.has(name) for name in self.layers.names() if name not in PHOTO_ROLES)
        return made or self.undo_stack.count() > 0

    def load_foreground(self, path: str) -> bool:
        return self.open_photos({"foreground": path})

    def load_background(self, path: str) -> bool:
        return self.open_photos({"background": path})

    def _on_loaded(self, roles: dict[str, str], loaded: dict[str, LoadedImage]) -> None:
        setters = {"foreground": self.document.set_foreground, "background": self.document.set_background}
        for role, set_photo in setters.items():  # The foreground first, as a drop of both opens them.
            if role in loaded:
                path, photo = roles[role], loaded[role]
                set_photo(
                    photo.rgb,
                    name=Path(path).name,
                    path=path,
                    bit_depth=photo.bit_depth,
                    origin=PhotoOrigin.of(photo),
                )
        self.recent_files.add_photos({role: roles[role] for role in loaded})
        if "foreground" in loaded and own_alpha(loaded["foreground"]) is not None:
            # A cut-out already: its transparency is the cut-out (Cut Out finds the subject anew). The
            # colours are decontaminated on the worker, as the automatic cut-out's are.
            self.job_panel.run(
                "Taking the photo's own cut-out",
                self._cut_out_done,
                own_cutout,
                loaded["foreground"],
                decontaminate=self.pipeline.options.decontaminate,
            )

    def run_cutout(self, rect: Rect | None = None) -> bool:
        """Cut the subject out of the foreground (from inside ``rect`` when given; else against the clean
        plate when there is one and its network is installed): segmentation mask, trimap and alpha layers."""
        foreground = self.layers.get("foreground")
        if foreground is None:
            self.show_error("Open a foreground photo first.")
            return False
        plate = self.clean_plate.for_cutout() if rect is None else None
        return self.job_panel.run(
            "Cutting out" if plate is None else "Cutting out with the clean plate",
            self._cut_out_done,
            cut_out_subject,
            self.pipeline,
            foreground,
            rect=rect,
            plate=plate,
        )

    def _cut_out_done(self, cutout: Cutout) -> None:
        self.document.set_cutout(cutout)
        self._say_how(cutout)

    def _show_method(self, settings: object, _edit: bool) -> None:
        method = self.document.compositing.method
        if self.method_combo.currentText() != method:
            self.method_combo.blockSignals(True)
            self.method_combo.setCurrentText(method)
            self.method_combo.blockSignals(False)

    def _composite_done(self, result: CompositeResult, *, new_cutout: bool = True) -> None:
        new_cutout = new_cutout and result.cutout is not self.document.cutout
        self.document.set_composite(result, new_cutout=new_cutout)
        if self.editor.mode not in COMPOSITE_VIEWS:  # A mask or unsure view would hide the composite.
            self.editor.set_mode("after")
        if new_cutout:
            self._say_how(result.cutout)

    def _say_how(self, cutout: Cutout) -> None:
        if cutout.method:
            note = self.clean_plate.note(cutout)  # A clean plate that went unused says why.
            self.statusBar().showMessage(f"Cut out with {cutout.method}{note}", 15_000)

    def run_composite(self, method: str | None = None) -> bool:
        """Composite with ``method`` (default: the toolbar's choice), cutting out first when needed."""
        if method is not None:
            if method not in COMPOSITING_METHODS:
                raise ValueError(
                    f"unknown compositing method {method!r}; known: {', '.join(COMPOSITING_METHODS)}"
                )
            self.document.set_method(method)
        foreground, background = self.layers.get("foreground"), self.layers.get("background")
        if foreground is None or background is None:
            self.show_error("Open a foreground photo and a background photo first.")
            return False
        # As previewed, brush strokes included; read on the worker, as the brush waits for the job.
        cutout = self.document.shown_cutout()
        settings = self.document.composing_settings()  # Edge, feather, placement… as previewed.
        return self.job_panel.run(
            "Compositing" if cutout is not None else "Cutting out and compositing",
            partial(self._composite_done, new_cutout=cutout is None),
            cut_out_and_composite,
            foreground,
            background,
            method=settings.method,
            cutout=cutout,
            plate=None if cutout is not None else self.clean_plate.for_cutout(),
            pipeline=self.pipeline,
            settings=settings,
        )

    def export_composite(self, path: str, *, bit_depth: int | None = None) -> bool:
        """Write the composite to ``path`` (format from the extension; by default the background's depth)."""
        image = self.layers.get("composite")
        if image is None:
            self.show_error("There is no composite to export yet: run Composite first.")
            return False
        path = with_export_extension(path)
        foreground, background = self.layers.get("foreground"), self.layers.get("background")
        cutout = self.document.shown_cutout()
        if foreground is None or background is None or cutout is None:
            work = partial(export_image, path, image)  # A composite without its cut-out goes out as it is.
        else:  # Composed again at full resolution with the document's compositing settings.
            settings = self.document.composing_settings()
            work = partial(
                compose_and_export, path, foreground, background, cutout, settings, pipeline=self.pipeline
            )
        return self.job_panel.run(
            f"Exporting {Path(path).name}",
            lambda written: self.statusBar().showMessage(f"Exported the composite to {written}", 10_000),
            work,
            bit_depth=self.document.background_bit_depth if bit_depth is None else bit_depth,
            quality=self.settings.get("export/quality"),
            photo=self.settings.photo_export(self.document.origin_of("composite")),
        )

    def show_error(self, message: str) -> None:
        """Tell the user something went wrong, without blocking (tests replace this method)."""
        _log.warning("%s", message)
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    @staticmethod
    def dropped_paths(mime: QMimeData) -> list[str]:
        """Local image files among the dragged URLs, in the order they were dragged."""
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        return [path for path in files if is_image_path(path)]

    @staticmethod
    def dropped_project(mime: QMimeData) -> str | None:
        """The first dragged project (a .zip, a project folder or its project.json), or None."""
        return project_among(url.toLocalFile() for url in mime.urls() if url.isLocalFile())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.dragMoveEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.dropped_paths(event.mimeData()) or self.dropped_project(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        project = self.dropped_project(event.mimeData())
        if project is not None:
            event.acceptProposedAction()
            # After the drop has finished: opening may ask about unsaved changes in a modal dialog.
            QTimer.singleShot(0, self, lambda: self.project.open_dropped(project))
            return
        paths = self.dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            # After the drop, as for projects: replacing a photo may ask about unsaved edits.
            QTimer.singleShot(0, self, lambda: self.open_files(paths))

    def apply_settings(self) -> None:
        """Take changed preferences into use: the pipeline's options and the default compositing method."""
        if not self.jobs.is_busy:  # The running job uses the pipeline it was given; the next gets these.
            self.pipeline = self.pipeline.with_options(**self.settings.pipeline_changes())
            self.device_label.setText(self.pipeline.device().device.type.upper())
        self.document.set_method(self.settings.get("compositing/method"))
        self.tool_settings.apply()
        self.brush_toolbar.sync()  # The new defaults show in its fields.

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.project.confirm_close():  # Unsaved changes and the user chose Cancel.
            event.ignore()
            return
        # Every worker thread the window owns (its own, the compositing preview's…) must stop before the
        # window and its QThreads are destroyed.
        for runner in self.findChildren(JobRunner):
            runner.shutdown()
        super().closeEvent(event)

    def _on_layer_event(self, event: LayerEvent) -> None:
        # The canvas is drawn by the editor alone (``Editor._on_layer_event``), as the view shows it.
        if event.kind not in ("inserting", "removing"):
            self._refresh()

    def _refresh(self) -> None:
        self.menu_actions.update(
            busy=self.jobs.is_busy,
            has_foreground=self.document.has("foreground"),
            has_background=self.document.has("background"),
            has_composite=self.document.has("composite"),
        )
        if hasattr(self, "clean_plate"):  # Not yet while __init__ builds the window.
            self.project_actions.update(busy=self.jobs.is_busy)
            self.clean_plate.update(busy=self.jobs.is_busy)
        title = self.document.title()
        # "[*]" is where Qt shows the unsaved-changes mark (``setWindowModified``, set by ``project``).
        self.setWindowTitle(f"{title}[*] — {APP_NAME}" if title else f"{APP_NAME}[*]")
