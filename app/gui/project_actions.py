"""File-menu actions for projects, exports and preferences, added to the menu ``WindowActions`` built.

Exports run as jobs through the window's ``JobPanel`` (progress and Cancel) at full resolution; each
dialog opens in the folder it was last used in (``app.gui.file_dialogs.FOLDER_KEYS``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from app.gui.file_dialogs import remember_folder, start_folder
from app.gui.preferences import PreferencesDialog
from app.gui.project_controller import PROJECT_FILTER
from app.gui.settings import Settings
from app.gui.window_api import MainWindowApi
from app.model.export import bit_depth_of, cutout_rgba, export_layers, export_single
from app.model.files import with_export_extension

if TYPE_CHECKING:
    from app.gui.job_panel import JobPanel
    from app.gui.project_controller import ProjectController
    from app.gui.window_actions import WindowActions
    from app.model.document import Document
    from app.model.layers import LayerStack


class ProjectActionsWindow(MainWindowApi, Protocol):
    """What the File menu's project and export actions use of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def layers(self) -> LayerStack: ...
    @property
    def project(self) -> ProjectController: ...
    @property
    def menu_actions(self) -> WindowActions: ...
    @property
    def job_panel(self) -> JobPanel: ...

    def show_error(self, message: str, /) -> None: ...
    def apply_settings(self, /) -> None: ...


CUTOUT_FILTER = "PNG with alpha (*.png);;TIFF with alpha (*.tif);;WebP with alpha (*.webp)"
_CUTOUT_EXTENSIONS = (".png", ".tif", ".tiff", ".webp")
MATTE_FILTER = "PNG 16-bit (*.png);;PNG 8-bit (*.png);;TIFF 16-bit (*.tif)"


def matte_filter(bit_depth: int) -> str:
    """``MATTE_FILTER`` with the source's depth first, so the dialog offers it unless the user picks."""
    first = "PNG 8-bit (*.png)" if bit_depth == 8 else "PNG 16-bit (*.png)"
    return ";;".join([first, *(part for part in MATTE_FILTER.split(";;") if part != first)])


