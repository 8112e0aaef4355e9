"""The fine-tune dialog's live loss plot: the training loss against the step, drawn with QPainter.

Each report of the trainer adds a point; the curve is rescaled to the points seen so far. The mapping
from (step, loss) to pixels is a plain function, tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

Point = tuple[float, float]
_MARGIN = 8.0
_LABEL_WIDTH = 56.0  # Room on the left for the loss axis's numbers.


def to_pixels(points: Sequence[Point], area: tuple[float, float, float, float]) -> list[Point]:
    """``(step, loss)`` points scaled into ``area`` = (left, top, width, height), loss growing upwards.

    The steps span the width and the losses the height; a single step or a flat loss sits at the
    start or in the middle rather than dividing by zero.
    """
    if not points:
        return []
    left, top, width, height = area
    steps = [step for step, _ in points]
    losses = [loss for _, loss in points]
    first, last = min(steps), max(steps)
    low, high = min(losses), max(losses)
    step_span, loss_span = last - first, high - low
    pixels = []
    for step, loss in points:
        x = left + (width * (step - first) / step_span if step_span > 0 else 0.0)
        y = top + (height * (high - loss) / loss_span if loss_span > 0 else height / 2)
        pixels.append((x, y))
    return pixels


class LossPlot(QWidget):
    """The training loss so far; ``add_point`` as reports arrive, ``clear`` for a new run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[Point] = []
        self.setMinimumSize(320, 140)
        self.setToolTip("Training loss at each step (lower is better)")

    @property
    def points(self) -> list[Point]:
        """The (step, loss) points drawn, oldest first."""
        return list(self._points)

    def add_point(self, step: float, loss: float) -> None:
        """Add a point; a loss that is not a finite number (a diverging step) is left out of the plot."""
        if math.isfinite(loss):
            self._points.append((float(step), float(loss)))
            self.update()

    def clear(self) -> None:
        self._points.clear()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._draw(painter)
        finally:
            painter.end()

    def _draw(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        text = palette.text().color()
        area = QRectF(self.rect()).adjusted(_MARGIN + _LABEL_WIDTH, _MARGIN, -_MARGIN, -_MARGIN - 14)
        painter.setPen(QPen(palette.mid().color()))
        painter.drawRect(area)
        if len(self._points) < 2:
            painter.setPen(text)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "The loss appears here as training runs")
            return
        losses = [loss for _, loss in self._points]
        painter.setPen(text)
        labels = QRectF(_MARGIN, area.top(), _LABEL_WIDTH - 4, area.height())
        painter.drawText(
            labels, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, f"{max(losses):.3g}"
        )
        painter.drawText(
            labels, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, f"{min(losses):.3g}"
        )
        steps = QRectF(area.left(), area.bottom() + 2, area.width(), 14)
        painter.drawText(steps, Qt.AlignmentFlag.AlignLeft, f"step {self._points[0][0]:.0f}")
        painter.drawText(steps, Qt.AlignmentFlag.AlignRight, f"step {self._points[-1][0]:.0f}")
        pixels = to_pixels(self._points, (area.left(), area.top(), area.width(), area.height()))
        painter.setPen(QPen(QColor(30, 110, 200), 1.5))
        painter.drawPolyline(QPolygonF([QPointF(x, y) for x, y in pixels]))
