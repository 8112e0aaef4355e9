"""Tools → Fine-tune on My Images…: train a network further on the user's images, watch the loss, compare
the model before and after on held-back images, save the result as a new version, choose the version in
use or roll back.

Training runs as a job (``app.training.fine_tune.fine_tune``) on the dialog's own ``JobRunner``, so the window
stays usable; its per-step reports reach the loss plot through a queued signal. Runs work in a temporary
folder that closing the dialog removes: only a saved version (copied into the model store) is kept.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.fine_tune_plot import LossPlot
from app.gui.fine_tune_source import SourcePicker
from app.gui.job_dialog import JobDialog
from app.gui.job_panel import JobPanel
from app.gui.model_chooser import ModelChooser
from app.project.session import ProjectState
from app.training.fine_tune import FineTuneRequest, FineTuneResult, describe_step, fine_tune, improved
from classic.checks import InvalidInputError
from engine.model_store import SHIPPED_DEFAULT, ModelStore, ModelStoreError, ModelVersion
from engine.weights import NETWORK_KINDS, installed_weights

DEFAULT_STEPS = 500


class _StepBridge(QObject):
    """Carries the trainer's reports from the job thread to the dialog (a queued connection)."""

    stepped = Signal(int, object)  # The run's number, a TrainProgress.


