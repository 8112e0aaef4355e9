"""File ▸ Add Clean Plate… and Remove Clean Plate: the foreground's clean plate, and whether the automatic
cut-out uses it.

A clean plate is one more shot from the same tripod without the subject (Background Matting, Sengupta et
al. 2020). It is read as a job, like the photos, and becomes the document's ``clean plate`` layer, under
the foreground in the layer panel (tick the foreground off to see it); a plate of another aspect ratio is
refused when it is added, with both sizes. While it is there and the
clean-plate matting network (``plate-matting``) is installed, the automatic cut-out matts the photo
against it (``Pipeline.cut_out_with_plate``, on the worker thread like every cut-out); without the
network Add Clean Plate… is disabled and its tooltip says why. Whether the network is installed is looked
up when the window is built, when the File menu opens and when a cut-out starts, not on every refresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.gui import file_dialogs
from app.gui.file_dialogs import remember_folder, start_folder
from app.gui.window_api import MainWindowApi
from app.model.export_options import PhotoOrigin
from app.model.tasks import load_photos
from classic.checks import InvalidInputError
from engine.pipeline import PLATE_DESCRIPTION
from engine.weights import installed_weights, weights_path

if TYPE_CHECKING:
    from app.gui.job_panel import JobPanel
    from app.gui.settings import Settings
    from app.gui.window_actions import WindowActions
    from app.model.document import Document
    from classic.imageio import LoadedImage
    from classic.pipeline import Cutout
    from engine.pipeline import Pipeline

KIND = "plate-matting"
ADD_TIP = "Add a shot of the same scene without the subject, from the same tripod: the cut-out uses it"


class CleanPlateWindow(MainWindowApi, Protocol):
    """What the clean-plate actions use of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def pipeline(self) -> Pipeline: ...
    @property
    def job_panel(self) -> JobPanel: ...
    @property
    def menu_actions(self) -> WindowActions: ...

    def show_error(self, message: str, /) -> None: ...


class CleanPlateActions(QObject):
    """The two File-menu entries, the job that reads a plate, and the plate the automatic cut-out uses."""

    def __init__(self, window: CleanPlateWindow) -> None:
        super().__init__(window.window())
        self._window = window
        self.installed = False
        self.add = QAction("Add C&lean Plate…", window.window())
        self.add.triggered.connect(lambda _checked=False: self.ask_plate())
        self.remove = QAction("Remove Clea&n Plate", window.window())
        self.remove.setToolTip("Drop the clean plate: the automatic cut-out goes back to the usual methods")
        self.remove.triggered.connect(lambda _checked=False: window.document.remove_clean_plate())
        for action in (self.add, self.remove):
            window.addAction(action)
        file_menu = window.menuBar().actions()[0].menu()
        assert isinstance(file_menu, QMenu)
        # At the end of the photo entries (Open Foreground…, Open Background…, Open Recent), before their
        # separator.
        entries = file_menu.actions()
        start = entries.index(window.menu_actions.open_background)
        following = next(action for action in entries[start:] if action.isSeparator())
        file_menu.insertActions(following, [self.add, self.remove])
        file_menu.setToolTipsVisible(True)  # Only entries with a tooltip of their own show one.
        file_menu.aboutToShow.connect(self.check_installed)
        self._cutout_tip = window.menu_actions.cutout.toolTip()
        self.check_installed()

    def check_installed(self) -> bool:
        """Look up whether the clean-plate matting network is installed now, and say so on the action."""
        folder = self._window.pipeline.options.weights_folder
        self.installed = installed_weights(KIND, folder=folder) is not None
        if self.installed:
            self.add.setToolTip(ADD_TIP)
        else:
            self.add.setToolTip(
                "Needs the clean-plate matting network, which is not installed yet "
                f"(expected {weights_path(KIND, folder=folder)})"
            )
        self.add.setStatusTip(self.add.toolTip())
        return self.installed

    def update(self, *, busy: bool) -> None:
        """Enable what makes sense now; the Cut Out action's tooltip says when it uses the plate."""
        document = self._window.document
        self.add.setEnabled(not busy and self.installed and document.has("foreground"))
        self.remove.setEnabled(not busy and document.clean_plate is not None)
        plate = ", by clean-plate matting against the clean plate" if self.uses_plate() else ""
        self._window.menu_actions.cutout.setToolTip(self._cutout_tip + plate)

    def uses_plate(self) -> bool:
        """Whether the automatic cut-out matts against a clean plate (as of the last installation check)."""
        return self.installed and self._window.document.clean_plate is not None

    def for_cutout(self) -> np.ndarray | None:
        """The plate the automatic cut-out matts against: the document's, while the network is installed."""
        plate = self._window.document.clean_plate
        return plate if plate is not None and self.check_installed() else None

    def note(self, cutout: Cutout) -> str:
        """What the status bar adds to a cut-out's method: that a plate went unused, and why."""
        if self._window.document.clean_plate is None or cutout.method == PLATE_DESCRIPTION or self.installed:
            return ""
        return " (the clean plate is unused: the clean-plate matting network is not installed)"

    def ask_plate(self) -> None:
        """Ask for the plate in the photo dialog (the photos' folder and preview), then read it."""
        settings, document = self._window.settings, self._window.document
        folder = start_folder(settings, "photo", document.folder())
        # Looked up at call time: tests replace it.
        path = file_dialogs.ask_photo_path(self._window.window(), "Add Clean Plate", folder)
        if path:
            remember_folder(settings, "photo", path)
            self.load(path)

    def load(self, path: str) -> bool:
        """Read the plate at ``path`` as a job and give it to the foreground; False if no job started."""
        if not self._window.document.has("foreground"):
            self._window.show_error("Open a foreground photo first: the clean plate is a shot of its scene.")
            return False
        return self._window.job_panel.run(
            f"Opening {Path(path).name}",
            lambda loaded: self._loaded(path, loaded),
            load_photos,
            {"clean plate": path},
            limits=self._window.settings.image_limits(),
        )

    def _loaded(self, path: str, loaded: dict[str, LoadedImage]) -> None:
        plate, name = loaded["clean plate"], Path(path).name
        try:
            self._window.document.set_clean_plate(
                plate.rgb, name=name, path=path, bit_depth=plate.bit_depth, origin=PhotoOrigin.of(plate)
            )
        except InvalidInputError as error:  # another framing: refused now, not at the next cut-out
            self._window.show_error(f"{name} cannot be this photo's clean plate: {error}")
            return
        uses = "uses it" if self.installed else "cannot use it: the network is not installed"
        self._window.statusBar().showMessage(f"Clean plate {name} added: the cut-out {uses}", 10_000)
