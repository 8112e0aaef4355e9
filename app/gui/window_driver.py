"""Driving the real ``MainWindow`` from code, for the editor benchmark (``app.gui.responsiveness``): open
and close a window, paint with synthetic mouse events, wait for a layer to change, and sample inputs.

Mouse positions are image pixels ``(x, y)`` = (column, row); the event lands on the centre of that pixel
in the canvas's current view, sub-pixel exact.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui.main_window import MainWindow
from app.model.layers import LayerEvent, LayerStack

_NO_AUTOSAVE_MS = 24 * 3600 * 1000


class LayerClock:
    """When each layer last changed; ``wait`` runs the event loop until a layer changes after a moment."""

    def __init__(self, layers: LayerStack) -> None:
        self.times: dict[str, float] = {}
        self._awaited: tuple[str, QEventLoop] | None = None
        layers.connect(self._on_event)

    def _on_event(self, event: LayerEvent) -> None:
        if event.kind in ("changed", "inserted"):
            self.times[event.name] = time.perf_counter()
            if self._awaited is not None and self._awaited[0] == event.name:
                self._awaited[1].quit()

    def wait(self, name: str, since: float, timeout_s: float) -> float:
        if self.times.get(name, -math.inf) <= since:
            loop = QEventLoop()
            self._awaited = (name, loop)
            QTimer.singleShot(round(timeout_s * 1000), loop.quit)
            loop.exec()
            self._awaited = None
        changed = self.times.get(name, -math.inf)
        if changed <= since:
            raise TimeoutError(f"the {name} layer did not change within {timeout_s:g} s")
        return changed


def open_window() -> MainWindow:
    """A shown main window whose autosave never fires on its own (a benchmark times it separately)."""
    QApplication.instance() or QApplication([])
    window = MainWindow()
    window.project.autosave_timer.setInterval(_NO_AUTOSAVE_MS)  # timed on its own, not inside a run
    window.show()
    QApplication.processEvents()
    return window


def close_window(window: MainWindow) -> None:
    """Close without asking about unsaved changes; the window's job threads stop."""
    window.project.ask_close = lambda _parent: QMessageBox.StandardButton.Discard
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def use_brush(window: MainWindow, size: float) -> None:
    """The mask brush in add mode, ``size`` px across, hardness 0.8, full opacity."""
    window.painter.activate("add")
    window.painter.tool.size, window.painter.tool.hardness, window.painter.tool.opacity = size, 0.8, 1.0


def send_mouse(window: MainWindow, kind: QEvent.Type, x: float, y: float) -> None:
    """A left-button mouse event at image pixel (column x, row y), then the event loop until idle."""
    canvas, viewport = window.canvas, window.canvas.viewport()
    position = canvas.viewportTransform().map(QPointF(x + 0.5, y + 0.5))
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    button = none if kind == QEvent.Type.MouseMove else left
    buttons = none if kind == QEvent.Type.MouseButtonRelease else left
    global_position = QPointF(viewport.mapToGlobal(position))
    event = QMouseEvent(kind, position, global_position, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)
    QApplication.processEvents()  # the repaint the dab asked for


def timed(action: Callable[[], object]) -> float:
    """Milliseconds ``action()`` takes."""
    start = time.perf_counter()
    action()
    return 1e3 * (time.perf_counter() - start)


def circle_path(
    width: int, height: int, *, radius: float, step: float, count: int
) -> list[tuple[float, float]]:
    """``count`` points on a circle about the image's centre, ``step`` px apart along it (or a hair more,
    so that with ``step`` the brush's spacing each move lays exactly one dab)."""
    angle = 1.001 * step / radius
    centre_x, centre_y = width / 2, height / 2
    return [
        (centre_x + radius * math.cos(i * angle), centre_y + radius * math.sin(i * angle))
        for i in range(count)
    ]


def edge_points(mask: np.ndarray, count: int) -> list[tuple[float, float]]:
    """``count`` points on the mask's edge (a pixel ≥ 0.5 beside one below), spread over its length."""
    inside = mask >= 0.5
    rows, cols = np.nonzero(inside[:, 1:] != inside[:, :-1])
    if rows.size == 0:
        raise RuntimeError("the segmentation mask has no edge to paint across")
    picks = np.linspace(0, rows.size - 1, count + 2)[1:-1].round().astype(int)
    return [(float(cols[i]), float(rows[i])) for i in picks]


def sample_photo(name: str, size: tuple[int, int]) -> np.ndarray:
    """scikit-image's ``name`` photo (astronaut, coffee…) resized to ``size`` (width, height), float32 RGB."""
    from skimage import data

    photo = getattr(data, name)().astype(np.float32) / np.float32(255.0)
    return np.clip(cv2.resize(photo, size, interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
