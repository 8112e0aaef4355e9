"""The one bridge between jobs (plain Python functions) and the GUI thread.

A job is any function taking keyword-only ``progress(fraction, message)`` and ``is_cancelled()``
callables (see ``classic.progress``). ``JobRunner`` owns one long-lived ``QThread`` with a worker object
on it; ``submit`` queues a job there and its outcome comes back as exactly one of the signals
``finished(result)``, ``failed(message)`` or ``cancelled()``, after any number of ``progress`` signals.

Each request gets a generation number. Submitting a new job cancels the one before it, and anything a
superseded job still sends is dropped, so the GUI only ever hears about the latest request. The worker
never touches widgets: it only calls the job and emits signals.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from classic.checks import InvalidInputError
from classic.progress import Cancelled

_log = logging.getLogger(__name__)


@dataclass
class _Request:
    generation: int
    function: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    cancel_flag: threading.Event = field(default_factory=threading.Event)


def describe_error(error: BaseException) -> str:
    """A one-line message for the user: the error's own text, or its type when it has none."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class _Throttle:
    """Lets a report through when its message changes, at the end, or every ``interval_s`` seconds."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self._interval_s = interval_s
        self._last_time = -float("inf")
        self._last_message: str | None = None

    def should_report(self, fraction: float, message: str) -> bool:
        # Jobs may report once per row; a progress bar needs only a few updates a second.
        now = time.monotonic()
        if message == self._last_message and fraction < 1.0 and now - self._last_time < self._interval_s:
            return False
        self._last_time, self._last_message = now, message
        return True


class _Worker(QObject):
    """Runs requests on the job thread; reports back tagged with the request's generation."""

    progressed = Signal(int, float, str)
    succeeded = Signal(int, object)
    errored = Signal(int, str)
    stopped = Signal(int)

    @Slot(object)
    def run(self, request: _Request) -> None:
        generation, flag = request.generation, request.cancel_flag
        if flag.is_set():  # Superseded or cancelled while still in the queue.
            self.stopped.emit(generation)
            return

        throttle = _Throttle()

        def progress(fraction: float, message: str) -> None:
            if throttle.should_report(fraction, message):
                self.progressed.emit(generation, float(fraction), str(message))

        try:
            result = request.function(
                *request.args, progress=progress, is_cancelled=flag.is_set, **request.kwargs
            )
        except Cancelled:
            self.stopped.emit(generation)
        except InvalidInputError as error:  # Bad input or a missing network: the message says it all.
            _log.warning("job %s refused: %s", getattr(request.function, "__name__", "job"), error)
            self.errored.emit(generation, describe_error(error))
        except Exception as error:  # A failing job must not take the worker thread down.
            _log.exception("job %s failed", getattr(request.function, "__name__", request.function))
            self.errored.emit(generation, describe_error(error))
        else:
            # A cancel that came too late to stop the job still means the user does not want the result.
            if flag.is_set():
                self.stopped.emit(generation)
            else:
                self.succeeded.emit(generation, result)


class JobRunner(QObject):
    """Runs one job at a time on a long-lived worker thread; call ``shutdown`` before dropping it."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._current: _Request | None = None
        self._thread = QThread()
        self._thread.setObjectName("job worker")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progressed)
        self._worker.succeeded.connect(self._on_succeeded)
        self._worker.errored.connect(self._on_errored)
        self._worker.stopped.connect(self._on_stopped)
        application = QCoreApplication.instance()
        if application is not None:  # A safety net: a running QThread must not outlive the app.
            application.aboutToQuit.connect(self.shutdown)
        self._thread.start()

    @property
    def is_busy(self) -> bool:
        """True from ``submit`` until the latest request's outcome has been signalled."""
        return self._current is not None

    @property
    def is_running(self) -> bool:
        """False once ``shutdown`` has stopped the thread: ``submit`` would raise."""
        return self._thread.isRunning()

    @property
    def generation(self) -> int:
        """The generation number of the latest request (0 before the first)."""
        return self._generation

    def submit(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> int:
        """Queue ``function(*args, progress=..., is_cancelled=..., **kwargs)``; returns its generation."""
        if not self._thread.isRunning():
            raise RuntimeError("the job runner has been shut down")
        if self._current is not None:
            self._current.cancel_flag.set()
        self._generation += 1
        self._current = _Request(self._generation, function, args, kwargs)
        self._requested.emit(self._current)
        return self._generation

    def cancel(self) -> None:
        """Ask the current job to stop; ``cancelled`` follows once it has (thread-safe flag)."""
        if self._current is not None:
            self._current.cancel_flag.set()

    def shutdown(self) -> None:
        """Cancel the current job and stop the thread, waiting for a running job to return."""
        self.cancel()
        self._current = None
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    def _is_latest(self, generation: int) -> bool:
        return self._current is not None and generation == self._current.generation

    def _on_progressed(self, generation: int, fraction: float, message: str) -> None:
        if self._is_latest(generation):
            self.progress.emit(fraction, message)

    def _on_succeeded(self, generation: int, result: object) -> None:
        if self._is_latest(generation):
            self._current = None
            self.finished.emit(result)

    def _on_errored(self, generation: int, message: str) -> None:
        if self._is_latest(generation):
            self._current = None
            self.failed.emit(message)

    def _on_stopped(self, generation: int) -> None:
        if self._is_latest(generation):
            self._current = None
            self.cancelled.emit()