class ProjectActions:
    """Save / Save As / Open Project, the export entries and Preferences, inserted into the File menu."""

    def __init__(self, window: ProjectActionsWindow, settings: Settings) -> None:
        self._window = window
        self.settings = settings
        project = window.project
        self.open_project = self._action("Open &Project…", self.ask_open, QKeySequence.StandardKey.Open)
        self.save = self._action("&Save Project", lambda: project.save(), QKeySequence.StandardKey.Save)
        self.save_as = self._action("Save Project &As…", project.save_as, "Ctrl+Shift+S")
        self.export_cutout = self._action("Export C&ut-out…", self.ask_export_cutout)
        self.export_alpha = self._action("Export &Alpha…", self.ask_export_alpha)
        self.export_layers = self._action("Export All &Layers…", self.ask_export_layers)
        self.preferences = self._action("P&references…", self.show_preferences, "Ctrl+,")
        file_menu = window.menuBar().actions()[0].menu()
        assert isinstance(file_menu, QMenu)
        first = file_menu.actions()[0]
        file_menu.insertActions(first, [self.open_project, self.save, self.save_as])
        file_menu.insertSeparator(first)
        quit_action = window.menu_actions.quit
        file_menu.insertActions(quit_action, [self.export_cutout, self.export_alpha, self.export_layers])
        file_menu.insertSeparator(quit_action)
        file_menu.insertAction(quit_action, self.preferences)
        file_menu.insertSeparator(quit_action)

    def _action(self, text: str, slot: Callable[[], object], shortcut: object = None) -> QAction:
        action = QAction(text, self._window.window())
        if shortcut is not None:
            action.setShortcut(shortcut)  # type: ignore[call-overload]
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)
        return action

    def update(self, *, busy: bool) -> None:
        document = self._window.document
        for action in (self.open_project, self.save, self.save_as):
            action.setEnabled(not busy)
        self.export_cutout.setEnabled(not busy and document.cutout is not None)
        self.export_alpha.setEnabled(not busy and document.has("alpha"))
        self.export_layers.setEnabled(not busy and len(document.layers) > 0)

    def ask_open(self) -> None:
        if not self._window.project.confirm_discard():
            return
        folder = start_folder(self.settings, "project", self._window.document.folder())
        path = QFileDialog.getOpenFileName(self._window.window(), "Open Project", folder, PROJECT_FILTER)[0]
        if path:
            remember_folder(self.settings, "project", path)
            self._window.project.open(path)

    def _ask_export_path(self, title: str, name: str, filters: str) -> tuple[str, str]:
        folder = start_folder(self.settings, "export", self._window.document.folder())
        path, chosen = QFileDialog.getSaveFileName(
            self._window.window(), title, str(Path(folder) / name), filters
        )
        return path, chosen

    def ask_export_cutout(self) -> None:
        path, _ = self._ask_export_path("Export Cut-out", "cutout.png", CUTOUT_FILTER)
        if path:
            self.export_cutout_to(path)

    def ask_export_alpha(self) -> None:
        depth = self._window.document.bit_depth_of("alpha")
        path, chosen = self._ask_export_path("Export Alpha", "alpha.png", matte_filter(depth))
        if path:
            self.export_alpha_to(path, bit_depth=bit_depth_of(chosen, depth))

    def ask_export_layers(self) -> None:
        folder = start_folder(self.settings, "layers", self._window.document.folder())
        chosen = QFileDialog.getExistingDirectory(self._window.window(), "Export All Layers to", folder)
        if chosen:
            self.export_layers_to(chosen)

    def export_cutout_to(self, path: str, *, bit_depth: int | None = None) -> bool:
        """Write the decontaminated foreground with alpha as an RGBA PNG (a job), by default at the
        foreground photo's bit depth."""
        cutout = self._window.document.cutout
        if cutout is None:
            self._window.show_error("There is no cut-out to export yet: run Cut Out first.")
            return False
        if Path(path).suffix.lower() not in _CUTOUT_EXTENSIONS:
            path = str(Path(path).with_suffix(".png"))
        image = cutout_rgba(cutout.foreground, cutout.alpha)
        depth = self._window.document.bit_depth_of("alpha") if bit_depth is None else bit_depth
        photo = self.settings.photo_export(self._window.document.origin_of("alpha"))  # the foreground's
        quality = self.settings.get("export/quality")
        return self._run(path, export_single, path, image, bit_depth=depth, quality=quality, photo=photo)

    def export_alpha_to(self, path: str, *, bit_depth: int | None = None) -> bool:
        """Write the alpha as a single-channel image (a job), by default at the foreground's bit depth."""
        alpha = self._window.layers.get("alpha")
        if alpha is None:
            self._window.show_error("There is no alpha to export yet: run Cut Out first.")
            return False
        path = with_export_extension(path)
        depth = self._window.document.bit_depth_of("alpha") if bit_depth is None else bit_depth
        return self._run(path, export_single, path, alpha, bit_depth=depth)

    def export_layers_to(self, folder: str, *, bit_depth: int | None = None) -> bool:
        """Write every layer as a PNG into ``folder`` (a job), by default each at its source's bit depth."""
        document = self._window.document
        layers = {
            name: image
            for name in self._window.layers.names()
            if (image := self._window.layers.get(name)) is not None
        }
        depths = (
            bit_depth if bit_depth is not None else {name: document.bit_depth_of(name) for name in layers}
        )
        return self._run(folder, export_layers, folder, layers, bit_depth=depths, is_folder=True)

    def _run(
        self,
        target: str,
        function: Callable[..., str],
        /,
        *args: object,
        is_folder: bool = False,
        **kwargs: object,
    ) -> bool:
        remember_folder(self.settings, "layers" if is_folder else "export", target, is_folder=is_folder)
        return self._window.job_panel.run(
            f"Exporting {Path(target).name}",
            lambda written: self._window.statusBar().showMessage(f"Exported {written}", 10_000),
            function,
            *args,
            **kwargs,
        )

    def show_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self._window.window())
        if dialog.exec():
            self._window.apply_settings()
