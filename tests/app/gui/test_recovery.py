"""A damaged recovery file never blocks a start; leftovers of a killed autosave are removed at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import app.gui.project_controller as project_controller
from app.gui.main_window import MainWindow
from app.project.session import save_project, snapshot
from tests.app.gui.test_autosave import small_document


def _window(qtbot: QtBot, errors: list[str]) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show_error = errors.append  # type: ignore[method-assign]
    window.project.ask_recover = lambda parent: True
    return window


def _crashed_session_recovery() -> Path:
    """Where the autosave of a session that crashed (no live owner, see ``app.project.recovery_lock``)
    lies."""
    folder = project_controller.recovery_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "recovery.zip"


@pytest.mark.parametrize("damage", ["garbage", "empty", "folder", "unexpected error"])
def test_a_damaged_recovery_file_is_moved_aside_with_one_message(
    damage: str, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[str] = []
    recovery = _crashed_session_recovery()
    if damage == "folder":
        recovery.mkdir()
    elif damage == "empty":
        recovery.write_bytes(b"")
    else:
        recovery.write_bytes(b"PK\x03\x04 not really a zip")
    if damage == "unexpected error":  # whatever a reader raises, the start goes on

        def explode(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("a bug in a reader")

        monkeypatch.setattr(project_controller, "load_project", explode)
    window = _window(qtbot, errors)
    assert not window.project.offer_recovery()
    assert len(errors) == 1 and "cannot be recovered" in errors[0] and "moved to" in errors[0]
    assert not recovery.exists()
    kept = [p for p in recovery.parent.iterdir() if p.name.startswith("recovery-damaged-")]
    assert len(kept) == 1 and kept[0].name.endswith(".zip")
    again = _window(qtbot, errors)
    assert not again.project.offer_recovery() and len(errors) == 1  # the next start asks nothing


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(os.name == "nt", reason="process ids are not checked on Windows")
def test_a_killed_autosave_leaves_nothing_after_the_next_start(qtbot: QtBot) -> None:
    errors: list[str] = []
    recovery = _crashed_session_recovery()
    save_project(snapshot(small_document()), recovery)
    dead = _dead_pid()
    half = recovery.parent / f".{recovery.name}.{dead}.x1.saving"  # killed while assembling
    (half / "project").mkdir(parents=True)
    (half / "project" / "alpha.png").write_bytes(b"\0" * 1000)
    (recovery.parent / f".{recovery.name}.{dead}.x2.part").write_bytes(b"half an archive")
    window = _window(qtbot, errors)
    assert window.project.offer_recovery() and errors == []
    # The recovered snapshot is the window's own now, with the window's lock beside it.
    assert sorted(os.listdir(recovery.parent)) == ["recovery.lock", recovery.name]
