"""The tools' action table drives the Edit menu, the palette and the shortcuts; the palette follows the
tool however it was chosen; the brush toolbar's fields set the brush."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.tool_actions import ICONS, TOOL_ACTIONS, current_tool
from app.model.tools import BrushTool


def test_current_tool_names_the_tool_state() -> None:
    tool = BrushTool()
    assert current_tool(tool) == "hand"
    tool.activate("subtract")
    assert current_tool(tool) == "eraser"
    tool.activate_kind("grabcut")
    assert current_tool(tool) == "grabcut"
    tool.activate_kind("refine edge")
    assert current_tool(tool) == "refine edge"
    tool.activate_kind("lasso")
    assert current_tool(tool) == "lasso"


def _edit_menu(window: MainWindow) -> QMenu:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert isinstance(menu, QMenu)
    return menu


def test_the_table_drives_the_menu_the_palette_and_the_shortcuts(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    palette = window.findChild(QToolBar, "tool palette")
    assert palette is not None
    entries = [a for a in _edit_menu(window).actions() if not a.isSeparator()]
    for entry in TOOL_ACTIONS:
        action = window.tool_actions.actions[entry.id]
        assert action in palette.actions() and action in entries  # One action, in both places.
        assert action.shortcut() == QKeySequence(entry.shortcut)
        assert f"({entry.shortcut})" in action.toolTip()
        assert not action.icon().isNull() and Path(ICONS / f"{entry.icon}.svg").is_file()
    assert [a.text() for a in palette.actions()] == [e.text for e in TOOL_ACTIONS]
    shortcuts = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len(shortcuts) == len(set(shortcuts))  # No key bound twice.


def _trigger_shortcut(window: MainWindow, key: str) -> None:
    action = next(a for a in window.actions() if a.shortcut() == QKeySequence(key))
    action.trigger()


def test_the_palette_chooses_tools_and_follows_the_shortcuts(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    actions, tool = window.tool_actions.actions, window.painter.tool
    actions["eraser"].trigger()
    assert tool.active and tool.kind == "mask" and tool.mode == "subtract"
    actions["quick select"].trigger()
    assert tool.active and tool.kind == "quick select"
    actions["hand"].trigger()
    assert not tool.active
    _trigger_shortcut(window, "B")
    assert actions["brush"].isChecked() and not actions["hand"].isChecked()
    _trigger_shortcut(window, "X")  # Swap: the eraser, checked however it was chosen.
    assert actions["eraser"].isChecked()
    _trigger_shortcut(window, "L")
    assert tool.kind == "lasso" and actions["lasso"].isChecked()


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
