"""Placement changes are undoable: one undo step per gesture, undo and redo restore fields and settings."""

from __future__ import annotations

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui import compositing_history
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
    monkeypatch.setattr(compositing_history, "MERGE_SECONDS", -1.0)  # no two edits count as one gesture
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


def test_each_panel_setting_is_an_undo_step_named_after_it(qtbot: QtBot) -> None:
    window = _window(qtbot)
    panel, stack, document = window.editor.compositing_panel, window.undo_stack, window.document
    panel.edge_shift.setValue(4.0)
    assert stack.undoText() == "Edge shift" and document.compositing.edge_shift == 4.0
    window.method_combo.setCurrentText("feather")
    assert stack.undoText() == "Compositing method"
    panel.decontamination.setValue(0.5)
    assert stack.undoText() == "Decontamination"
    stack.undo()
    stack.undo()
    assert document.compositing.method == "alpha" and panel.method.currentText() == "alpha"
    assert window.method_combo.currentText() == "alpha" and document.compositing.decontamination == 1.0
    stack.undo()
    assert document.compositing.edge_shift == 0.0 and panel.edge_shift.value() == 0.0
    stack.redo()
    assert panel.edge_shift.value() == 4.0


def test_placement_steps_are_named_after_the_gesture(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compositing_history, "MERGE_SECONDS", -1.0)
    window = _window(qtbot)
    panel, stack = window.editor.placement_panel, window.undo_stack
    names = []
    for edit in (
        lambda: panel.x_field.setValue(3.0),
        lambda: panel.scale_field.setValue(0.5),
        lambda: panel.rotation_field.setValue(20.0),
        lambda: panel.flip_field.setChecked(True),
    ):
        edit()
        names.append(stack.undoText())
    assert names == ["Move subject", "Scale subject", "Rotate subject", "Flip subject"]


def test_a_placement_step_is_dropped_once_another_photo_is_opened(qtbot: QtBot) -> None:
    """Undoing a move made for the previous background put the subject at that photo's offsets."""
    window = _window(qtbot)
    stack, document = window.undo_stack, window.document
    window.editor.apply_placement(Placement(x=70.0, y=40.0, scale=0.25))
    count = stack.count()
    document.set_background(np.zeros((300, 400, 3), np.float32))  # A fresh fitted placement.
    fitted = window.editor.current_placement()
    stack.undo()
    assert window.editor.current_placement() == fitted
    assert stack.count() == count - 1  # The stale step is gone.
