"""A dialog that runs its jobs on its own ``JobRunner`` and stops them when it closes."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QWidget

from app.gui.jobs import JobRunner


class JobDialog(QDialog):
    """``runner`` is the dialog's own; closing the dialog in any way cancels a running job and waits for
    it to return (``stop``, which subclasses extend to release what the job used)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(self)

    def stop(self) -> None:
        self.runner.shutdown()

    def done(self, code: int) -> None:
        self.stop()
        super().done(code)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Also reached when a hidden dialog is closed, which does not go through ``done``.
        self.stop()
        super().closeEvent(event)
