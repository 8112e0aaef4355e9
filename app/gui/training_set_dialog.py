"""Tools → Build Training Set…: ``python main.py build-training-set`` as a dialog. Gathers foregrounds and
backgrounds (a shared data folder, clip-art and wallpapers from Debian packages) into a training-data
folder, as a job on the dialog's own ``JobRunner`` with progress and Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui.folder_field import absolute_folder, folder_field, relative_folder_message
from app.gui.job_dialog import JobDialog
from app.gui.job_panel import JobPanel
from app.training import training_data


class TrainingSetDialog(JobDialog):
    """Output folder, optional shared data folder, clip-art count, wallpapers; Build; the counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Build Training Set")
        self.summary: training_data.BuildSummary | None = None
        self._out_was_there = True  # Whether the output folder existed before the build started.
        self.out = QLineEdit()
        self.out.setPlaceholderText("The training-data folder (created; files already there are kept)")
        self.shared = QLineEdit()
        self.shared.setPlaceholderText("Optional: a folder with foregrounds/ and backgrounds/ to copy")
        self.clipart = QSpinBox()
        self.clipart.setRange(0, 100_000)
        self.clipart.setToolTip("Clip-art cut-outs to add from the openclipart-png package (downloaded)")
        self.wallpapers = QCheckBox("Add desktop wallpapers as backgrounds (downloaded packages)")
        self.build_button = QPushButton("Build")
        self.build_button.clicked.connect(self.start)
        self.job_panel = JobPanel(self.runner, self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.job_panel.failed.connect(self.status.setText)
        self.job_panel.notice.connect(self.status.setText)
        for outcome in (self.runner.finished, self.runner.failed, self.runner.cancelled):
            outcome.connect(lambda *_: self.build_button.setEnabled(True))
        self.runner.cancelled.connect(self._on_cancelled)  # After the panel's own "cancelled".

        form = QFormLayout()
        form.addRow("Output folder:", folder_field(self.out, "Training-Data Folder"))
        form.addRow("Shared data:", folder_field(self.shared, "Shared Data Folder"))
        form.addRow("Clip-art:", self.clipart)
        form.addRow("", self.wallpapers)
        run_row = QHBoxLayout()
        run_row.addWidget(self.build_button)
        run_row.addWidget(self.job_panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def options(self) -> training_data.BuildOptions | None:
        """The command's options from the fields, or None (with the reason shown) when incomplete."""
        out, shared = self.out.text().strip(), self.shared.text().strip()
        if not out:
            self.status.setText("Choose the output folder first.")
            return None
        if not shared and not self.clipart.value() and not self.wallpapers.isChecked():
            self.status.setText("Choose at least one source: shared data, clip-art or wallpapers.")
            return None
        out_folder, shared_folder = absolute_folder(out), absolute_folder(shared) if shared else None
        if out_folder is None or (shared and shared_folder is None):
            what = "output folder" if out_folder is None else "shared data folder"
            self.status.setText(relative_folder_message(what))
            return None
        return training_data.BuildOptions(
            out=out_folder,
            shared=shared_folder,
            clipart=self.clipart.value(),
            wallpapers=self.wallpapers.isChecked(),
        )

    def start(self) -> bool:
        """Start building; False when the fields are incomplete or a build runs."""
        options = self.options()
        if options is None:
            return False
        self.summary = None
        self._out_was_there = options.out.exists()
        self.status.setText(f"Building the training set in {options.out}")
        # Looked up at call time, so tests can replace the command's function.
        started = self.job_panel.run(
            "Building the training set", self._on_done, training_data.build_training_set, options
        )
        self.build_button.setEnabled(not started)
        return started

    def _on_cancelled(self) -> None:
        out = absolute_folder(self.out.text())
        if out is None or not out.exists():
            return
        if self._out_was_there:
            self.status.setText(
                f"Cancelled: {out} keeps the files it had, and holds those added before Cancel; build "
                "again to complete it."
            )
        else:
            self.status.setText(
                f"Cancelled: the partly built folder {out} is left as it was; build again to complete it, "
                "or delete it."
            )

    def _on_done(self, summary: training_data.BuildSummary) -> None:
        self.summary = summary
        megabytes = summary.size_bytes / 2**20
        self.status.setText(
            f"{self.out.text()} now holds {summary.foregrounds} foregrounds and {summary.backgrounds} "
            f"backgrounds ({megabytes:.0f} MB): the --data folder of `python main.py train`."
        )
