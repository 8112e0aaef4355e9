"""Brush defaults and the undo limit come from the settings, at start and after Preferences."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoStack
from pytestqt.qtbot import QtBot

from app.gui.commands import StrokeCommand
from app.gui.main_window import MainWindow
from app.gui.preferences import PreferencesDialog
from app.gui.settings import SETTINGS, Settings
from app.gui.tool_settings import ToolSettings
from app.model.brush import Region
from app.model.layers import LayerStack
from app.model.tools import BrushTool


def test_the_window_starts_with_the_preferred_brush_and_undo_limit(qtbot: QtBot) -> None:
    settings = Settings()
    settings.set("brush/size", 12)
    settings.set("brush/hardness", 0.25)
    settings.set("brush/opacity", 0.5)
    settings.set("editing/undo_limit", 7)
    window = MainWindow()
    qtbot.addWidget(window)
    tool = window.painter.tool
    assert (tool.size, tool.hardness, tool.opacity) == (12.0, 0.25, 0.5)
    assert window.undo_stack.undoLimit() == 7


def test_defaults_without_settings(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.painter.tool.size == SETTINGS["brush/size"].default
    assert window.undo_stack.undoLimit() == SETTINGS["editing/undo_limit"].default


def test_preferences_change_the_brush_and_the_limit(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    dialog = PreferencesDialog(window.settings)
    qtbot.addWidget(dialog)
    dialog.editors["brush/size"].setValue(64)  # type: ignore[attr-defined]
    dialog.editors["editing/undo_limit"].setValue(3)  # type: ignore[attr-defined]
    dialog.accept()
    window.apply_settings()
    assert window.painter.tool.size == 64.0 and window.undo_stack.undoLimit() == 3


def push_strokes(layers: LayerStack, stack: QUndoStack, count: int) -> None:
    for index in range(count):
        region = Region(index, 0, index + 1, 1)
        layers.set_region("alpha", region.window, np.ones((1, 1), np.float32))
        stack.push(
            StrokeCommand(layers, "alpha", region, np.zeros((1, 1), np.float32), np.ones((1, 1), np.float32))
        )


def test_a_new_limit_waits_for_an_empty_history(qtbot: QtBot) -> None:
    settings, tool, stack, layers = Settings(), BrushTool(), QUndoStack(), LayerStack()
    layers.set_image("alpha", np.zeros((10, 1), np.float32))
    applier = ToolSettings(settings, tool, stack)
    settings.set("editing/undo_limit", 4)
    applier.apply()
    push_strokes(layers, stack, 6)
    assert stack.undoLimit() == 4 and stack.count() == 4  # the oldest steps are dropped
    settings.set("editing/undo_limit", 2)
    applier.apply()
    assert stack.undoLimit() == 4 and applier.pending_limit == 2  # Qt refuses while steps exist
    stack.clear()
    assert stack.undoLimit() == 2 and applier.pending_limit is None
    push_strokes(layers, stack, 5)
    assert stack.count() == 2
