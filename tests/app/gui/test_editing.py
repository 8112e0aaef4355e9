"""The brush driven by mouse on the canvas: live painting, one undo command per stroke, shortcuts, pan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app.gui.canvas import Canvas
from app.gui.commands import UNDO_LIMIT, StrokeCommand
from app.gui.painting import PaintController
from app.gui.tool_actions import ToolActions
from app.model.brush import Region
from app.model.layers import LayerEvent, LayerStack

LEFT = Qt.MouseButton.LeftButton


@dataclass
class Editor:
    window: QMainWindow
    canvas: Canvas
    layers: LayerStack
    undo_stack: QUndoStack
    controller: PaintController

    def mask(self) -> np.ndarray:
        image = self.layers.get("segmentation mask")
        assert image is not None
        return image

    def at(self, x: float, y: float) -> QPoint:
        """The viewport position of image pixel (row y, column x)."""
        return self.canvas.mapFromScene(QPointF(x + 0.5, y + 0.5))

    def drag(self, qtbot: QtBot, points: list[tuple[float, float]]) -> None:
        viewport = self.canvas.viewport()
        qtbot.mousePress(viewport, LEFT, pos=self.at(*points[0]))
        for point in points[1:]:
            qtbot.mouseMove(viewport, self.at(*point))
        qtbot.mouseRelease(viewport, LEFT, pos=self.at(*points[-1]))


@pytest.fixture
def editor(qtbot: QtBot) -> Editor:
    window = QMainWindow()
    canvas = Canvas()
    window.setCentralWidget(canvas)
    layers = LayerStack()
    undo_stack = QUndoStack(window)
    undo_stack.setUndoLimit(UNDO_LIMIT)
    controller = PaintController(canvas, layers, undo_stack, parent=window)
    controller.install(window)
    ToolActions(controller, window)  # B, E, H…: the tools' action table.

    def show(event: LayerEvent) -> None:  # What the main window does, in short.
        top = layers.top_visible()
        if event.region is not None and top is not None:
            canvas.update_region(top.image, event.region)
        elif event.kind in ("inserted", "removed") or event.region is None:
            canvas.set_image(None if top is None else top.image)

    layers.connect(show)
    layers.set_image("segmentation mask", np.zeros((40, 60), np.float32))
    qtbot.addWidget(window)
    window.resize(400, 300)
    window.show()
    qtbot.waitExposed(window)
    canvas.actual_size()
    return Editor(window, canvas, layers, undo_stack, controller)


def shown_grey(editor: Editor, x: int, y: int) -> int:
    return editor.canvas._item.pixmap().toImage().pixelColor(x, y).red()


def test_a_drag_paints_the_mask_and_pushes_one_command(editor: Editor, qtbot: QtBot) -> None:
    editor.controller.activate("add")
    editor.controller.tool.size, editor.controller.tool.hardness = 5.0, 1.0
    assert editor.canvas.dragMode() == Canvas.DragMode.NoDrag
    editor.drag(qtbot, [(10, 10), (20, 10), (30, 10)])
    mask = editor.mask()
    assert mask[10, 10] == 1.0 and mask[10, 30] == 1.0 and mask[10, 20] == 1.0
    assert mask[30, 10] == 0.0
    assert np.count_nonzero(mask[:, :8]) == 0  # the brush reaches 2.5 px left of its first dab
    assert editor.undo_stack.count() == 1
    assert isinstance(editor.undo_stack.command(0), StrokeCommand)
    assert shown_grey(editor, 20, 10) == 255 and shown_grey(editor, 20, 30) == 0  # the canvas follows


def test_undo_restores_the_exact_old_mask_and_redo_reapplies(editor: Editor, qtbot: QtBot) -> None:
    mask = editor.mask()
    mask[:, 30:] = 0.5  # a mask with some history of its own
    before = mask.copy()
    editor.controller.activate("subtract")
    editor.drag(qtbot, [(25, 5), (35, 20), (50, 30)])
    after = mask.copy()
    assert not np.array_equal(before, after)
    command = editor.undo_stack.command(0)
    assert isinstance(command, StrokeCommand)
    assert command.old_patch.size < mask.size  # only the stroke's bounding box is kept
    editor.undo_stack.undo()
    assert np.array_equal(editor.mask(), before)
    assert shown_grey(editor, 40, 20) == 128
    editor.undo_stack.redo()
    assert np.array_equal(editor.mask(), after)
    editor.undo_stack.undo()
    assert np.array_equal(editor.mask(), before)


def test_each_stroke_is_one_undo_step(editor: Editor, qtbot: QtBot) -> None:
    editor.controller.activate("add")
    editor.drag(qtbot, [(10, 10), (12, 12)])
    first = editor.mask().copy()
    editor.drag(qtbot, [(40, 30), (45, 30)])
    assert editor.undo_stack.count() == 2
    editor.undo_stack.undo()
    assert np.array_equal(editor.mask(), first)
    assert editor.undo_stack.undoLimit() == UNDO_LIMIT


def test_a_new_mask_drops_the_history(editor: Editor, qtbot: QtBot) -> None:
    editor.controller.activate("add")
    editor.drag(qtbot, [(10, 10), (12, 12)])
    assert editor.undo_stack.count() == 1
    editor.layers.set_image("segmentation mask", np.zeros((40, 60), np.float32))
    assert editor.undo_stack.count() == 0


def test_shortcuts_change_the_tool(editor: Editor, qtbot: QtBot) -> None:
    tool = editor.controller.tool
    shortcuts = {action.shortcut().toString(): action for action in editor.window.actions()}
    for key in ("B", "E", "X", "[", "]", "H", "Ctrl+Z"):
        assert key in shortcuts
    shortcuts["E"].trigger()
    assert tool.active and tool.mode == "subtract"
    shortcuts["X"].trigger()
    assert tool.mode == "add"
    size = tool.size
    shortcuts["]"].trigger()
    assert tool.size > size
    shortcuts["["].trigger()
    shortcuts["["].trigger()
    assert tool.size < size
    shortcuts["H"].trigger()
    assert not tool.active and editor.canvas.dragMode() == Canvas.DragMode.ScrollHandDrag
    editor.window.activateWindow()
    editor.canvas.setFocus()
    qtbot.keyClick(editor.canvas, Qt.Key.Key_B)
    assert tool.active and tool.mode == "add"


def test_undo_and_redo_shortcuts(editor: Editor, qtbot: QtBot) -> None:
    editor.controller.activate("add")
    editor.drag(qtbot, [(10, 10), (12, 12)])
    editor.window.activateWindow()
    editor.canvas.setFocus()
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not editor.mask().any()
    redo = next(action for action in editor.window.actions() if action.text().startswith("&Redo"))
    assert "Ctrl+Shift+Z" in [key.toString() for key in redo.shortcuts()]
    qtbot.keyClick(
        editor.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert editor.mask().any()


def test_space_drag_pans_instead_of_painting(editor: Editor, qtbot: QtBot) -> None:
    editor.layers.set_image("segmentation mask", np.zeros((600, 800), np.float32))
    editor.canvas.actual_size()
    editor.controller.activate("add")
    bar = editor.canvas.horizontalScrollBar()
    assert bar.maximum() > 0
    start = bar.value()
    qtbot.keyPress(editor.canvas, Qt.Key.Key_Space)
    assert editor.canvas.dragMode() == Canvas.DragMode.ScrollHandDrag
    viewport = editor.canvas.viewport()
    qtbot.mousePress(viewport, LEFT, pos=QPoint(200, 100))
    qtbot.mouseMove(viewport, QPoint(150, 100))
    qtbot.mouseMove(viewport, QPoint(100, 100))
    qtbot.mouseRelease(viewport, LEFT, pos=QPoint(100, 100))
    qtbot.keyRelease(editor.canvas, Qt.Key.Key_Space)
    assert bar.value() != start
    assert not editor.mask().any()
    assert editor.undo_stack.count() == 0
    assert editor.canvas.dragMode() == Canvas.DragMode.NoDrag


def test_dragging_pans_when_the_brush_is_off_or_no_mask_is_shown(editor: Editor, qtbot: QtBot) -> None:
    editor.drag(qtbot, [(10, 10), (30, 10)])  # the brush starts inactive
    assert not editor.mask().any()
    editor.controller.activate("add")
    editor.layers.set_image("foreground", np.zeros((40, 60, 3), np.float32))
    editor.layers.set_visible("segmentation mask", False)
    assert editor.controller.target() is None
    assert editor.canvas.dragMode() == Canvas.DragMode.ScrollHandDrag
    editor.drag(qtbot, [(10, 10), (30, 10)])
    assert editor.undo_stack.count() == 0


def test_stroke_command_restores_through_the_layer_stack() -> None:
    layers = LayerStack()
    layers.set_image("alpha", np.zeros((20, 20), np.float32))
    events: list[LayerEvent] = []
    layers.connect(events.append)
    region = Region(2, 3, 5, 7)
    stack = QUndoStack()
    stack.push(
        StrokeCommand(layers, "alpha", region, np.zeros((3, 4), np.float32), np.ones((3, 4), np.float32))
    )
    assert not events  # the first redo is skipped: the stroke was painted live
    stack.redo()  # nothing to redo
    stack.undo()
    stack.redo()
    alpha = layers.get("alpha")
    assert alpha is not None and int(alpha.sum()) == 12 and alpha[region.window].all()
    assert [(event.kind, event.region) for event in events] == [("changed", region.window)] * 2
