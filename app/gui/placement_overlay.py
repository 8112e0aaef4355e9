"""Drawing the placed subject's box with its corner handles and rotation handle on the canvas.

Called by ``PlacementDrag`` as the canvas's overlay, in viewport pixels, so the handles keep their size
on screen whatever the zoom. Each line is drawn twice, dark under light, to show on any photo.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from app.model.placement_handles import Point

HANDLE_PX = 9.0  # Side of a corner handle on screen.
ROTATE_RADIUS_PX = 5.5
_DARK, _LIGHT = QColor(20, 20, 20, 200), QColor(255, 255, 255)


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return pen


def draw_handles(painter: QPainter, corners: tuple[Point, ...], top_middle: Point, rotate: Point) -> None:
    """The box through ``corners``, a square on each corner, and a line from ``top_middle`` up to a round
    rotation handle at ``rotate``; all in viewport pixels."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    outline = QPolygonF([QPointF(x, y) for x, y in corners])
    stem = (QPointF(*top_middle), QPointF(*rotate))
    for colour, width in ((_DARK, 3.0), (_LIGHT, 1.0)):
        painter.setPen(_pen(colour, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolygon(outline)
        painter.drawLine(*stem)
    painter.setPen(_pen(_DARK, 1.0))
    painter.setBrush(_LIGHT)
    half = HANDLE_PX / 2.0
    for x, y in corners:
        painter.drawRect(QRectF(x - half, y - half, HANDLE_PX, HANDLE_PX))
    painter.drawEllipse(QPointF(*rotate), ROTATE_RADIUS_PX, ROTATE_RADIUS_PX)
