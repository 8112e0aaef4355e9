"""The Tools dialogs' folders (issue 12, defect 8): no relative output folder resolved against the
program's working folder, a cancelled build says what it left, each Evaluate run its own report folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import app.gui.evaluate_dialog as evaluate_dialog
from app.evaluation.model_evaluation import ModelEvaluation
from app.gui.evaluate_dialog import EvaluateDialog
from app.gui.training_set_dialog import TrainingSetDialog
from app.training import training_data
from classic.progress import Cancelled
from engine.model_store import ModelStore

TIMEOUT_MS = 30_000


def test_a_relative_output_folder_is_refused_not_put_in_the_working_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dialog = TrainingSetDialog()
    qtbot.addWidget(dialog)
    dialog.out.setText("training")
    dialog.wallpapers.setChecked(True)
    assert not dialog.start() and "full path" in dialog.status.text()
    assert not (tmp_path / "training").exists()
    store = ModelStore(tmp_path / "models")
    evaluation = EvaluateDialog(store=store)
    qtbot.addWidget(evaluation)
    evaluation.data.setText(str(tmp_path))
    evaluation.out.setText("report")
    assert not evaluation.start() and "full path" in evaluation.status.text()


def test_a_cancelled_build_says_it_left_a_partial_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_build(options: training_data.BuildOptions, *, progress: Any, is_cancelled: Any) -> Any:
        (options.out / "foregrounds").mkdir(parents=True)
        (options.out / "foregrounds" / "one.png").write_bytes(b"")
        while not is_cancelled():
            progress(0.5, "clip-art: 1/5 kept of 3 read")
            time.sleep(0.01)
        raise Cancelled()

    monkeypatch.setattr(training_data, "build_training_set", fake_build)
    dialog = TrainingSetDialog()
    qtbot.addWidget(dialog)
    dialog.out.setText(str(tmp_path / "training"))
    dialog.wallpapers.setChecked(True)
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.job_panel.bar.value() > 0, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(dialog.runner.cancelled, timeout=TIMEOUT_MS):
        dialog.job_panel.cancel_button.click()
    text = dialog.status.text()
    assert "Cancelled" in text and str(tmp_path / "training") in text and "partly built" in text


def test_a_second_evaluate_run_gets_a_new_report_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Path] = []

    def fake_evaluate(task: str, data: Path, out: Path, **_kwargs: Any) -> ModelEvaluation:
        out.mkdir(parents=True)
        (out / "report.md").write_text("# Report\n")
        written.append(out)
        return ModelEvaluation(out / "report.md", {}, ())

    monkeypatch.setattr(evaluate_dialog, "evaluate_model", fake_evaluate)
    dialog = EvaluateDialog(store=ModelStore(tmp_path / "models"))
    qtbot.addWidget(dialog)
    dialog.data.setText(str(tmp_path))
    for _run in range(2):
        with qtbot.waitSignal(dialog.runner.finished, timeout=TIMEOUT_MS):
            assert dialog.start()
    assert len(written) == 2 and written[0] != written[1]
    assert written[1].parent == written[0].parent == tmp_path / "models" / "evaluations"
