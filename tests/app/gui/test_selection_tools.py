"""The box and lasso tools in the window: a drawn rectangle cuts the subject out from inside it, a drawn
outline fills the mask shown, one undo step."""

# ruff: noqa: F811  (the ``window`` fixture is imported from test_workflow)

from __future__ import annotations

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui import selection_tools
from app.gui.main_window import MainWindow
from classic.grabcut import Rect
from tests.app.gui.test_workflow import drag, window  # noqa: F401

JOB_TIMEOUT_MS = 30_000


def test_a_lasso_fills_the_mask_shown_as_one_undo_step(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.set_active_layer("segmentation mask")
    window.document.set_view_mode("overlay")
    window.tool_actions.actions["lasso"].trigger()
    assert window.painter.target() == "segmentation mask"
    mask = window.layers.get("segmentation mask")
    assert mask is not None
    before = mask.copy()
    monkeypatch.setattr(selection_tools, "lasso_mode", lambda: "add")  # Shift held.
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):  # The alpha follows.
        drag(qtbot, window, [(2, 2), (20, 2), (20, 20), (2, 20), (2, 3)])
    after = window.layers.get("segmentation mask")
    assert after is not None and after[10, 10] == 1.0 and before[10, 10] == 0.0
    assert np.array_equal(after[40:], before[40:])  # Added to, not replaced.
    assert window.undo_stack.text(window.undo_stack.count() - 2) == "Lasso"  # Then "Re-solve alpha".
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert np.array_equal(window.layers.get("segmentation mask"), before)


def test_a_lasso_replaces_or_subtracts(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.set_active_layer("alpha")
    window.document.set_view_mode("alpha")
    window.tool_actions.actions["lasso"].trigger()
    alpha = window.layers.get("alpha")
    assert alpha is not None
    rows, cols = np.nonzero(alpha > 0.5)
    top, left, bottom, right = rows.min(), cols.min(), rows.max(), cols.max()
    monkeypatch.setattr(selection_tools, "lasso_mode", lambda: "subtract")
    drag(qtbot, window, [(left - 2, top - 2), (right + 2, top - 2), (right + 2, (top + bottom) / 2),
                         (left - 2, (top + bottom) / 2)])  # fmt: skip
    shown = window.layers.get("alpha")
    assert (
        shown is not None
        and shown[top + 1, (left + right) // 2] == 0.0
        and shown[bottom - 1, (left + right) // 2] > 0.5
    )
    assert window.undo_stack.undoText() == "Lasso"
    monkeypatch.setattr(selection_tools, "lasso_mode", lambda: "replace")
    drag(qtbot, window, [(0, 0), (5, 0), (5, 5), (0, 5)])
    replaced = window.layers.get("alpha")
    assert replaced is not None and replaced.sum() == 36.0  # Only the drawn square.


def test_a_box_cuts_the_subject_out_from_inside_it(qtbot: QtBot, window: MainWindow) -> None:
    window.document.set_view_mode("overlay")
    window.tool_actions.actions["box"].trigger()
    assert window.painter.target() == "foreground"
    asked: list[Rect | None] = []
    real = window.run_cutout
    window.run_cutout = lambda rect=None: (asked.append(rect), real(rect))[1]  # type: ignore[method-assign]
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        drag(qtbot, window, [(30, 20), (60, 40), (90, 70)])
    assert asked == [Rect(30, 20, 61, 51)]
    mask = window.layers.get("segmentation mask")
    assert mask is not None and mask[:20].max() == 0.0 and mask[:, :30].max() == 0.0  # Nothing outside.
    window.run_cutout = real  # type: ignore[method-assign]
    drag(qtbot, window, [(30, 20), (32, 22)])  # Too small to mean a box.
    assert not window.jobs.is_busy and "larger rectangle" in window.statusBar().currentMessage()
