"""The Tools menu of the main window, the model chooser, and evaluating a chosen model version (the job
directly, then through the dialog) without changing the version in use."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.evaluation.model_evaluation import default_methods, evaluate_model
from app.gui.evaluate_dialog import EvaluateDialog
from app.gui.fine_tune_dialog import FineTuneDialog
from app.gui.main_window import MainWindow
from app.gui.model_chooser import ModelChooser, version_text
from app.gui.training_set_dialog import TrainingSetDialog
from app.training import training_data
from classic.progress import Cancelled
from engine.model_store import SHIPPED_DEFAULT, ModelStore
from engine.weights import WEIGHTS_ENVIRONMENT
from tests.app.evaluation.test_evaluation import make_segmentation_set
from tests.app.training.test_fine_tune import untrained

TIMEOUT_MS = 60_000


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    """A store with two segmentation versions, v2 in use; nothing shipped."""
    models = ModelStore(tmp_path / "models", shipped=tmp_path / "shipped")
    for seed, note in ((1, "first"), (2, "second")):
        models.add("segmentation", untrained(tmp_path / f"{seed}.pt", seed=seed), note=note)
    models.select("segmentation", 2)
    return models


def test_the_chooser_lists_and_selects_versions(qtbot: QtBot, store: ModelStore) -> None:
    chooser = ModelChooser(store, "segmentation")
    qtbot.addWidget(chooser)
    texts = [chooser.itemText(i) for i in range(chooser.count())]
    assert texts[0] == f"{SHIPPED_DEFAULT} (none installed)"
    assert texts[1:] == [version_text(v) for v in store.versions("segmentation")] and "second" in texts[2]
    assert chooser.currentIndex() == 2 and chooser.chosen() == store.version("segmentation", 2)
    with qtbot.waitSignal(chooser.selection_changed) as changed:
        chooser.setCurrentIndex(1)
        chooser.activated.emit(1)
    assert changed.args == ["segmentation", store.version("segmentation", 1)]
    assert store.selected("segmentation") == store.version("segmentation", 1)

    picker = ModelChooser(store, "segmentation", selects=False)  # Only picks: the selection stays.
    qtbot.addWidget(picker)
    picker.setCurrentIndex(2)
    picker.activated.emit(2)
    assert picker.chosen_path() == store.version("segmentation", 2).path
    assert store.selected("segmentation") == store.version("segmentation", 1)
    picker.set_kind("matting")
    assert picker.count() == 1 and picker.chosen() is None and picker.chosen_path() is None


def test_evaluate_model_uses_the_chosen_version_only_for_the_job(
    store: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "no-weights"))  # Nothing installed otherwise.
    data = make_segmentation_set(tmp_path / "set")
    version = store.version("segmentation", 1)
    progress: list[float] = []
    result = evaluate_model(
        "segmentation",
        data,
        tmp_path / "report",
        methods=default_methods("segmentation"),
        weights=version.path,
        label=version.label,
        progress=lambda fraction, message: progress.append(fraction),
    )
    assert set(result.summary) == {"network", "grabcut"} and "iou" in result.summary["network"]
    assert (
        result.report == tmp_path / "report" / "report.md"
        and "segmentation network: v1" in result.report.read_text()
    )
    assert json.loads((tmp_path / "report" / "summary.json").read_text()).keys() == {"network", "grabcut"}
    assert progress[-1] == 1.0


def test_the_evaluate_dialog_shows_the_summary_and_the_report(
    qtbot: QtBot, store: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "no-weights"))
    dialog = EvaluateDialog(store=store)
    qtbot.addWidget(dialog)
    dialog.task.setCurrentText("segmentation")
    assert dialog.checked_methods() == ["network", "grabcut"]  # In the task's order: the network first.
    assert Path(dialog.out.text()).parent == store.root / "evaluations"
    dialog.model.setCurrentIndex(1)  # v1, while v2 stays in use.
    dialog.data.setText(str(make_segmentation_set(tmp_path / "set")))
    dialog.out.setText(str(tmp_path / "report"))
    with qtbot.waitSignal(dialog.runner.finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 2 and dialog.table.columnCount() == 2
    assert dialog.table.verticalHeaderItem(0).text() == "network"
    assert str(tmp_path / "report" / "report.md") in dialog.status.text() and dialog.open_button.isEnabled()
    assert store.selected("segmentation") == store.version("segmentation", 2)


def test_the_evaluate_dialog_needs_data(qtbot: QtBot, store: ModelStore) -> None:
    dialog = EvaluateDialog(store=store)
    qtbot.addWidget(dialog)
    assert not dialog.start() and "Choose a data folder" in dialog.status.text()


def test_the_tools_menu_opens_each_dialog_once(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tools")
    assert isinstance(tools, QMenu)
    assert [a.text() for a in tools.actions()] == [
        "&Fine-tune on My Images…",
        "&Build Training Set…",
        "&Evaluate Model…",
    ]
    window.tools_menu.fine_tune.trigger()
    dialog = window.tools_menu.dialogs["fine-tune"]
    assert isinstance(dialog, FineTuneDialog) and dialog.isVisible()
    assert dialog.source._current() is None  # No foreground open: no session to learn from.
    window.tools_menu.fine_tune.trigger()
    assert window.tools_menu.dialogs["fine-tune"] is dialog  # Raised, not opened twice.
    dialog.reject()
    assert "fine-tune" not in window.tools_menu.dialogs
    window.tools_menu.evaluate.trigger()
    assert isinstance(window.tools_menu.dialogs["evaluate"], EvaluateDialog)
    window.tools_menu.build_training_set.trigger()
    assert isinstance(window.tools_menu.dialogs["build-training-set"], TrainingSetDialog)


def test_the_training_set_dialog_runs_the_command(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = TrainingSetDialog()
    qtbot.addWidget(dialog)
    assert not dialog.start() and "output folder" in dialog.status.text()
    dialog.out.setText(str(tmp_path / "training"))
    assert not dialog.start() and "at least one source" in dialog.status.text()
    shared = tmp_path / "shared"
    for folder in ("foregrounds", "backgrounds"):
        (shared / folder).mkdir(parents=True)
    dialog.shared.setText(str(shared))
    with qtbot.waitSignal(dialog.runner.finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
        assert not dialog.build_button.isEnabled()
    assert dialog.summary is not None and dialog.summary[:2] == (0, 0)
    assert (tmp_path / "training" / "licences" / "PROVENANCE.md").is_file()
    assert "0 foregrounds and 0 backgrounds" in dialog.status.text() and dialog.build_button.isEnabled()


def test_the_training_set_dialog_passes_its_options_and_can_cancel(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[training_data.BuildOptions] = []

    def fake_build(options: training_data.BuildOptions, *, progress: Any, is_cancelled: Any) -> Any:
        seen.append(options)
        while not is_cancelled():  # Until Cancel (the test fails on its timeout otherwise).
            progress(0.5, "clip-art: 1/5 kept of 3 read")
            time.sleep(0.01)
        raise Cancelled()

    monkeypatch.setattr(training_data, "build_training_set", fake_build)
    dialog = TrainingSetDialog()
    qtbot.addWidget(dialog)
    dialog.out.setText(str(tmp_path / "training"))
    dialog.clipart.setValue(5)
    dialog.wallpapers.setChecked(True)
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.job_panel.bar.value() > 0, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(dialog.runner.cancelled, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.job_panel.cancel_button, Qt.MouseButton.LeftButton)
    assert seen == [training_data.BuildOptions(tmp_path / "training", None, 5, True)]
    assert "cancelled" in dialog.status.text() and dialog.summary is None
