"""One autosave per window (issue 12, defect 4): a second window never takes the first one's autosave for
a crash, and answering No to recovery never deletes the autosave of a window that runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import app.gui.project_controller as project_controller
from app.gui.main_window import MainWindow
from app.project.session import restore, save_project, snapshot
from tests.app.gui.test_autosave import small_document


def _window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    return window


def _declining(asked: list[str]) -> Callable[[QWidget], bool]:
    """A recovery question that notes it was asked and answers No."""

    def ask(_parent: QWidget) -> bool:
        asked.append("asked")
        return False

    return ask


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


def test_a_second_window_neither_offers_nor_removes_the_first_ones_autosave(qtbot: QtBot) -> None:
    first = _window(qtbot)
    restore(first.document, snapshot(small_document()))
    with qtbot.waitSignal(first.project.autosaved, timeout=10_000):
        assert first.project.autosave()
    assert first.project.recovery_path.exists()
    asked: list[str] = []
    second = _window(qtbot)
    second.project.ask_recover = _declining(asked)
    assert not second.project.offer_recovery()
    assert asked == [] and first.project.recovery_path.exists()
    assert second.project.recovery_path != first.project.recovery_path  # Each window its own autosave.
    restore(second.document, snapshot(small_document()))
    with qtbot.waitSignal(second.project.autosaved, timeout=10_000):
        assert second.project.autosave()
    second.project.modified = False
    second.close()  # A clean close removes its own autosave only.
    assert not second.project.recovery_path.exists() and first.project.recovery_path.exists()


@pytest.mark.skipif(os.name == "nt", reason="process ids are not checked on Windows")
def test_only_autosaves_whose_process_is_gone_are_offered(qtbot: QtBot) -> None:
    folder = project_controller.recovery_folder()
    folder.mkdir(parents=True, exist_ok=True)
    running, crashed = folder / "recovery.zip", folder / "recovery-w2.zip"
    for path, pid in ((running, os.getppid()), (crashed, _dead_pid())):  # Another instance; a crash.
        save_project(snapshot(small_document()), path)
        path.with_suffix(".lock").write_text(f"{pid}\n")
    asked: list[str] = []
    window = _window(qtbot)
    window.project.ask_recover = _declining(asked)
    assert not window.project.offer_recovery()
    assert asked == ["asked"]  # Once: for the crashed one.
    assert running.exists() and not crashed.exists()
    assert window.project.recovery_path not in (running,)


def test_a_recovered_autosave_becomes_the_windows_own(qtbot: QtBot) -> None:
    folder = project_controller.recovery_folder()
    folder.mkdir(parents=True, exist_ok=True)
    crashed = folder / "recovery.zip"
    save_project(snapshot(small_document()), crashed)  # A crash of a version without locks, or a torn lock.
    window = _window(qtbot)
    window.project.ask_recover = lambda parent: True
    assert window.project.offer_recovery() and window.project.recovery_path == crashed
    assert window.document.has("alpha")
    other = _window(qtbot)  # Now owned by a running window: not offered again.
    other.project.ask_recover = lambda parent: pytest.fail("offered a running window's autosave")
    assert not other.project.offer_recovery() and crashed.exists()


def test_the_lock_names_the_process(qtbot: QtBot) -> None:
    window = _window(qtbot)
    lock = window.project.recovery_path.with_suffix(".lock")
    assert lock.read_text().split() == [str(os.getpid())]
    window.close()
    assert not lock.exists()


def test_an_unwritable_recovery_folder_does_not_stop_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    window = MainWindow()
    qtbot.addWidget(window)
    controller = project_controller.ProjectController(window, recovery_path=blocked / "recovery.zip")
    assert not controller.offer_recovery()
