"""Autosave as a job: written off the GUI thread from a snapshot that later edits do not reach, one at a
time, and cancelled and waited for when the window closes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

import app.gui.project_controller as project_controller
from app.gui.main_window import MainWindow
from app.model.document import Document
from app.project.session import load_project, restore, save_project, snapshot
from classic.pipeline import Cutout

SIZE = (12, 16)


def small_document() -> Document:
    document = Document()
    document.set_foreground(np.full((*SIZE, 3), 0.25, np.float32), name="fg.png")
    document.set_background(np.full((14, 18, 3), 0.75, np.float32), name="bg.png")
    mask = np.zeros(SIZE, np.float32)
    mask[3:9, 4:12] = 1.0
    trimap = np.where(mask > 0, np.float32(1.0), np.float32(0.0))
    document.set_cutout(Cutout(mask, trimap, mask.copy(), np.full((*SIZE, 3), 0.5, np.float32)))
    return document


class GatedSave:
    """``save_project`` that, off the GUI thread, records its thread and waits for ``gate`` first."""

    def __init__(self) -> None:
        self.gui_thread = QThread.currentThread()
        self.gate = threading.Event()
        self.threads: list[QThread] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if QThread.currentThread() is self.gui_thread:  # A save the user asked for.
            return save_project(*args, **kwargs)
        with self._lock:
            self.threads.append(QThread.currentThread())
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if not self.gate.wait(10.0):
                raise TimeoutError("the test never opened the gate")
            return save_project(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedSave]:
    save = GatedSave()
    monkeypatch.setattr(project_controller, "save_project", save)
    yield save
    save.gate.set()  # Never leave a worker waiting.


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    main = MainWindow()
    qtbot.addWidget(main)
    restore(main.document, snapshot(small_document()))
    main.project.autosave_timer.stop()  # The tests start autosaves themselves.
    return main


def test_autosave_writes_off_the_gui_thread_from_a_snapshot(
    window: MainWindow, gated: GatedSave, qtbot: QtBot
) -> None:
    recovery = window.project.recovery_path
    assert window.project.autosave()
    # The GUI thread is free while the job waits: an edit made now must not reach the file being written.
    assert window.project.autosaving and not recovery.exists()
    qtbot.waitUntil(lambda: len(gated.threads) == 1, timeout=5_000)
    assert gated.threads[0] is not QThread.currentThread()
    before = window.layers.get("segmentation mask")
    assert before is not None
    saved_mask = before.copy()
    before[0:2, 0:2] = 1.0  # A brush dab, in place.
    with qtbot.waitSignal(window.project.autosaved, timeout=10_000):
        gated.gate.set()
    assert not window.project.autosaving
    np.testing.assert_array_equal(load_project(recovery).layers["segmentation mask"], saved_mask)


def test_a_change_during_an_autosave_is_saved_after_it_never_beside_it(
    window: MainWindow, gated: GatedSave, qtbot: QtBot
) -> None:
    assert window.project.autosave()
    qtbot.waitUntil(lambda: len(gated.threads) == 1, timeout=5_000)
    window.layers.set_region("alpha", (slice(0, 2), slice(0, 3)), np.ones((2, 3), np.float32))
    assert not window.project.autosave()  # Queued behind the running one.
    with qtbot.waitSignals([window.project.autosaved, window.project.autosaved], timeout=10_000):
        gated.gate.set()
    assert len(gated.threads) == 2 and gated.most_at_once == 1
    alpha = load_project(window.project.recovery_path).layers["alpha"]
    assert np.all(alpha[0:2, 0:3] == 1.0)  # The second autosave has the change.


def test_closing_cancels_and_waits_for_a_running_autosave(
    window: MainWindow, gated: GatedSave, qtbot: QtBot
) -> None:
    recovery = window.project.recovery_path
    assert window.project.autosave()
    qtbot.waitUntil(lambda: len(gated.threads) == 1, timeout=5_000)
    threading.Timer(0.2, gated.gate.set).start()  # The save goes on while the window is closing.
    assert window.close()
    assert gated.running == 0 and not recovery.exists()  # Waited for, and then the file went.
    assert not window.project.autosave()  # No autosave starts after the close.


def test_saving_while_an_autosave_runs_leaves_no_recovery_file(
    window: MainWindow, gated: GatedSave, qtbot: QtBot, tmp_path: Path
) -> None:
    assert window.project.autosave()
    qtbot.waitUntil(lambda: len(gated.threads) == 1, timeout=5_000)
    assert window.project.save(str(tmp_path / "saved.zip"))
    with qtbot.waitSignal(window.project.autosaved, timeout=10_000):
        gated.gate.set()
    assert not window.project.recovery_path.exists()  # Everything is in the saved project.


def test_autosave_snapshot_shares_photos_and_copies_only_changed_mattes() -> None:
    document = small_document()
    kept: dict[str, np.ndarray] = {}
    first = snapshot(document, kept=kept)
    assert first.layers["foreground"] is document.layers.get("foreground")  # Never changed in place.
    assert first.foreground_colours is not None and document.cutout is not None
    assert first.foreground_colours is document.cutout.foreground
    mask = document.layers.get("segmentation mask")
    assert first.layers["segmentation mask"] is not mask
    assert not first.layers["segmentation mask"].flags.writeable
    kept.pop("alpha")  # As the controller does when the alpha changes.
    second = snapshot(document, kept=kept)
    assert second.layers["segmentation mask"] is first.layers["segmentation mask"]  # Reused.
    assert second.layers["alpha"] is not first.layers["alpha"]
    full = snapshot(document)
    assert all(full.layers[name] is not document.layers.get(name) for name in full.layers)