class FineTuneDialog(JobDialog):
    """Source, network and steps; Start / Cancel; the loss; before/after scores; save; the model chooser."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        store: ModelStore | None = None,
        current: Callable[[], ProjectState | None] | None = None,
        device: str = "auto",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-tune on My Images")
        self.store = store or ModelStore()
        self.device = device
        self.trained: FineTuneResult | None = None
        self._run = 0
        self._base = ""
        self._work: tempfile.TemporaryDirectory[str] | None = None
        self._bridge = _StepBridge(self)
        self._bridge.stepped.connect(self._on_step)

        self.source = SourcePicker(current, self)
        self.network = QComboBox()
        for kind in NETWORK_KINDS:
            self.network.addItem(kind.capitalize(), kind)
        self.steps = QSpinBox()
        self.steps.setRange(1, 1_000_000)
        self.steps.setSingleStep(100)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setToolTip("How long to train: each step learns from a batch of crops of your images")
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.job_panel = JobPanel(self.runner, self)
        self.plot = LossPlot(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.scores = QTableWidget(0, 3)
        self.scores.setHorizontalHeaderLabels(["Held-back score", "Before", "After"])
        self.scores.setMaximumHeight(120)
        self.scores.horizontalHeader().setStretchLastSection(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("A note to recognise this version by")
        self.save_button = QPushButton("Save as New Version")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_version)
        self.chooser = ModelChooser(self.store, self.kind, parent=self)
        self.chooser.failed.connect(self.status.setText)
        self.chooser.selection_changed.connect(self._on_selected)
        self.network.currentIndexChanged.connect(lambda _index: self.chooser.set_kind(self.kind))
        self.job_panel.failed.connect(self.status.setText)
        self.job_panel.notice.connect(self.status.setText)
        for outcome in (self.runner.finished, self.runner.failed, self.runner.cancelled):
            outcome.connect(lambda *_: self._set_running(False))
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Images:", self.source)
        form.addRow("Network:", self.network)
        form.addRow("Steps:", self.steps)
        run_row = QHBoxLayout()
        run_row.addWidget(self.start_button)
        run_row.addWidget(self.job_panel, 1)
        save_row = QHBoxLayout()
        save_row.addWidget(self.note, 1)
        save_row.addWidget(self.save_button)
        use_row = QHBoxLayout()
        use_row.addWidget(QLabel("Model in use:"))
        use_row.addWidget(self.chooser, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for part in (form, run_row):
            layout.addLayout(part)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.scores)
        for part in (save_row, use_row):
            layout.addLayout(part)
        layout.addWidget(close)

    @property
    def kind(self) -> str:
        """The network kind chosen."""
        return str(self.network.currentData())

    def start(self) -> bool:
        """Check the choices and start training; False (with the reason shown) when it cannot start."""
        if self.runner.is_busy:
            return False
        try:
            folder, sessions, description = self.source.resolve()
        except InvalidInputError as error:
            self.status.setText(str(error))
            return False
        run = self._run_folder()
        init = installed_weights(self.kind)
        self._base = self._base_label(init)
        request = FineTuneRequest(
            kind=self.kind,
            data=folder if folder is not None else run / "data",
            out=run / "out",
            steps=self.steps.value(),
            init=init,
            device=self.device,
            sessions=sessions,
        )
        self.trained = None
        self.plot.clear()
        self.scores.setRowCount(0)
        self.save_button.setEnabled(False)
        self.status.setText(f"Training the {self.kind} network on {description}, starting from {self._base}")
        self._set_running(True)

        def on_step(report: Any, number: int = self._run) -> None:
            self._bridge.stepped.emit(number, report)  # Called on the job thread.

        return self.job_panel.run(
            f"Fine-tuning ({self.kind})", self._on_done, fine_tune, request, on_step=on_step
        )

    def cancel(self) -> None:
        self.job_panel.cancel()

    def save_version(self) -> ModelVersion | None:
        """Copy the new model into the store as the next version and put it in use."""
        result = self.trained
        if result is None:
            return None
        note = self.note.text().strip() or f"fine-tuned for {result.steps_done} steps"
        try:
            version = self.store.add(
                result.kind, result.checkpoint, note=note, base=self._base, metrics=result.after
            )
            self.store.select(result.kind, version.version)
        except ModelStoreError as error:
            self.status.setText(str(error))
            return None
        self.save_button.setEnabled(False)
        self.chooser.set_kind(self.kind)
        self.status.setText(
            f"Saved as {result.kind} {version.label}, now in use. Choose another model below to roll back."
        )
        return version

    def _run_folder(self) -> Path:
        if self._work is None:
            self._work = tempfile.TemporaryDirectory(prefix="compositor-fine-tune.")
        self._run += 1
        return Path(self._work.name) / f"run-{self._run}"

    def _base_label(self, init: Path | None) -> str:
        if init is None:
            return "scratch (no trained model installed)"
        selected = self.chooser.chosen()
        return selected.label if selected is not None and selected.path == init else SHIPPED_DEFAULT

    def _set_running(self, running: bool) -> None:
        for widget in (self.source, self.network, self.steps, self.start_button, self.chooser):
            widget.setEnabled(not running)

    def _on_step(self, run: int, report: Any) -> None:
        if run != self._run:
            return  # A report of an earlier run, still queued.
        self.plot.add_point(report.step, report.loss)
        text = describe_step(report)
        if report.validation:
            text += " · held back: " + ", ".join(f"{k} {v:.4g}" for k, v in report.validation.items())
        self.status.setText(text)

    def _on_done(self, result: FineTuneResult) -> None:
        self.trained = result
        names = list(result.after)
        self.scores.setRowCount(len(names))
        for row, name in enumerate(names):
            before = None if result.before is None else result.before.get(name)
            after = result.after[name]
            cells = [name, "—" if before is None else f"{before:.4g}", f"{after:.4g}"]
            if before is not None and improved(name, before, after) is not None:
                cells[2] += " (better)" if improved(name, before, after) else " (worse)"
            for column, text in enumerate(cells):
                self.scores.setItem(row, column, QTableWidgetItem(text))
        held = f"{result.held_back} held-back images" if result.held_back else "no held-back images"
        skipped = f" Skipped: {'; '.join(result.skipped)}." if result.skipped else ""
        self.status.setText(f"Trained {result.steps_done} steps; scores on {held}.{skipped}")
        self.save_button.setEnabled(True)

    def _on_selected(self, kind: str, version: ModelVersion | None) -> None:
        label = SHIPPED_DEFAULT if version is None else version.label
        self.status.setText(f"The {kind} network in use is now the {label}.")

    def stop(self) -> None:
        """The job thread and the working folder go with the dialog (a running job is cancelled first)."""
        super().stop()
        if self._work is not None:
            self._work.cleanup()
            self._work = None
