"""The status-bar panel that starts the window's jobs and shows the running one: what it is doing, how
far it is, and a Cancel button.

One job runs at a time. ``run`` remembers what to do with the job's result; the runner's outcome signals
then either hand the result over, or become a ``failed`` message for an error box or a ``notice`` for
the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.gui.jobs import JobRunner
from classic.checks import InvalidInputError

_STEPS = 1000


class JobPanel(QWidget):
    """Visible only while a job runs; Cancel asks the runner to stop the job."""

    started = Signal()
    failed = Signal(str)
    notice = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._title = ""
        self._on_done: Callable[[Any], None] | None = None
        self.message = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, _STEPS)
        self.bar.setFixedWidth(180)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel)
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        self.hide()

    def run(
        self,
        title: str,
        on_done: Callable[[Any], None],
        function: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Start ``function`` as a job and pass its result to ``on_done``; False if another job runs."""
        if self._runner.is_busy:
            self.notice.emit(f"{self._title} is still running: wait for it or cancel it")
            return False
        self._title, self._on_done = title, on_done
        self._runner.submit(function, *args, **kwargs)
        self.message.setText(f"{title}…")
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.show()
        self.started.emit()
        return True

    def cancel(self) -> None:
        if self._runner.is_busy:
            self._runner.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText(f"{self._title}: cancelling…")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(round(min(max(fraction, 0.0), 1.0) * _STEPS))
        if self.cancel_button.isEnabled():
            self.message.setText(f"{self._title}: {message}" if message else self._title)

    def _on_finished(self, result: object) -> None:
        self.hide()
        on_done, self._on_done = self._on_done, None
        try:
            if on_done is not None:
                on_done(result)
        except InvalidInputError as error:
            self.failed.emit(f"{self._title} gave an unusable result: {error}")

    def _on_failed(self, message: str) -> None:
        self.hide()
        self._on_done = None
        self.failed.emit(f"{self._title} failed: {message}")

    def _on_cancelled(self) -> None:
        self.hide()
        self._on_done = None
        self.notice.emit(f"{self._title}: cancelled")
