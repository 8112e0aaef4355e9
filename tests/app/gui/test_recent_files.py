"""File ▸ Open Recent: what is listed (photos however opened, projects opened or saved), in which order,
kept across windows, cleared; and what choosing an entry opens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.model.recent_files import RECENT_LIMIT, RecentFile
from tests.app.gui.test_main_window import drop_and_wait

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    main_window = MainWindow()
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", errors.append)
    qtbot.addWidget(main_window)
    return main_window


def _texts(window: MainWindow) -> list[str]:
    return [action.text() for action in window.recent_files.menu.actions() if not action.isSeparator()]


def test_the_submenu_sits_in_the_file_menu_below_the_photos(window: MainWindow) -> None:
    file_menu = window.menuBar().actions()[0].menu()
    actions = file_menu.actions()  # type: ignore[union-attr]
    index = actions.index(window.menu_actions.open_background)
    assert actions[index + 1].menu() is window.recent_files.menu
    assert _texts(window) == ["No recent files", "&Clear Recent"]


def test_dropped_photos_and_saved_projects_are_listed_newest_first_and_kept(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, tmp_path: Path
) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path, photos.background_path])
    assert window.recent_files.entries() == [
        RecentFile(photos.foreground_path, "foreground"),
        RecentFile(photos.background_path, "background"),
    ]
    assert window.project.save(str(tmp_path / "session.zip"))
    entries = window.recent_files.entries()
    assert entries[0] == RecentFile(str(tmp_path / "session.zip"), "project") and len(entries) == 3
    assert _texts(window)[:3] == ["&1 session.zip (project)", "&2 disc.png", "&3 sky.png"]
    again = MainWindow()  # Another window (a later session) reads the same settings.
    qtbot.addWidget(again)
    assert again.recent_files.entries() == entries


def test_the_list_holds_ten_shows_missing_files_disabled_and_clears(
    window: MainWindow, tmp_path: Path
) -> None:
    for number in range(RECENT_LIMIT + 2):
        path = tmp_path / f"{number}.png"
        path.touch()
        window.recent_files.add(str(path), "foreground")
    (tmp_path / f"{RECENT_LIMIT + 1}.png").unlink()  # The newest has gone since.
    window.recent_files.add(str(tmp_path / "3.png"), "background")  # Moved up, not listed twice.
    entries = window.recent_files.entries()
    assert len(entries) == RECENT_LIMIT and Path(entries[0].path).name == "3.png"
    actions = [action for action in window.recent_files.menu.actions() if action.toolTip().endswith(".png")]
    assert len(actions) == RECENT_LIMIT
    assert not actions[1].isEnabled() and actions[1].text().endswith("(not found)")
    assert all(action.isEnabled() for action in actions[2:]) and actions[-1].text().startswith("&0 ")
    clear = window.recent_files.menu.actions()[-1]
    assert clear.text() == "&Clear Recent" and clear.isEnabled()
    clear.trigger()
    assert window.recent_files.entries() == [] and _texts(window) == ["No recent files", "&Clear Recent"]
    assert window.settings.get("recent/files") == "[]"


def test_a_recent_photo_opens_as_the_foreground_then_asks(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos
) -> None:
    window.recent_files.add(photos.background_path, "background")
    window.recent_files.add(photos.foreground_path, "foreground")
    asked: list[tuple[str, str]] = []

    def ask(_parent: object, name: str, default: str) -> str | None:
        asked.append((name, default))
        return "background"

    window.recent_files.ask_role = ask
    first, second = window.recent_files.menu.actions()[:2]
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        first.trigger()  # The document has no foreground: no question.
    assert asked == [] and window.document.photo_source("foreground")[1] == photos.foreground_path
    second = window.recent_files.menu.actions()[1]  # Rebuilt: the foreground is first again.
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        second.trigger()
    assert asked == [("sky.png", "background")]
    assert window.document.photo_source("background")[1] == photos.background_path
    window.recent_files.ask_role = lambda *_args: None  # Cancel: nothing opens.
    assert not window.recent_files.open(RecentFile(photos.foreground_path, "foreground"))


def test_a_recent_project_opens_as_a_project_after_asking_about_unsaved_changes(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, tmp_path: Path
) -> None:
    photos.open_in(window.document)
    saved = str(tmp_path / "session.zip")
    assert window.project.save(saved)
    window.document.set_foreground(photos.background)  # An unsaved change.
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked: list[QMessageBox.StandardButton] = []

    def ask_close(_parent: object) -> QMessageBox.StandardButton:
        asked.append(answers[len(asked)])
        return asked[-1]

    window.project.ask_close = ask_close
    window.recent_files.menu.actions()[0].trigger()  # Cancelled: the project stays as it is.
    assert len(asked) == 1 and window.project.modified and not window.jobs.is_busy
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.recent_files.menu.actions()[0].trigger()
    assert len(asked) == 2 and window.project.path == saved and not window.project.modified
    assert window.recent_files.entries()[0] == RecentFile(saved, "project")
