"""The brush cursor: an outline of the brush's real diameter at the zoom, following the mouse and [ ]."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent, QUndoStack
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from app.gui.brush_cursor import BrushCursor, screen_radii
from app.gui.canvas import Canvas
from app.gui.main_window import MainWindow
from app.gui.painting import PaintController
from app.model.layers import LayerStack
from classic.placement import Placement
from tests.app.conftest import SyntheticPhotos


@pytest.fixture
def setup(qtbot: QtBot) -> tuple[QMainWindow, Canvas, PaintController, BrushCursor]:
    window = QMainWindow()
    canvas = Canvas()
    window.setCentralWidget(canvas)
    layers = LayerStack()
    controller = PaintController(canvas, layers, QUndoStack(window), parent=window)
    controller.install(window)
    cursor = BrushCursor(controller)
    mask = np.zeros((600, 800), np.float32)
    layers.set_image("segmentation mask", mask)
    canvas.set_image(mask)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    qtbot.waitExposed(window)
    return window, canvas, controller, cursor


def move_to(qtbot: QtBot, canvas: Canvas, point: QPoint) -> None:
    """A mouse move without a button (sent, not simulated: QTest drops a move to where it already is)."""
    viewport = canvas.viewport()
    position = QPointF(point)
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        position,
        QPointF(viewport.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)
    qtbot.wait(1)


def test_screen_radii_scale_with_zoom_and_hardness() -> None:
    assert screen_radii(40.0, 0.5, 1.0) == (20.0, 10.0)
    assert screen_radii(40.0, 0.5, 0.25) == (5.0, 2.5)
    assert screen_radii(40.0, 1.0, 2.0) == (40.0, 40.0)


def test_the_outline_has_the_brush_size_on_screen_at_fit_and_at_100_percent(
    qtbot: QtBot, setup: tuple[QMainWindow, Canvas, PaintController, BrushCursor]
) -> None:
    _window, canvas, controller, cursor = setup
    controller.activate("add")
    controller.set_brush(size=80.0, hardness=0.5)
    canvas.fit_to_window()
    move_to(qtbot, canvas, QPoint(100, 120))
    assert cursor.visible and cursor.position is not None
    assert (cursor.position.x(), cursor.position.y()) == (100.0, 120.0)
    fit_zoom = canvas.zoom
    assert fit_zoom < 0.9  # An 800 × 600 mask in a smaller canvas.
    assert cursor.radii() == pytest.approx((40.0 * fit_zoom, 20.0 * fit_zoom))
    canvas.actual_size()
    assert cursor.radii() == pytest.approx((40.0, 20.0))
    # The small cross replaces the system one while the brush paints.
    assert canvas.viewport().cursor().shape() == Qt.CursorShape.BitmapCursor


def test_brackets_resize_the_outline(
    qtbot: QtBot, setup: tuple[QMainWindow, Canvas, PaintController, BrushCursor]
) -> None:
    window, canvas, controller, cursor = setup
    controller.activate("add")
    controller.set_brush(size=40.0)
    canvas.actual_size()
    move_to(qtbot, canvas, QPoint(150, 150))
    shortcuts = {action.shortcut().toString(): action for action in window.actions()}
    assert cursor.radii()[0] == pytest.approx(20.0)
    shortcuts[QKeySequence("]").toString()].trigger()
    assert cursor.radii()[0] == pytest.approx(25.0)  # 40 px × 1.25.
    shortcuts[QKeySequence("[").toString()].trigger()
    shortcuts[QKeySequence("[").toString()].trigger()
    assert cursor.radii()[0] == pytest.approx(16.0)


def test_the_outline_is_drawn_over_the_canvas_and_follows_the_mouse(
    qtbot: QtBot, setup: tuple[QMainWindow, Canvas, PaintController, BrushCursor]
) -> None:
    _window, canvas, controller, _cursor = setup
    controller.activate("add")
    controller.set_brush(size=60.0, hardness=1.0)
    canvas.actual_size()

    def lit(x: int, y: int) -> bool:  # The 1 px light ring straddles two pixels: look at three.
        image = canvas.viewport().grab().toImage()
        return max(image.pixelColor(x + dx, y + dy).red() for dx in (-1, 0, 1) for dy in (-1, 0, 1)) > 100

    move_to(qtbot, canvas, QPoint(150, 150))
    assert lit(150 + 30, 150) and lit(150, 150 - 30)  # On the circle of radius 30.
    assert not lit(150 + 15, 150)  # Inside it, the black mask.
    move_to(qtbot, canvas, QPoint(300, 250))
    assert lit(300 - 30, 250) and not lit(150 + 30, 150)


def test_no_outline_with_the_hand_or_outside_the_canvas(
    qtbot: QtBot, setup: tuple[QMainWindow, Canvas, PaintController, BrushCursor]
) -> None:
    _window, canvas, controller, cursor = setup
    move_to(qtbot, canvas, QPoint(100, 100))
    assert not cursor.visible  # The hand pans.
    controller.activate("add")
    assert cursor.visible
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    assert not cursor.visible  # Space held: dragging pans.
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert cursor.visible
    QApplication.sendEvent(canvas.viewport(), QEvent(QEvent.Type.Leave))
    assert not cursor.visible


def test_on_a_scaled_composite_the_outline_keeps_the_size_the_user_set(
    qtbot: QtBot, photos: SyntheticPhotos
) -> None:
    """The brush on the composite paints the mask through the placement, scaled so that it covers what
    it covers on screen: the outline is the brush size times the zoom, whatever the subject's scale."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    photos.open_in(window.document)
    window.editor.apply_placement(Placement(x=20.0, y=10.0, scale=0.5))
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000):
        window.menu_actions.composite.trigger()
    window.painter.activate("add")
    window.painter.set_brush(size=10.0)
    assert window.editor.composite_target() is not None  # The brush paints the alpha through the placement.
    move_to(qtbot, window.canvas, QPoint(30, 30))
    assert window.brush_cursor.visible
    assert window.brush_cursor.radii()[0] == pytest.approx(5.0 * window.canvas.zoom)
    window.canvas.zoom_by(2.0)
    assert window.brush_cursor.radii()[0] == pytest.approx(5.0 * window.canvas.zoom)
