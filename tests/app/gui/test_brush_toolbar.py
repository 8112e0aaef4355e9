"""The brush toolbar: its buttons pick the tools, its fields set the brush, and both follow shortcuts."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from app.gui.brush_toolbar import current_button
from app.gui.main_window import MainWindow
from app.model.tools import BrushTool


def test_current_button_names_the_tool_state() -> None:
    tool = BrushTool()
    assert current_button(tool) == "Hand"
    tool.activate("subtract")
    assert current_button(tool) == "Eraser"
    tool.activate_kind("grabcut")
    assert current_button(tool) == "GrabCut Hints"
    tool.activate_kind("refine edge")
    assert current_button(tool) == "Refine Edge"


def _trigger_shortcut(window: MainWindow, key: str) -> None:
    action = next(a for a in window.actions() if a.shortcut() == QKeySequence(key))
    action.trigger()


def test_buttons_choose_tools_and_follow_the_shortcuts(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    toolbar, tool = window.brush_toolbar, window.painter.tool
    toolbar.buttons["Eraser"].trigger()
    assert tool.active and tool.kind == "mask" and tool.mode == "subtract"
    toolbar.buttons["Quick Select"].trigger()
    assert tool.active and tool.kind == "quick select"
    toolbar.buttons["Hand"].trigger()
    assert not tool.active
    _trigger_shortcut(window, "B")
    assert toolbar.buttons["Brush"].isChecked() and not toolbar.buttons["Hand"].isChecked()


def test_fields_set_the_brush_and_show_size_changes(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    toolbar, tool = window.brush_toolbar, window.painter.tool
    assert toolbar.size_field.value() == tool.size  # the preferences' default
    toolbar.size_field.setValue(120)
    toolbar.hardness_field.setValue(0.25)
    toolbar.opacity_field.setValue(0.5)
    assert (tool.size, tool.hardness, tool.opacity) == (120.0, 0.25, 0.5)
    assert window.painter.tool.brush().hardness == 0.25
    _trigger_shortcut(window, "]")
    assert tool.size > 120 and toolbar.size_field.value() == round(tool.size)
