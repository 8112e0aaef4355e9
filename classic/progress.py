"""Progress and cancellation for long jobs.

A job is a plain function with keyword-only ``progress(fraction, message)`` and ``is_cancelled()``
callables. ``wrap_progress`` maps a stage's [0, 1] into a slice of its parent's range, and
``raise_if_cancelled`` stops a job between steps by raising ``Cancelled``.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]
CancelCallback = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside a job when its ``is_cancelled`` callable returns True."""


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores every report."""


def never_cancelled() -> bool:
    """A cancel callback for jobs nobody can cancel."""
    return False


def wrap_progress(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Return a callback mapping a stage's [0, 1] onto ``[start, end]`` of ``progress``."""

    def wrapped(fraction: float, message: str) -> None:
        clamped = min(max(fraction, 0.0), 1.0)
        progress(start + (end - start) * clamped, message)

    return wrapped


def raise_if_cancelled(is_cancelled: CancelCallback) -> None:
    """Raise ``Cancelled`` when the job has been asked to stop."""
    if is_cancelled():
        raise Cancelled()
