"""The worker flow shared by the brushes whose stroke starts a job (refine edge, GrabCut, quick select).

On release the stroke is already painted; its job runs on the window's ``JobRunner`` through the job
panel (progress, Cancel). When the result comes back it becomes part of the stroke's undo step, so one
undo takes back the stroke and what its job made of it. If the job fails or is cancelled, or the
history moved meanwhile (an undo while the job ran: the result was made from a state that is gone),
the stroke alone is pushed, so it can still be undone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject

from app.gui.patch_command import Change, PatchCommand
from app.gui.window_api import MainWindowApi
from classic.checks import InvalidInputError

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.gui.job_panel import JobPanel
    from app.gui.jobs import JobRunner


class StrokeJobsWindow(MainWindowApi, Protocol):
    """What the stroke jobs use of the main window."""

    @property
    def jobs(self) -> JobRunner: ...
    @property
    def job_panel(self) -> JobPanel: ...
    @property
    def undo_stack(self) -> QUndoStack: ...


ResultChanges = Callable[[Any], Sequence[Change]]
AfterPush = Callable[[PatchCommand], None]


@dataclass
class _Pending:
    text: str
    stroke: Change
    changes: ResultChanges
    after: AfterPush | None
    generation: int
    history: tuple[int, int]


class StrokeJobs(QObject):
    """Runs one stroke's job at a time on ``window``'s job panel and pushes the combined undo step."""

    def __init__(self, window: StrokeJobsWindow) -> None:
        super().__init__(window.window())
        self._window = window
        self._pending: _Pending | None = None
        window.jobs.failed.connect(lambda _message: self._stopped())
        window.jobs.cancelled.connect(self._stopped)

    def push(self, text: str, changes: Sequence[Change]) -> PatchCommand:
        """Push ``changes`` as one undo step now (its first redo applies what is not applied yet)."""
        command = PatchCommand(text, changes)
        self._window.undo_stack.push(command)
        return command

    def run(
        self,
        text: str,
        stroke: Change,
        title: str,
        changes: ResultChanges,
        after: AfterPush | None,
        function: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Run ``function(*args, **kwargs)`` as job ``title``; its result goes through ``changes`` into
        the undo step ``text`` with ``stroke``, then ``after`` gets the pushed command. False (and the
        stroke pushed alone) when the job could not start."""
        window = self._window
        history = self._history()
        if not window.job_panel.run(title, self._finished, function, *args, **kwargs):
            self.push(text, [stroke])
            return False
        self._pending = _Pending(text, stroke, changes, after, window.jobs.generation, history)
        return True

    def _history(self) -> tuple[int, int]:
        stack = self._window.undo_stack
        return stack.index(), stack.count()

    def _finished(self, result: object) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if pending.history != self._history():
            self._window.statusBar().showMessage(
                f"{pending.text}: the history changed, result dropped", 5_000
            )
            self.push(pending.text, [pending.stroke])
            return
        try:
            made = pending.changes(result)
        except InvalidInputError:
            self.push(pending.text, [pending.stroke])
            raise  # The job panel reports an unusable result.
        command = self.push(pending.text, [pending.stroke, *made])
        if pending.after is not None:
            pending.after(command)

    def _stopped(self) -> None:
        pending = self._pending
        if pending is not None and pending.generation == self._window.jobs.generation:
            self._pending = None
            self.push(pending.text, [pending.stroke])
