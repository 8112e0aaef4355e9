"""The fine-tune dialog driven as a user would: choose the images, the network and the steps; Start; watch
the progress and the loss plot; Cancel; save a new version; select it and roll back in the chooser. The
trainer is a fake that reports a few steps (``tests.app.training.test_fine_tune.fake_training``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.fine_tune_dialog import FineTuneDialog
from app.training import fine_tune as fine_tune_module
from engine import model_store as model_store_module
from engine.model_store import SHIPPED_DEFAULT, ModelStore
from engine.weights import WEIGHTS_ENVIRONMENT
from tests.app.training.test_fine_tune import duts_folder, fake_training, session, untrained

TIMEOUT_MS = 20_000


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Shipped segmentation weights in a temporary folder, seen by the store and ``engine.weights``."""
    folder = tmp_path / "shipped"
    untrained(folder / "segmentation.pt", seed=9)
    monkeypatch.delenv(WEIGHTS_ENVIRONMENT, raising=False)
    monkeypatch.setattr(model_store_module, "WEIGHTS_FOLDER", folder)
    return folder


@pytest.fixture
def dialog(qtbot: QtBot, shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FineTuneDialog:
    monkeypatch.setattr(fine_tune_module, "_training", lambda: fake_training(tmp_path))
    # The store the pipeline reads ($COMPOSITOR_MODELS, a temporary folder: tests/conftest.py).
    window = FineTuneDialog(store=ModelStore(), current=session, device="cpu")
    qtbot.addWidget(window)
    window.show()
    return window


def run_to_the_end(qtbot: QtBot, dialog: FineTuneDialog) -> None:
    with qtbot.waitSignal(dialog.runner.finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert not dialog.start_button.isEnabled() and not dialog.network.isEnabled()


def cell(dialog: FineTuneDialog, row: int, column: int) -> str:
    item = dialog.scores.item(row, column)
    assert item is not None
    return item.text()


def choose_in(dialog: FineTuneDialog, text_start: str) -> None:
    """Pick the chooser's entry starting with ``text_start``, as a click in its list does."""
    chooser = dialog.chooser
    index = next(i for i in range(chooser.count()) if chooser.itemText(i).startswith(text_start))
    chooser.setCurrentIndex(index)
    chooser.activated.emit(index)


def test_train_save_select_and_roll_back(
    qtbot: QtBot, dialog: FineTuneDialog, shipped: Path, tmp_path: Path
) -> None:
    shipped_digest = hashlib.sha256((shipped / "segmentation.pt").read_bytes()).hexdigest()
    dialog.source.set_folder(duts_folder(tmp_path / "mine"))
    dialog.network.setCurrentIndex(dialog.network.findData("segmentation"))
    dialog.steps.setValue(3)
    assert [dialog.chooser.itemText(i) for i in range(dialog.chooser.count())] == [SHIPPED_DEFAULT]

    run_to_the_end(qtbot, dialog)
    assert dialog.plot.points == [(1.0, 1.0), (2.0, 0.5), (3.0, 1 / 3)]
    assert dialog.start_button.isEnabled() and dialog.save_button.isEnabled()
    cells = [[cell(dialog, 0, column) for column in range(3)]]
    assert cells == [["iou", "0.4", "0.6 (better)"]]
    assert "2 held-back images" in dialog.status.text()

    dialog.note.setText("my dogs")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    store = dialog.store
    (first,) = store.versions("segmentation")
    assert (first.note, first.base, first.metrics) == ("my dogs", SHIPPED_DEFAULT, {"iou": 0.6})
    assert store.selected("segmentation") == first and not dialog.save_button.isEnabled()
    assert dialog.chooser.currentText().startswith("v1") and "now in use" in dialog.status.text()

    # A second run starts from v1, the version in use, and records it as its base.
    run_to_the_end(qtbot, dialog)
    second = dialog.save_version()
    assert second is not None and second.base == "v1" and store.active_path("segmentation") == second.path

    choose_in(dialog, "v1")  # Roll back one version…
    assert store.selected("segmentation") == first
    choose_in(dialog, SHIPPED_DEFAULT)  # …or to the shipped default.
    assert store.selected("segmentation") is None
    assert store.active_path("segmentation") == shipped / "segmentation.pt"
    assert hashlib.sha256((shipped / "segmentation.pt").read_bytes()).hexdigest() == shipped_digest


def test_cancel_stops_training_and_offers_nothing_to_save(
    qtbot: QtBot, dialog: FineTuneDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fine_tune_module, "_training", lambda: fake_training(tmp_path, wait_for_cancel=True))
    dialog.source.set_folder(duts_folder(tmp_path / "mine"))
    assert dialog.start()
    qtbot.waitUntil(lambda: len(dialog.plot.points) >= 2, timeout=TIMEOUT_MS)
    assert dialog.job_panel.isVisible() and "Step 1/" in dialog.status.text()
    with qtbot.waitSignal(dialog.runner.cancelled, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.job_panel.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.trained is None and not dialog.save_button.isEnabled()
    assert dialog.start_button.isEnabled() and "cancelled" in dialog.status.text()
    assert dialog.save_version() is None and dialog.store.versions("segmentation") == []


def test_an_unusable_folder_is_refused_before_starting(dialog: FineTuneDialog, tmp_path: Path) -> None:
    assert not dialog.start()
    assert "choose a folder" in dialog.status.text()
    dialog.source.set_folder(tmp_path / "empty")
    assert not dialog.start() and "needs an image/ folder" in dialog.status.text()
    assert not dialog.runner.is_busy


def test_the_open_session_can_be_the_training_data(qtbot: QtBot, dialog: FineTuneDialog) -> None:
    dialog.source.sessions_choice.setChecked(True)
    dialog.network.setCurrentIndex(dialog.network.findData("matting"))
    dialog.steps.setValue(2)
    assert dialog.chooser.kind == "matting"
    run_to_the_end(qtbot, dialog)
    assert dialog.trained is not None and dialog.trained.kind == "matting"
    assert dialog.trained.before is None  # No matting network installed: trained from scratch.
    assert cell(dialog, 0, 1) == "—"
    version = dialog.save_version()
    assert version is not None and version.base.startswith("scratch")
    dialog.source.current_session.setChecked(False)
    assert not dialog.start() and "open a session" in dialog.status.text()
