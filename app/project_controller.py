"""The window's project: save and open, the modified mark, autosave to a recovery file, and the questions
asked on close and after a crash.

Saving writes on the GUI thread (a few 16-bit PNG files: well under a second for photo-sized layers, and
a save on close must finish before the window goes). Opening runs as a job. Autosave is a single-shot
``QTimer`` restarted by every layer change; when it fires the document is written to the recovery project
(a .zip in ``recovery_folder()``), also on the GUI thread, which is cheap for the same reason. A clean
close removes the recovery file, so one found at start means the last session crashed.

The questions are ``ask_*`` attributes (callables) that tests replace.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.layers import LayerEvent
from app.session import ProjectError, ProjectState, load_project, restore, save_project, snapshot

if TYPE_CHECKING:
    from app.main_window import MainWindow

RECOVERY_ENV = "COMPOSITOR_RECOVERY_DIR"
RECOVERY_NAME = "recovery.zip"
AUTOSAVE_DELAY_MS = 3_000
PROJECT_FILTER = "Projects (*.zip);;All files (*)"
_log = logging.getLogger(__name__)

CloseAnswer = QMessageBox.StandardButton


def recovery_folder() -> Path:
    """Where the recovery project lives: ``$COMPOSITOR_RECOVERY_DIR`` or the app-data ``recovery`` folder."""
    override = os.environ.get(RECOVERY_ENV)
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


def _ask_close(parent: QWidget) -> CloseAnswer:
    buttons = QMessageBox.StandardButton
    return QMessageBox.question(
        parent,
        "Unsaved changes",
        "The project has unsaved changes. Save them before closing?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        buttons.Save,
    )


def _ask_recover(parent: QWidget) -> bool:
    answer = QMessageBox.question(
        parent, "Recover", "The program did not close cleanly last time. Recover the autosaved project?"
    )
    return answer == QMessageBox.StandardButton.Yes


def _ask_save_path(parent: QWidget, suggestion: str) -> str:
    return QFileDialog.getSaveFileName(parent, "Save Project", suggestion, PROJECT_FILTER)[0]


class ProjectController(QObject):
    """Tracks whether the window's document changed since it was saved, and saves, opens and recovers."""

    def __init__(self, window: MainWindow, *, recovery_path: Path | None = None) -> None:
        super().__init__(window)
        self._window = window
        self.path: str | None = None
        self._modified = False
        self.recovery_path = recovery_path or recovery_folder() / RECOVERY_NAME
        # Looked up at call time, so a test fixture can replace the module's dialogs for every window.
        self.ask_close: Callable[[QWidget], CloseAnswer] = lambda parent: _ask_close(parent)
        self.ask_recover: Callable[[QWidget], bool] = lambda parent: _ask_recover(parent)
        self.ask_save_path: Callable[[QWidget, str], str] = lambda parent, hint: _ask_save_path(parent, hint)
        self._restoring = False
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        window.document.layers.connect(self._on_layer_event)

    @property
    def modified(self) -> bool:
        """Changed since the last save or open (shown as ``*`` in the window title)."""
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._modified = value
        self._window.setWindowModified(value)

    def _on_layer_event(self, event: LayerEvent) -> None:
        if self._restoring or event.kind in ("inserting", "removing"):
            return
        self.modified = True
        self.autosave_timer.start()  # Restarts: the write waits for a pause in the changes.

    def save(self, path: str | None = None) -> bool:
        """Save to ``path`` (default: where it was saved before; else ask). False if not saved."""
        path = path or self.path or self.ask_save_path(self._window, self._suggestion())
        if not path:
            return False
        try:
            self.path = save_project(self._snapshot(), path)
        except (ProjectError, OSError) as error:
            self._window.show_error(f"Could not save the project: {error}")
            return False
        self.modified = False
        self.autosave_timer.stop()
        self.remove_recovery()  # Everything is in the saved project now.
        self._window.statusBar().showMessage(f"Saved {Path(self.path).name}", 5_000)
        return True

    def save_as(self) -> bool:
        path = self.ask_save_path(self._window, self.path or self._suggestion())
        return self.save(path) if path else False

    def open(self, path: str) -> bool:
        """Open the project at ``path`` as a job; the document is replaced when it has been read."""
        return self._window.job_panel.run(
            f"Opening {Path(path).name}", lambda state: self._opened(path, state), load_project, path
        )

    def _opened(self, path: str | None, state: ProjectState) -> None:
        self._restoring = True
        try:
            restore(self._window.document, state)
            editor = getattr(self._window, "editor", None)
            if state.placement is not None and editor is not None:
                editor.apply_placement(state.placement)
            undo_stack = getattr(self._window, "undo_stack", None)
            if undo_stack is not None:  # Its commands hold patches of the layers just replaced.
                undo_stack.clear()
        finally:
            self._restoring = False
        self.path, self.modified = path, path is None
        self.autosave_timer.stop()

    def _snapshot(self) -> ProjectState:
        state = snapshot(self._window.document)
        editor = getattr(self._window, "editor", None)  # Placement lives in the editor's panel.
        state.placement = None if editor is None else editor.current_placement()
        return state

    def autosave(self) -> None:
        """Write the document to the recovery project now (nothing when it has not changed)."""
        if not self.modified:
            return
        try:
            save_project(self._snapshot(), self.recovery_path)
        except (ProjectError, OSError) as error:
            _log.warning("autosave failed: %s", error)

    def offer_recovery(self) -> bool:
        """At start: if a recovery project survived a crash, ask and restore it. True if restored."""
        if not self.recovery_path.exists():
            return False
        if not self.ask_recover(self._window):
            self.remove_recovery()
            return False
        try:
            state = load_project(self.recovery_path)
        except ProjectError as error:
            self._window.show_error(f"The autosaved project cannot be recovered: {error}")
            self.remove_recovery()
            return False
        self._opened(None, state)  # Recovered work is unsaved until the user saves it.
        return True

    def confirm_discard(self) -> bool:
        """Ask Save / Discard / Cancel about unsaved changes; True when they are saved or may go."""
        if not self.modified:
            return True
        answer = self.ask_close(self._window)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        return answer != QMessageBox.StandardButton.Save or self.save()

    def confirm_close(self) -> bool:
        """``confirm_discard``, and when the window may close, the recovery file goes (a clean close)."""
        if not self.confirm_discard():
            return False
        self.autosave_timer.stop()
        self.remove_recovery()
        return True

    def remove_recovery(self) -> None:
        self.recovery_path.unlink(missing_ok=True)

    def _suggestion(self) -> str:
        folder = self._window.document.folder()
        return str(Path(folder) / "project.zip") if folder else "project.zip"
