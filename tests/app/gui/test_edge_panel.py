"""The Refine Edge panel: each change re-solves the whole edge on the worker as one undo step, from the
cut-out as it was, so the fields always describe the edge shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 30_000


def test_the_panel_refines_the_whole_edge_as_one_undo_step(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    photos.open_in(window.document)
    alpha = window.layers.get("alpha")
    assert alpha is not None
    original = alpha.copy()
    panel = window.edge_panel
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        panel.shift.setValue(3.0)
    grown = window.layers.get("alpha")
    assert grown is not None and (grown > 0.5).sum() > (original > 0.5).sum()
    assert window.undo_stack.undoText() == "Refine edge"
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        panel.shift.setValue(0.0)  # From the cut-out as it was: back to its own edge.
    np.testing.assert_allclose(window.layers.get("alpha"), original, atol=1e-6)
    window.undo_stack.undo()
    np.testing.assert_allclose(window.layers.get("alpha"), grown, atol=1e-6)
    photos.open_in(window.document)  # A new cut-out starts the panel afresh.
    assert panel.shift.value() == 0.0
