"""Tools → Evaluate Model…: score a chosen model version (or the shipped default) and classic methods on a
benchmark folder, as ``python main.py evaluate`` does, and show the mean scores and where the report is.

The work (``app.evaluation.model_evaluation.evaluate_model``) runs on the dialog's own ``JobRunner``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.evaluation.cli import TASKS, task_named
from app.evaluation.model_evaluation import (
    TASK_NETWORKS,
    ModelEvaluation,
    default_methods,
    default_report_folder,
    evaluate_model,
)
from app.gui.folder_field import absolute_folder, folder_field, relative_folder_message
from app.gui.job_dialog import JobDialog
from app.gui.job_panel import JobPanel
from app.gui.model_chooser import ModelChooser
from engine.model_store import SHIPPED_DEFAULT, ModelStore


class EvaluateDialog(JobDialog):
    """Task, model, data folder, methods and report folder; Evaluate; the summary and the report's path."""

    def __init__(self, parent: QWidget | None = None, *, store: ModelStore | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evaluate Model")
        self.store = store or ModelStore()
        self.evaluation: ModelEvaluation | None = None
        self.task = QComboBox()
        self.task.addItems(list(TASKS))
        self.model = ModelChooser(self.store, TASK_NETWORKS[TASKS[0]][0], selects=False, parent=self)
        self.data = QLineEdit()
        self.data.setPlaceholderText("A benchmark folder, e.g. ../shared/data/matting-dev")
        self.out = QLineEdit()
        self._default_out = ""  # The report folder the dialog proposed (a new one per run while kept).
        self.methods = QListWidget()
        self.methods.setMaximumHeight(110)
        self.start_button = QPushButton("Evaluate")
        self.start_button.clicked.connect(self.start)
        self.job_panel = JobPanel(self.runner, self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 0)
        self.open_button = QPushButton("Open Report")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_report)
        self.task.currentTextChanged.connect(self._on_task)
        self.job_panel.failed.connect(self.status.setText)
        self.job_panel.notice.connect(self.status.setText)
        for outcome in (self.runner.finished, self.runner.failed, self.runner.cancelled):
            outcome.connect(lambda *_: self.start_button.setEnabled(True))
        self._lay_out()
        self._on_task(self.task.currentText())

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Task:", self.task)
        form.addRow("Model:", self.model)
        form.addRow("Data:", folder_field(self.data, "Benchmark Folder"))
        form.addRow("Methods:", self.methods)
        form.addRow("Report folder:", folder_field(self.out, "Report Folder"))
        run_row = QHBoxLayout()
        run_row.addWidget(self.start_button)
        run_row.addWidget(self.job_panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _on_task(self, task: str) -> None:
        self.model.set_kind(TASK_NETWORKS[task][0])
        self.methods.clear()
        chosen = default_methods(task)
        for method, description in task_named(task).methods.items():
            item = QListWidgetItem(method)
            item.setToolTip(description)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if method in chosen else Qt.CheckState.Unchecked)
            self.methods.addItem(item)
        self._propose_report_folder(task)

    def _propose_report_folder(self, task: str) -> None:
        self._default_out = str(default_report_folder(self.store.root, task))
        self.out.setText(self._default_out)

    def checked_methods(self) -> list[str]:
        items = [self.methods.item(row) for row in range(self.methods.count())]
        return [item.text() for item in items if item.checkState() == Qt.CheckState.Checked]

    def start(self) -> bool:
        """Start the evaluation; False (with the reason shown) when the choices are incomplete."""
        task, data, out = self.task.currentText(), self.data.text().strip(), self.out.text().strip()
        methods = self.checked_methods()
        if not data or not out or not methods:
            self.status.setText("Choose a data folder, a report folder and at least one method.")
            return False
        if absolute_folder(data) is None or absolute_folder(out) is None:
            what = "data folder" if absolute_folder(data) is None else "report folder"
            self.status.setText(relative_folder_message(what))
            return False
        if out == self._default_out and Path(out).exists():  # The proposed folder of an earlier run:
            self._propose_report_folder(task)  # a new timestamped one, never the earlier report's.
            out = self._default_out
        version = self.model.chosen()
        label = SHIPPED_DEFAULT if version is None else version.label
        weights = self.model.chosen_path()
        self.table.setRowCount(0)
        self.open_button.setEnabled(False)
        self.status.setText(f"Evaluating the {self.model.kind} network {label} on {Path(data).name}")
        started = self.job_panel.run(
            f"Evaluating ({task})",
            self._on_done,
            evaluate_model,
            task,
            Path(data).expanduser(),
            Path(out).expanduser(),
            methods=methods,
            weights=weights,
            label=label,
        )
        self.start_button.setEnabled(not started)
        return started

    def _on_done(self, evaluation: ModelEvaluation) -> None:
        self.evaluation = evaluation
        metrics = evaluation.metrics
        methods = list(evaluation.summary)
        self.table.setColumnCount(len(metrics))
        self.table.setHorizontalHeaderLabels([metric.label for metric in metrics])
        self.table.setRowCount(len(methods))
        self.table.setVerticalHeaderLabels(methods)
        for row, method in enumerate(methods):
            for column, metric in enumerate(metrics):
                value = evaluation.summary[method].get(metric.key, float("nan"))
                self.table.setItem(row, column, QTableWidgetItem(f"{value:.{metric.digits}f}"))
        self.status.setText(f"Report written to {evaluation.report}")
        self.open_button.setEnabled(True)

    def open_report(self) -> None:
        if self.evaluation is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.evaluation.report)))
