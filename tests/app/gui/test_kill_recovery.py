"""Crash safety to the stroke: an editing session killed (SIGKILL) at random moments, then restarted.

Every edit the session reported as committed must come back, the edit in progress may or may not, and
nothing the killed session was writing may be left in the recovery folder after the restart.
``$COMPOSITOR_KILL_RUNS`` sets the number of kills (default 5).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

import app.gui.project_controller as project_controller
from app.gui.main_window import MainWindow
from tests.app.kill_session import edit, kill_document

REPO = Path(__file__).resolve().parents[3]
KILLS = int(os.environ.get("COMPOSITOR_KILL_RUNS", "5"))


def _run_and_kill(folder: Path, seed: int, after: float) -> int:
    """Start the session, kill it ``after`` seconds into its edits; the last edit it reported."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COMPOSITOR_RECOVERY_DIR": str(folder / "recovery")}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.app.kill_session", str(folder / "settings"), str(seed)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", "the session never autosaved"
    deadline = time.monotonic() + after
    last = 0
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("committed "):
            last = int(line.split()[1])
        elif not line:
            time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    for line in process.stdout.read().splitlines():  # reported before the kill, read after it
        if line.startswith("committed "):
            last = int(line.split()[1])
    return last


def _expected(seed: int, count: int) -> np.ndarray:
    alpha = kill_document().layers.get("alpha")
    assert alpha is not None
    alpha = alpha.copy()
    for number in range(1, count + 1):
        region, values = edit(number, seed)
        alpha[region] = values
    return alpha


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
@pytest.mark.parametrize("run", range(KILLS))
def test_a_killed_session_loses_at_most_the_edit_in_progress(
    run: int, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = 1000 + run
    after = random.Random(seed).uniform(0.1, 2.5)
    committed = _run_and_kill(tmp_path, seed, after)
    monkeypatch.setenv(project_controller.RECOVERY_ENV, str(tmp_path / "recovery"))
    window = MainWindow()
    qtbot.addWidget(window)
    window.project.ask_recover = lambda parent: True
    assert window.project.offer_recovery()
    recovered = window.layers.get("alpha")
    assert recovered is not None
    matches = [n for n in (committed, committed + 1) if np.array_equal(recovered, _expected(seed, n))]
    assert matches, (
        f"edits lost: the recovered alpha is not the one after edit {committed} (killed at {after:.2f} s)"
    )
    left = sorted(os.listdir(tmp_path / "recovery"))
    epoch = window.project.journals.snapshot  # the snapshot; its own journal may stay, open for new edits
    own = (epoch.name, epoch.with_suffix(".lock").name)  # and the lock of the window that recovered it
    assert [name for name in left if not (name in own or name.endswith(".journal"))] == [], left
    assert sum(name.endswith(".journal") for name in left) <= 1, left
