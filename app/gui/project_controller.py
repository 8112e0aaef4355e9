"""The window's project: save and open, the modified mark, autosave to a recovery file, and the questions
asked on close and after a crash.

Saving writes on the GUI thread (a save on close must finish before the window goes). Opening runs as a
job. Autosave is a single-shot ``QTimer`` restarted by every layer change; when it fires the document is
written to the window's own recovery project (a .zip in ``recovery_folder()``, locked by the window: see
``app.project.recovery_lock``) by a job on the controller's own
``JobRunner``, so it neither blocks the GUI (writing 24 MP layers takes seconds) nor waits for or cancels
the window's jobs. The GUI thread only takes a snapshot: the mattes that changed since the last one are
copied, everything else is shared (see ``session.snapshot``). One autosave runs at a time; a change while
it runs is saved after it. ``save_project`` replaces the recovery file only when it is complete, so the
file is never half written. A clean close cancels a running autosave, waits for it to stop and removes
the recovery file and its lock, so one found at start with no live owner means a session crashed; one
whose window still runs (a second window, a second instance) is never offered nor removed.

The questions are ``ask_*`` attributes (callables) that tests replace.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.gui.file_dialogs import remember_folder, start_folder
from app.gui.jobs import JobRunner
from app.gui.window_api import MainWindowApi
from app.model.compositing_settings import CompositingSettings
from app.model.layers import LayerEvent
from app.project.project_store import remove_leftovers
from app.project.recovery_journal import RecoveryJournals
from app.project.recovery_lock import claim, orphans, owns, release, take
from app.project.session import (
    ProjectError,
    ProjectState,
    load_project,
    project_location,
    restore,
    save_project,
    snapshot,
)

if TYPE_CHECKING:
    from app.gui.job_panel import JobPanel
    from app.gui.settings import Settings
    from app.model.document import Document


class ProjectWindow(MainWindowApi, Protocol):
    """What the project (save, open, autosave, recovery) uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def job_panel(self) -> JobPanel: ...

    def show_error(self, message: str, /) -> None: ...
    def setWindowModified(self, modified: bool, /) -> None: ...


RECOVERY_ENV = "COMPOSITOR_RECOVERY_DIR"
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


