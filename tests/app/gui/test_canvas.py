from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.canvas import MAX_ZOOM, MIN_ZOOM, Canvas, clamp_zoom_factor, wheel_zoom_factor


@pytest.fixture
def canvas(qtbot: QtBot) -> Canvas:
    view = Canvas()
    qtbot.addWidget(view)
    view.resize(200, 150)
    view.show()
    qtbot.waitExposed(view)
    return view


def photo(height: int = 300, width: int = 400) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows / height, cols / width, np.full_like(rows, 0.5, dtype=float)], axis=2).astype(
        np.float32
    )


def send_wheel(view: Canvas, position: QPoint, notches: int) -> None:
    event = QWheelEvent(
        QPointF(position),
        QPointF(view.viewport().mapToGlobal(position)),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_wheel_factor_and_clamp() -> None:
    assert wheel_zoom_factor(120) == pytest.approx(1.25)
    assert wheel_zoom_factor(-240) == pytest.approx(0.64)
    assert wheel_zoom_factor(60) == pytest.approx(1.25**0.5)
    assert clamp_zoom_factor(MAX_ZOOM / 2, 4.0) == pytest.approx(2.0)
    assert clamp_zoom_factor(MIN_ZOOM, 0.5) == pytest.approx(1.0)


def test_new_image_is_fitted_to_the_window(canvas: Canvas) -> None:
    assert not canvas.has_image
    canvas.set_image(photo())
    assert canvas.image_size == (400, 300)
    assert canvas.zoom == pytest.approx(0.5, abs=0.02)  # fitInView keeps a small margin


def test_actual_size_and_fit(canvas: Canvas) -> None:
    canvas.set_image(photo())
    canvas.actual_size()
    assert canvas.zoom == pytest.approx(1.0)
    canvas.fit_to_window()
    assert canvas.zoom == pytest.approx(0.5, abs=0.02)


def test_wheel_zooms_around_the_cursor(canvas: Canvas) -> None:
    canvas.set_image(photo())
    canvas.actual_size()
    cursor = QPoint(60, 40)
    before = canvas.mapToScene(cursor)
    send_wheel(canvas, cursor, 1)
    assert canvas.zoom == pytest.approx(1.25)
    after = canvas.mapToScene(cursor)
    assert abs(after.x() - before.x()) <= 1.0 and abs(after.y() - before.y()) <= 1.0
    send_wheel(canvas, cursor, -2)
    assert canvas.zoom == pytest.approx(0.8)


def test_zoom_is_kept_when_a_same_size_layer_replaces_the_image(canvas: Canvas) -> None:
    canvas.set_image(photo())
    canvas.zoom_by(3.0)
    canvas.set_image(np.zeros((300, 400), np.float32))  # A matte of the same photo, shown as grey.
    assert canvas.zoom == pytest.approx(1.5, abs=0.06)
    canvas.set_image(photo(30, 40))
    assert canvas.zoom == pytest.approx(1.0)  # A new size is fitted again, but not enlarged...
    canvas.fit_to_window()
    assert canvas.zoom == pytest.approx(4.95, abs=0.2)  # ...unless the user asks to fill the window.


def test_fitted_view_follows_resizes(canvas: Canvas, qtbot: QtBot) -> None:
    canvas.set_image(photo())
    canvas.resize(400, 300)
    qtbot.waitUntil(lambda: canvas.zoom > 0.9)
    canvas.zoom_by(0.5)
    canvas.resize(200, 150)
    qtbot.wait(20)
    assert canvas.zoom == pytest.approx(0.5, abs=0.03)


def test_panning_is_a_hand_drag(canvas: Canvas) -> None:
    assert canvas.dragMode() == Canvas.DragMode.ScrollHandDrag
    canvas.set_image(None)
    assert not canvas.has_image


class PaintSpy(QObject):
    """Records the rectangles the viewport is asked to repaint."""

    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            self.rects.append(event.rect())
        return False


def test_a_region_update_repaints_only_its_rectangle(canvas: Canvas, qtbot: QtBot) -> None:
    mask = np.zeros((300, 400), np.float32)
    canvas.set_image(mask)
    canvas.actual_size()
    qtbot.wait(20)  # The first full paint is done.
    spy = PaintSpy()
    canvas.viewport().installEventFilter(spy)
    mask[100:110, 150:170] = 1.0  # A dab, as the brush paints it in place.
    canvas.update_region(mask, (slice(100, 110), slice(150, 170)))
    qtbot.waitUntil(lambda: bool(spy.rects))
    painted = spy.rects[0]
    for rect in spy.rects[1:]:
        painted = painted.united(rect)
    dab = canvas.mapFromScene(QRectF(150, 100, 20, 10)).boundingRect()
    assert painted.contains(dab)
    assert painted.width() <= dab.width() + 8 and painted.height() <= dab.height() + 8  # Not the viewport.
    shown = canvas._item.pixmap().toImage()
    assert shown.pixelColor(160, 105).red() == 255 and shown.pixelColor(160, 95).red() == 0
