"""Move mode on the window's canvas: the subject's box and handles are drawn, and dragging them scales and
rotates the subject; the numeric fields and the compositing settings follow."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.qimage import qimage_to_rgb
from classic.placement import Placement

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot: QtBot, photos: SyntheticPhotos) -> MainWindow:
    """A shown window with the photos and a cut-out, in Move mode at 100 %: the default placement of the
    120 x 90 foreground on the 140 x 100 background is x 10, y 5, scale 1."""
    main_window = MainWindow()
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    photos.open_in(main_window.document)
    main_window.editor.move_mode.setChecked(True)
    main_window.canvas.actual_size()
    return main_window


def at(window: MainWindow, x: float, y: float) -> QPoint:
    """The viewport point over background pixel (x, y) (the canvas shows the background's frame)."""
    assert window.canvas.image_size == (140, 100)
    return window.canvas.mapFromScene(x, y)


def send(window: MainWindow, kind: QEvent.Type, point: QPoint, modifiers: Qt.KeyboardModifier) -> None:
    """A mouse event with keyboard modifiers (qtbot's mouseMove cannot carry them)."""
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else LEFT
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else LEFT
    position = QPointF(point)
    event = QMouseEvent(kind, position, position, button, buttons, modifiers)
    QApplication.sendEvent(window.canvas.viewport(), event)


def shown_pixel(window: MainWindow, point: QPoint) -> np.ndarray:
    image = qimage_to_rgb(window.canvas.viewport().grab().toImage())
    return image[point.y(), point.x()]


def test_the_box_and_handles_are_drawn_in_move_mode(qtbot: QtBot, window: MainWindow) -> None:
    editor, corner = window.editor, at(window, 130.0, 95.0)
    assert editor.drag.shown() == (Placement(x=10.0, y=5.0), (120, 90))
    assert np.all(shown_pixel(window, corner) > 0.95)  # The white handle, not the blue background.
    editor.move_mode.setChecked(False)
    assert shown_pixel(window, corner)[0] < 0.5


def test_dragging_a_corner_scales_and_the_fields_follow(qtbot: QtBot, window: MainWindow) -> None:
    viewport, editor = window.canvas.viewport(), window.editor
    qtbot.mouseMove(viewport, at(window, 130.0, 95.0))
    assert viewport.cursor().shape() == Qt.CursorShape.SizeFDiagCursor
    qtbot.mousePress(viewport, LEFT, pos=at(window, 130.0, 95.0))
    qtbot.mouseMove(viewport, at(window, 190.0, 140.0))
    qtbot.mouseRelease(viewport, LEFT, pos=at(window, 190.0, 140.0))
    expected = Placement(x=10.0, y=5.0, scale=1.5)  # The top-left corner stays.
    assert editor.placement_panel.placement() == expected
    assert editor.placement_panel.scale_field.value() == 1.5
    assert editor.compositing_panel.settings().placement == expected


def test_alt_scales_about_the_centre(qtbot: QtBot, window: MainWindow) -> None:
    alt = Qt.KeyboardModifier.AltModifier
    send(window, QEvent.Type.MouseButtonPress, at(window, 10.0, 5.0), alt)
    send(window, QEvent.Type.MouseMove, at(window, 34.0, 23.0), alt)  # 0.4 of the way to the centre (70, 50)
    send(window, QEvent.Type.MouseButtonRelease, at(window, 34.0, 23.0), alt)
    assert window.editor.placement_panel.placement() == Placement(x=34.0, y=23.0, scale=0.6)


def test_the_rotation_handle_turns_and_shift_snaps(qtbot: QtBot, window: MainWindow) -> None:
    editor, viewport = window.editor, window.canvas.viewport()
    handle = at(window, 70.0, 5.0 - 28.0)  # 28 screen pixels above the top edge's midpoint, at 100 %.
    qtbot.mousePress(viewport, LEFT, pos=handle)
    qtbot.mouseMove(viewport, at(window, 145.0, 50.0))  # Right of the centre (70, 50): a quarter turn.
    qtbot.mouseRelease(viewport, LEFT, pos=at(window, 145.0, 50.0))
    turned = editor.placement_panel.placement()
    assert turned.rotation == pytest.approx(-90.0, abs=1.0) and (turned.x, turned.y) == (10.0, 5.0)
    shift = Qt.KeyboardModifier.ShiftModifier
    editor.placement_panel.set_placement(Placement(x=10.0, y=5.0))
    send(window, QEvent.Type.MouseButtonPress, handle, shift)
    send(window, QEvent.Type.MouseMove, at(window, 145.0, 40.0), shift)  # 82° round: snaps to 75°.
    send(window, QEvent.Type.MouseButtonRelease, at(window, 145.0, 40.0), shift)
    assert editor.placement_panel.placement().rotation == -75.0


def test_dragging_inside_the_box_moves(qtbot: QtBot, window: MainWindow) -> None:
    viewport = window.canvas.viewport()
    qtbot.mousePress(viewport, LEFT, pos=at(window, 70.0, 50.0))
    qtbot.mouseMove(viewport, at(window, 60.0, 53.0))
    qtbot.mouseRelease(viewport, LEFT, pos=at(window, 60.0, 53.0))
    assert window.editor.placement_panel.placement() == Placement(x=0.0, y=8.0)


def test_the_box_follows_the_numeric_fields(qtbot: QtBot, window: MainWindow) -> None:
    window.editor.placement_panel.x_field.setValue(-20.0)
    shown = window.editor.drag.shown()
    assert shown is not None and shown[0].x == -20.0
    assert np.all(shown_pixel(window, at(window, 100.0, 95.0)) > 0.95)  # The corner moved with it.