def project_among(paths: Iterable[str]) -> str | None:
    """The first of ``paths`` (dropped files or folders) that names a project, as the path to open."""
    for path in paths:
        found = project_location(path)
        if found is not None:
            return str(found)
    return None


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
    """Tracks whether the window's document changed since it was saved, and saves, opens and recovers.

    ``autosaved`` is emitted when an autosave has been written, with the recovery file's path;
    ``opened`` and ``saved`` when a project file has been read or written, with its path.
    """

    autosaved = Signal(str)
    opened = Signal(str)  # A project file was opened (not a recovered one), with its path.
    saved = Signal(str)  # The project was saved, with its path.

    def __init__(self, window: ProjectWindow, *, recovery_path: Path | None = None) -> None:
        super().__init__(window.window())
        self._window = window
        self.path: str | None = None
        self._modified = False
        self._lock_owner = object()  # This window's token in the recovery locks.
        if recovery_path is None:
            self.recovery_path = claim(recovery_folder(), self._lock_owner)
        else:
            self.recovery_path = recovery_path
            take(recovery_path, self._lock_owner)
        # Looked up at call time, so a test fixture can replace the module's dialogs for every window.
        self.ask_close: Callable[[QWidget], CloseAnswer] = lambda parent: _ask_close(parent)
        self.ask_recover: Callable[[QWidget], bool] = lambda parent: _ask_recover(parent)
        self.ask_save_path: Callable[[QWidget, str], str] = lambda parent, hint: _ask_save_path(parent, hint)
        self._restoring = False
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self._saver = JobRunner(self)  # Autosaves only: the window's own jobs never wait for one.
        self._saver.finished.connect(self._on_autosaved)
        self._saver.failed.connect(lambda message: self._autosave_ended(f"autosave failed: {message}"))
        self._saver.cancelled.connect(lambda: self._autosave_ended(None))
        self._again = False  # A change came while an autosave was running.
        self._kept: dict[str, np.ndarray] = {}  # Copies of mattes unchanged since the last autosave.
        # Strokes between autosaves reach the disk as they are committed
        # (see ``app.project.recovery_journal``).
        self.journals = RecoveryJournals(self.recovery_path)
        self._pending_epoch: int | None = None  # The journal epoch of the autosave being written.
        window.document.layers.connect(self._on_layer_event)
        # The compositing settings and where the subject goes are part of the project too.
        window.document.connect_compositing(lambda _settings, edit: self._changed() if edit else None)

    @property
    def modified(self) -> bool:
        """Changed since the last save or open (shown as ``*`` in the window title)."""
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._modified = value
        self._window.setWindowModified(value)

    @property
    def autosaving(self) -> bool:
        """True while an autosave is being written."""
        return self._saver.is_busy

    def _on_layer_event(self, event: LayerEvent) -> None:
        if not self._restoring:
            try:
                self.journals.record(event, self._window.document.layers)
            except OSError as error:  # A full or vanished disk: the next autosave still has it all.
                _log.warning("the edit journal cannot be written: %s", error)
                self.journals.barrier()
        if event.kind not in ("inserting", "removing"):
            self._kept.pop(event.name, None)  # Changed: the next autosave copies it again.
            self._changed()

    def _changed(self) -> None:
        if self._restoring:
            return
        self.modified = True
        self.autosave_timer.start()  # Restarts: the write waits for a pause in the changes.

    def save(self, path: str | None = None) -> bool:
        """Save to ``path`` (default: where it was saved before; else ask). False if not saved."""
        path = path or self.path or self.ask_save_path(self._window.window(), self._suggestion())
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
        remember_folder(self._window.settings, "project", self.path)
        self.saved.emit(self.path)
        return True

    def save_as(self) -> bool:
        path = self.ask_save_path(self._window.window(), self.path or self._suggestion())
        return self.save(path) if path else False

    def open_dropped(self, path: str) -> bool:
        """Open a project dropped on the window, after asking about unsaved changes."""
        return self.confirm_discard() and self.open(path)

    def open(self, path: str) -> bool:
        """Open the project at ``path`` as a job; the document is replaced when it has been read."""
        return self._window.job_panel.run(
            f"Opening {Path(path).name}",
            lambda state: self._opened(path, state),
            load_project,
            path,
            limits=self._window.settings.image_limits(),
        )

    def _opened(self, path: str | None, state: ProjectState) -> None:
        if path is not None:  # Another document: no open journal may record its edits.
            self.journals.barrier()
        self._restoring = True
        try:
            restore(self._window.document, state)
            # The project's compositing settings (the defaults for one saved without them) and its
            # placement (the default one when it has none).
            settings = state.compositing or CompositingSettings()
            self._window.document.set_compositing(
                dataclasses.replace(settings, placement=state.placement), edit=False
            )
            undo_stack = getattr(self._window, "undo_stack", None)
            if undo_stack is not None:  # Its commands hold patches of the layers just replaced.
                undo_stack.clear()
        finally:
            self._restoring = False
        self.path, self.modified = path, path is None
        self.autosave_timer.stop()
        if path is not None:
            self.opened.emit(path)

    def _snapshot(self, kept: dict[str, np.ndarray] | None = None) -> ProjectState:
        document = self._window.document
        state = snapshot(document, kept=kept)
        state.placement = document.current_placement()  # The fitted one when the document has none.
        state.compositing = dataclasses.replace(document.compositing, placement=None)
        return state

    def autosave(self) -> bool:
        """Start writing the document to the recovery project on the autosave job; False when it has not
        changed, or when an autosave is running already (this one then follows it)."""
        if not self.modified:
            return False
        if self._saver.is_busy:
            self._again = True
            return False
        state = self._snapshot(kept=self._kept)  # Copies only the mattes changed since the last one.
        try:  # Edits from now on go to a new journal, which continues this snapshot.
            state.journal_epoch = self.journals.start(self._window.document.layers)
        except OSError as error:
            _log.warning("no edit journal for this autosave: %s", error)
        self._pending_epoch = state.journal_epoch
        try:
            self._saver.submit(save_project, state, self.recovery_path)
        except RuntimeError:  # The window is closing: its job threads have stopped.
            return False
        return True

    def _on_autosaved(self, path: str) -> None:
        if self._pending_epoch is not None:  # The journals before this snapshot are in it now.
            self.journals.landed(self._pending_epoch)
        if not self.modified:  # Saved or opened while the autosave ran: nothing is left to recover.
            self.remove_recovery()
        self.autosaved.emit(path)
        self._autosave_ended(None)

    def _autosave_ended(self, warning: str | None) -> None:
        if warning is not None:
            _log.warning("%s", warning)
        if self._again:
            self._again = False
            self.autosave()

    def stop_autosave(self) -> None:
        """Cancel a running autosave and wait until it has stopped; no autosave starts after this."""
        self.autosave_timer.stop()
        self._again = False
        self._saver.shutdown()

    def offer_recovery(self) -> bool:
        """At start: if a recovery project survived a crash, ask and restore it. True if restored.

        Only snapshots whose window is gone are offered (``recovery_lock.orphans``), the newest first;
        declining one removes it, never the autosave of a window that runs. A recovered snapshot becomes
        this window's own. Leftovers of an autosave that was killed mid-write go first. A recovery file
        that cannot be read, for whatever reason, is moved aside (``recovery-damaged-….zip``) with one
        message, so it never blocks a start again.
        """
        remove_leftovers(self.recovery_path)
        if not self.recovery_path.exists():
            self.journals.discard()  # Journals without their snapshot continue nothing.
        for orphan in orphans(self.recovery_path.parent):
            remove_leftovers(orphan)
            if not orphan.exists() or not take(orphan, self._lock_owner):
                continue  # Gone, or another window has just taken it up.
            if self.ask_recover(self._window.window()):
                self._adopt(orphan)
                return self._recover()
            RecoveryJournals(orphan).discard()
            with contextlib.suppress(OSError):
                orphan.unlink(missing_ok=True)
            if orphan != self.recovery_path:
                release(orphan, self._lock_owner)
        return False

    def _adopt(self, snapshot: Path) -> None:
        """Autosave to ``snapshot`` (recovered, locked by this window) from now on, giving up the own one."""
        if snapshot == self.recovery_path:
            return
        self.journals.discard()
        release(self.recovery_path, self._lock_owner)
        self.recovery_path = snapshot
        self.journals = RecoveryJournals(snapshot)

    def _recover(self) -> bool:
        try:
            state = load_project(self.recovery_path, limits=self._window.settings.image_limits())
        except Exception as error:  # Whatever the file holds, the program must start.
            if not isinstance(error, ProjectError):
                _log.exception("recovery failed")
            kept = self._move_aside()
            self.journals.discard()
            where = f" It was moved to {kept}." if kept else ""
            self._window.show_error(f"The autosaved project cannot be recovered: {error}.{where}")
            return False
        try:  # The strokes committed after the snapshot, up to the one the crash interrupted.
            self.journals.replay(state)
        except (OSError, ValueError) as error:
            _log.warning("the edit journal cannot be replayed: %s", error)
        self._opened(None, state)  # Recovered work is unsaved until the user saves it.
        self.journals.follow(self._window.document.layers)
        return True

    def _move_aside(self) -> Path | None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.recovery_path.with_name(
            f"{self.recovery_path.stem}-damaged-{stamp}{self.recovery_path.suffix}"
        )
        try:
            self.recovery_path.replace(kept)
        except OSError:
            self.remove_recovery()
            return None
        return kept

    def confirm_discard(self) -> bool:
        """Ask Save / Discard / Cancel about unsaved changes; True when they are saved or may go."""
        if not self.modified:
            return True
        answer = self.ask_close(self._window.window())
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        return answer != QMessageBox.StandardButton.Save or self.save()

    def confirm_close(self) -> bool:
        """``confirm_discard``, and when the window may close, the recovery file goes (a clean close)."""
        if not self.confirm_discard():
            return False
        self.stop_autosave()  # Before the file goes: a running autosave could write it again.
        self.release_recovery()
        return True

    def remove_recovery(self) -> None:
        if not owns(self.recovery_path, self._lock_owner):
            return  # Another window's (this one could not lock its own): never removed from here.
        self.journals.discard()
        with contextlib.suppress(OSError):  # Gone already: nothing to recover.
            self.recovery_path.unlink(missing_ok=True)

    def release_recovery(self) -> None:
        """The window goes: its recovery file and its lock go (after ``stop_autosave``)."""
        self.remove_recovery()
        release(self.recovery_path, self._lock_owner)

    def _suggestion(self) -> str:
        folder = start_folder(self._window.settings, "project", self._window.document.folder())
        return str(Path(folder) / "project.zip") if folder else "project.zip"
