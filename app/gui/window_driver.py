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
from PySide6.QtCore import QEvent, QEventLoop, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QUndoStack
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui.main_window import MainWindow
from app.model.brush import BrushMode
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


class HistoryClock:
    """When each undo step was pushed (or the stack's index otherwise moved), with the step's text."""

    def __init__(self, stack: QUndoStack) -> None:
        self.entries: list[tuple[float, str]] = []
        self._stack = stack
        stack.indexChanged.connect(self._on_index)

    def _on_index(self, index: int) -> None:
        self.entries.append((time.perf_counter(), self._stack.text(index - 1) if index > 0 else ""))

    def first(self, text: str, since: float) -> float | None:
        """When the first step named ``text`` came after ``since`` (None: none yet)."""
        return next((moment for moment, name in self.entries if moment > since and name == text), None)


class PaintClock(QObject):
    """When ``widget`` (a canvas viewport) was painted."""

    def __init__(self, widget: QObject) -> None:
        super().__init__(widget)
        self.times: list[float] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.times.append(time.perf_counter())
        return False

    def first(self, since: float) -> float | None:
        return next((moment for moment in self.times if moment > since), None)


class GuiTicks:
    """A ``interval_ms`` precise timer on the GUI thread, and the moments it ticked: a gap between ticks
    well over the interval is time the GUI thread spent on something else (no input, no paint meanwhile).
    ``run_until`` runs an action and the event loop until a condition holds, checked at each tick."""

    def __init__(self, interval_ms: int = 5) -> None:
        self.ticks: list[float] = []
        self._done: Callable[[], bool] | None = None
        self._done_at: float | None = None
        self._settle_ms = 0
        self._loop: QEventLoop | None = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks.append(now)
        if self._done is not None and self._done_at is None and self._done():
            self._done_at = now
            loop = self._loop
            if loop is not None:
                QTimer.singleShot(self._settle_ms, loop.quit)

    def run_until(
        self,
        action: Callable[[], object],
        done: Callable[[], bool],
        *,
        timeout_s: float,
        settle_ms: int = 100,
    ) -> tuple[float, float, float]:
        """Tick while ``action()`` runs and then until ``done()`` holds, and ``settle_ms`` longer (what the
        finish set off); (start, when ``done()`` was first seen to hold, end) in ``perf_counter`` seconds.
        TimeoutError when ``done()`` does not hold within ``timeout_s``."""
        self._done, self._done_at, self._settle_ms = done, None, settle_ms
        loop = QEventLoop()
        self._loop = loop
        expiry = QTimer()
        expiry.setSingleShot(True)
        expiry.timeout.connect(loop.quit)
        self._timer.start()
        try:
            start = time.perf_counter()
            action()
            if done():  # Finished within the action: only the settling is left.
                self._done_at = time.perf_counter()
                QTimer.singleShot(settle_ms, loop.quit)
            expiry.start(round(timeout_s * 1000))
            loop.exec()
            end = time.perf_counter()
        finally:
            expiry.stop()
            self._timer.stop()
            self._done, self._loop = None, None
        if self._done_at is None:
            raise TimeoutError(f"not done within {timeout_s:g} s")
        return start, self._done_at, end

    def gaps(self, start: float, end: float) -> list[float]:
        """Milliseconds between successive ticks from ``start`` to ``end`` (both ends count as ticks)."""
        moments = [start, *(t for t in self.ticks if start < t < end), end]
        return np.diff(np.asarray(moments) * 1e3).tolist()


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


def use_brush(window: MainWindow, size: float, mode: BrushMode = "add") -> None:
    """The mask brush in ``mode`` (add, subtract: the eraser), ``size`` px across, hardness 0.8, full
    opacity."""
    window.painter.activate(mode)
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
