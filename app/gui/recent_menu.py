"""File ▸ Open Recent: the photos and projects opened lately, most recent first (``app.model.recent_files``).

A photo is listed when it has been opened, whichever way (a dialog, a drop, the command line, this menu);
a project when it has been opened or saved. The list lives in the ``recent/files`` setting, at most
``RECENT_LIMIT`` entries. A file that is not found is shown disabled (it may be on a drive that is not
mounted) until it falls off the end of the list or *Clear Recent* empties it.

Choosing a project opens it as File ▸ Open Project… does, asking first about unsaved changes. Choosing a
photo opens it as the foreground when the document has none, as a single dropped photo is; otherwise it
asks whether it is the foreground or the background, offering first the role it was opened as last
time. ``ask_role`` is looked up at call time, so tests replace it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from app.gui.window_api import MainWindowApi
from app.model.recent_files import RecentFile, added, decode, encode

if TYPE_CHECKING:
    from app.gui.project_controller import ProjectController
    from app.gui.settings import Settings
    from app.gui.window_actions import WindowActions
    from app.model.document import Document


class RecentFilesWindow(MainWindowApi, Protocol):
    """What the Open Recent menu uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def project(self) -> ProjectController: ...
    @property
    def menu_actions(self) -> WindowActions: ...

    def open_photos(self, roles: dict[str, str]) -> bool: ...


def _ask_role(parent: QWidget, name: str, default: str) -> str | None:
    box = QMessageBox(QMessageBox.Icon.Question, "Open Recent", f"Open {name} as the…", parent=parent)
    foreground = box.addButton("Foreground", QMessageBox.ButtonRole.AcceptRole)
    background = box.addButton("Background", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(background if default == "background" else foreground)
    box.exec()
    clicked = box.clickedButton()
    return "foreground" if clicked is foreground else "background" if clicked is background else None


class RecentFiles:
    """Keeps the recent-files list and the File menu's *Open Recent* submenu (``menu``) showing it."""

    def __init__(self, window: RecentFilesWindow) -> None:
        self._window = window
        self.ask_role: Callable[[QWidget, str, str], str | None] = lambda *args: _ask_role(*args)
        self.menu = QMenu("Open &Recent", window.window())
        file_menu = window.menuBar().actions()[0].menu()
        assert isinstance(file_menu, QMenu)
        actions = file_menu.actions()
        after = actions.index(window.menu_actions.open_background) + 1  # Below the photos' entries.
        if after < len(actions):
            file_menu.insertMenu(actions[after], self.menu)
        else:
            file_menu.addMenu(self.menu)
        window.project.opened.connect(lambda path: self.add(path, "project"))
        window.project.saved.connect(lambda path: self.add(path, "project"))
        self.menu.aboutToShow.connect(self._rebuild)  # Files come and go: found or not, as of now.
        self._rebuild()

    def entries(self) -> list[RecentFile]:
        return decode(self._window.settings.get("recent/files"))

    def add(self, path: str, kind: str) -> None:
        """List ``path`` (a ``foreground``, ``background`` or ``project``) first."""
        self._store(added(self.entries(), path, kind))

    def add_photos(self, roles: dict[str, str]) -> None:
        """List opened photos, ``{role: path}``; the foreground ends first, as it is what a user opens last
        after a drop of both."""
        for role in ("background", "foreground"):
            if role in roles:
                self.add(roles[role], role)

    def clear(self) -> None:
        self._store([])

    def _store(self, entries: list[RecentFile]) -> None:
        settings = self._window.settings
        settings.set("recent/files", encode(entries))
        settings.sync()
        self._rebuild()

    def _rebuild(self) -> None:
        menu = self.menu
        menu.clear()
        entries = self.entries()
        for number, entry in enumerate(entries, start=1):
            name = Path(entry.path).name.replace("&", "&&") + (" (project)" if entry.is_project else "")
            found = entry.exists()
            action = menu.addAction(f"&{number % 10} {name}" + ("" if found else " (not found)"))
            action.setToolTip(entry.path)
            action.setStatusTip(entry.path)
            action.setEnabled(found)
            action.triggered.connect(lambda _checked=False, chosen=entry: self.open(chosen))
        if not entries:
            menu.addAction("No recent files").setEnabled(False)
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        clear = menu.addAction("&Clear Recent", self.clear)
        clear.setEnabled(bool(entries))

    def open(self, entry: RecentFile) -> bool:
        """Open ``entry`` (see the module's docstring for which role a photo takes)."""
        window = self._window
        if not entry.exists():
            self._rebuild()
            return False
        if entry.is_project:
            return window.project.open_dropped(entry.path)  # Asks about unsaved changes first.
        if window.document.has("foreground"):
            role = self.ask_role(window.window(), Path(entry.path).name, entry.kind)
            if role is None:
                return False
        else:
            role = "foreground"
        return window.open_photos({role: entry.path})
