"""Placement changes are undoable: one undo step per gesture, undo and redo restore fields and settings."""

from __future__ import annotations

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui import placement_history
from app.gui.main_window import MainWindow
from classic.placement import Placement
from tests.app.conftest import disc_photo


def _window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(disc_photo(60, 80))
    window.document.set_background(np.zeros((90, 120, 3), np.float32))
    return window


def test_a_gesture_is_one_undo_step_and_undo_redo_restore_the_placement(qtbot: QtBot) -> None:
    window = _window(qtbot)
    editor, stack = window.editor, window.undo_stack
    start = editor.current_placement()
    assert start is not None
    count = stack.count()
    # A drag: many changes in quick succession.
    for step in range(1, 6):
        editor.apply_placement(Placement(x=start.x + 4 * step, y=start.y, scale=1.0, rotation=0.0))
    assert stack.count() == count + 1 and stack.undoText() == "Move subject"
    moved = editor.current_placement()
    assert moved is not None and moved.x == pytest.approx(start.x + 20)
    stack.undo()
    assert editor.current_placement() == start
    assert editor.placement_panel.x_field.value() == pytest.approx(start.x)
    assert stack.count() == count + 1  # undo recorded nothing new
    stack.redo()
    assert editor.current_placement() == moved
    assert editor.compositing_panel.settings().placement == moved


def test_separate_edits_are_separate_steps(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(placement_history, "MERGE_SECONDS", -1.0)  # no two edits count as one gesture
    window = _window(qtbot)
    panel, stack = window.editor.placement_panel, window.undo_stack
    count = stack.count()
    panel.rotation_field.setValue(15.0)
    panel.flip_field.setChecked(True)
    assert stack.count() == count + 2
    stack.undo()
    assert not panel.flip_field.isChecked() and panel.rotation_field.value() == 15.0
    stack.undo()
    assert panel.rotation_field.value() == 0.0
