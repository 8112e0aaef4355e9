"""The job bridge: a plain job called directly with fake callbacks, then driven through ``JobRunner``."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from app.gui.jobs import JobRunner, describe_error
from classic.progress import CancelCallback, Cancelled, ProgressCallback, raise_if_cancelled

TIMEOUT_MS = 10_000


def count_to(
    n: int, *, gate: threading.Event | None = None, progress: ProgressCallback, is_cancelled: CancelCallback
) -> int:
    """A toy job: waits for ``gate`` (if any), then counts to ``n`` reporting each step."""
    if gate is not None:
        gate.wait(TIMEOUT_MS / 1000)
    for step in range(n):
        raise_if_cancelled(is_cancelled)
        progress(step / n, f"step {step}")
    progress(1.0, "done")
    return n


def broken(*, progress: ProgressCallback, is_cancelled: CancelCallback) -> None:
    raise ValueError("the input is unusable\nsecond line")


def test_plain_job_with_fake_callbacks() -> None:
    reports: list[tuple[float, str]] = []
    assert count_to(3, progress=lambda f, m: reports.append((f, m)), is_cancelled=lambda: False) == 3
    assert reports[0] == (0.0, "step 0") and reports[-1] == (1.0, "done")
    with pytest.raises(Cancelled):
        count_to(3, progress=lambda f, m: None, is_cancelled=lambda: True)


def test_describe_error_keeps_the_first_line() -> None:
    assert describe_error(ValueError("one\ntwo")) == "one"
    assert describe_error(KeyError()) == "KeyError"


def test_finished_carries_the_result(qtbot: QtBot, runner: JobRunner) -> None:
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as blocker:
        runner.submit(count_to, 5)
        assert runner.is_busy
    assert blocker.args == [5]
    assert not runner.is_busy


def test_progress_reaches_the_gui_thread(qtbot: QtBot, runner: JobRunner) -> None:
    reports: list[tuple[float, str]] = []
    runner.progress.connect(lambda fraction, message: reports.append((fraction, message)))
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.submit(count_to, 4)
    assert reports[0] == (0.0, "step 0")
    assert reports[-1] == (1.0, "done")


def test_failure_becomes_a_one_line_message(qtbot: QtBot, runner: JobRunner) -> None:
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS) as blocker:
        runner.submit(broken)
    assert blocker.args == ["the input is unusable"]
    assert not runner.is_busy


def test_cancel_stops_a_waiting_job(qtbot: QtBot, runner: JobRunner) -> None:
    gate = threading.Event()
    with (
        qtbot.waitSignal(runner.cancelled, timeout=TIMEOUT_MS),
        qtbot.assertNotEmitted(runner.finished),
    ):
        runner.submit(count_to, 1000, gate=gate)
        runner.cancel()
        gate.set()
    assert not runner.is_busy


def test_a_superseded_job_is_never_heard_of(qtbot: QtBot, runner: JobRunner) -> None:
    gate = threading.Event()
    results: list[object] = []
    runner.finished.connect(results.append)
    with qtbot.assertNotEmitted(runner.cancelled), qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        first = runner.submit(count_to, 7, gate=gate)
        second = runner.submit(count_to, 2)
        gate.set()
    assert second == first + 1 == runner.generation
    qtbot.wait(50)  # Give a stray signal from the first job time to arrive, were it not dropped.
    assert results == [2]


def test_the_runner_is_reusable_after_a_failure(qtbot: QtBot, runner: JobRunner) -> None:
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS):
        runner.submit(broken)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as blocker:
        runner.submit(count_to, 1)
    assert blocker.args == [1]


def test_shutdown_stops_the_thread(qtbot: QtBot) -> None:
    job_runner = JobRunner()
    job_runner.submit(count_to, 10)
    job_runner.shutdown()
    job_runner.shutdown()  # Idempotent: the window and the application may both call it.
    assert not job_runner.is_busy
    with pytest.raises(RuntimeError, match="shut down"):
        job_runner.submit(count_to, 1)


def where_am_i(*, progress: ProgressCallback, is_cancelled: CancelCallback) -> bool:
    return threading.current_thread() is threading.main_thread()


def test_jobs_run_off_the_gui_thread(qtbot: QtBot, runner: JobRunner) -> None:
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as blocker:
        runner.submit(where_am_i)
    assert blocker.args == [False]
