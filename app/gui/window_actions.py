"""The main window's actions, menus and toolbar, and the file dialogs they open.

Kept apart from ``main_window`` so the window holds behaviour, not widget plumbing. Actions that change
the document are disabled while a job runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QToolBar

from app.gui import file_dialogs
from app.gui.export_dialog import ask_export_composite
from app.gui.file_dialogs import remember_folder, start_folder
from app.gui.window_api import MainWindowApi

if TYPE_CHECKING:
    from app.gui.canvas import Canvas
    from app.gui.job_panel import JobPanel
    from app.gui.settings import Settings
    from app.model.document import Document


class ActionsWindow(MainWindowApi, Protocol):
    """What the window's actions, menus and toolbar use of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def canvas(self) -> Canvas: ...
    @property
    def job_panel(self) -> JobPanel: ...

    def close(self, /) -> bool: ...
    def run_cutout(self) -> bool: ...
    def run_composite(self, method: str | None = None) -> bool: ...
    def load_foreground(self, path: str) -> bool: ...
    def load_background(self, path: str) -> bool: ...
    def export_composite(self, path: str, *, bit_depth: int | None = None) -> bool: ...
    def addToolBar(self, title: str, /) -> QToolBar: ...


Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


class WindowActions:
    """Creates the window's QActions; ``build_menus`` lays them out, ``update`` enables them."""

    def __init__(self, window: ActionsWindow) -> None:
        self._window = window
        canvas = window.canvas
        self.open_foreground = self._action(
            "Open &Foreground…",
            self.ask_foreground,
            "Ctrl+Shift+F",  # Ctrl+O opens a project.
        )
        self.open_background = self._action("Open &Background…", self.ask_background, "Ctrl+Shift+O")
        self.export = self._action("&Export Composite…", self.ask_export, "Ctrl+E")
        self.quit = self._action("&Quit", window.close, QKeySequence.StandardKey.Quit)
        self.cutout = self._action("&Cut Out Automatically", window.run_cutout, "Ctrl+K")
        self.composite = self._action("C&omposite", lambda: window.run_composite(), "Ctrl+Return")
        self.cancel = self._action("Cancel &Job", window.job_panel.cancel, "Esc")
        self.fit = self._action("&Fit to Window", canvas.fit_to_window, "Ctrl+0")
        self.actual_size = self._action("&Actual Size (100 %)", canvas.actual_size, "Ctrl+1")
        self.zoom_in = self._action("Zoom &In", lambda: canvas.zoom_by(1.25), QKeySequence.StandardKey.ZoomIn)
        self.zoom_out = self._action(
            "Zoom &Out", lambda: canvas.zoom_by(0.8), QKeySequence.StandardKey.ZoomOut
        )
        self.cutout.setToolTip("Find the subject of the foreground photo and cut it out (alpha matte)")
        self.composite.setToolTip("Place the cut-out subject on the background (cuts out first if needed)")

    def _action(self, text: str, slot: Callable[[], object], shortcut: Shortcut = None) -> QAction:
        action = QAction(text, self._window.window())
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)  # Shortcuts work even where the menu bar is hidden.
        return action

    def build_menus(self, toggle_layers: QAction, method_combo: QComboBox) -> None:
        menu_bar = self._window.menuBar()
        file_menu = menu_bar.addMenu("&File")
        file_menu.addActions([self.open_foreground, self.open_background])
        file_menu.addSeparator()
        file_menu.addAction(self.export)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        image_menu = menu_bar.addMenu("&Image")
        image_menu.addActions([self.cutout, self.composite])
        image_menu.addSeparator()
        image_menu.addAction(self.cancel)
        view_menu = menu_bar.addMenu("&View")
        view_menu.addActions([self.fit, self.actual_size, self.zoom_in, self.zoom_out])
        view_menu.addSeparator()
        view_menu.addAction(toggle_layers)
        self._view_menu, self._listed = view_menu, {toggle_layers}

        toolbar = self._window.addToolBar("Main")
        toolbar.setObjectName("main toolbar")
        toolbar.addActions([self.open_foreground, self.open_background])
        toolbar.addSeparator()
        toolbar.addAction(self.cutout)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Method: "))
        toolbar.addWidget(method_combo)
        toolbar.addAction(self.composite)
        toolbar.addSeparator()
        toolbar.addAction(self.export)
        self._method_combo = method_combo

    def list_panels(self) -> None:
        """Add a show / hide entry to the View menu for every dock and toolbar not listed yet."""
        window, menu = self._window, self._view_menu
        docks = [
            (dock.windowTitle(), dock.toggleViewAction())
            for dock in window.window().findChildren(QDockWidget)
        ]
        bars = [
            (f"{bar.windowTitle()} Toolbar", bar.toggleViewAction())
            for bar in window.window().findChildren(QToolBar)
        ]
        for text, action in docks + bars:
            if action not in self._listed:
                action.setText(text)
                menu.addAction(action)
                self._listed.add(action)

    def update(self, *, busy: bool, has_foreground: bool, has_background: bool, has_composite: bool) -> None:
        """Enable what makes sense now: nothing that changes the document while a job runs."""
        idle = not busy
        self.open_foreground.setEnabled(idle)
        self.open_background.setEnabled(idle)
        self.cutout.setEnabled(idle and has_foreground)
        self.composite.setEnabled(idle and has_foreground and has_background)
        self._method_combo.setEnabled(idle)
        self.export.setEnabled(idle and has_composite)
        self.cancel.setEnabled(busy)

    def ask_foreground(self) -> None:
        self._ask_photo("Open Foreground", self._window.load_foreground)

    def ask_background(self) -> None:
        self._ask_photo("Open Background", self._window.load_background)

    def _ask_photo(self, title: str, load: Callable[[str], bool]) -> None:
        settings = self._window.settings
        folder = start_folder(settings, "photo", self._window.document.folder())
        path = file_dialogs.ask_photo_path(self._window.window(), title, folder)  # Replaced by tests.
        if path:
            remember_folder(settings, "photo", path)
            load(path)

    def ask_export(self) -> None:
        ask_export_composite(self._window)  # Name, then format, depth, quality, profile.
