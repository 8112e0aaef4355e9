"""The brush cursor: an outline of the brush's real size at the current zoom, following the mouse.

While a brush (mask, refine edge, GrabCut hints, quick select) would paint on a drag, the canvas draws a
circle of the brush's diameter as it lands on screen (``size`` × zoom: the size is in canvas pixels,
also on the composite, where the stroke is scaled onto the mask by the placement), and a dashed inner
ring where the dab's weight starts to fall off (``hardness`` × ``size`` / 2; none for a hard brush). The
system cross is swapped for a small one, so the circle, not the cross, shows where the brush reaches.
The circle follows size changes ([ ], the brush toolbar), tool changes and zoom at once.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QCursor, QKeyEvent, QMouseEvent, QPainter, QPen, QPixmap

from app.gui.painting import PaintController

BRUSH_KINDS = frozenset({"mask", "refine edge", "grabcut", "quick select"})  # Tools that paint dabs.
_MIN_RING = 1.5  # Smaller rings (in viewport pixels) are left out: the small cross shows the spot.
_CROSS_ARM = 4  # Half the small cross's width, in pixels.
_DARK, _LIGHT = QColor(0, 0, 0, 170), QColor(255, 255, 255, 230)


def screen_radii(size: float, hardness: float, zoom: float) -> tuple[float, float]:
    """The brush's radius and its hardness radius in viewport pixels, for ``size`` canvas pixels."""
    outer = size / 2.0 * zoom
    return outer, hardness * outer


def small_cross() -> QCursor:
    """A cross a few pixels wide, light on a dark outline (visible on any photo)."""
    side = 2 * _CROSS_ARM + 3
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    middle = side // 2
    for colour, width in ((_DARK, 3), (_LIGHT, 1)):
        painter.setPen(QPen(colour, width))
        painter.drawLine(middle, 1, middle, side - 2)
        painter.drawLine(1, middle, side - 2, middle)
    painter.end()
    return QCursor(pixmap, middle, middle)


class BrushCursor(QObject):
    """Draws the brush outline of ``painter``'s tool over its canvas at the mouse position."""

    def __init__(self, painter: PaintController) -> None:
        super().__init__(painter)
        self._painter, self._canvas = painter, painter.canvas
        self._viewport = painter.canvas.viewport()
        self.position: QPointF | None = None  # The mouse in viewport pixels; None when outside.
        self._drawn = QRectF()  # What the last outline covered, to be repainted when it moves.
        self._cross = small_cross()
        self._viewport.setMouseTracking(True)  # Moves without a button pressed.
        self._viewport.installEventFilter(self)
        self._canvas.installEventFilter(self)  # Space: panning hides the outline.
        painter.tool_changed.connect(lambda _text: self.refresh())
        self._canvas.zoom_changed.connect(lambda _zoom: self.refresh())
        self._canvas.set_overlay(self._draw, key="brush cursor")

    @property
    def visible(self) -> bool:
        """Whether the outline is drawn: the mouse is over the canvas and a drag would paint dabs."""
        tool = self._painter.tool
        return self.position is not None and tool.kind in BRUSH_KINDS and self._painter.paints_on_drag

    def radii(self) -> tuple[float, float]:
        """The outline's radius and the hardness ring's, in viewport pixels."""
        tool = self._painter.tool
        return screen_radii(tool.size, tool.hardness, self._canvas.zoom)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._viewport:
            if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                self.position = event.position()
                self.refresh()
            elif kind == QEvent.Type.Leave:
                self.position = None
                self.refresh()
        elif _is_space(event):
            self.refresh()  # Repainted after the painter has taken the key.
        return False  # Only watching: the painter and the view handle every event.

    def refresh(self) -> None:
        """Repaint where the outline was and where it is now."""
        if self.visible and self._viewport.cursor().shape() == Qt.CursorShape.CrossCursor:
            self._viewport.setCursor(self._cross)  # The painter sets the system cross with the brush.
        stale, self._drawn = self._drawn, self._bounds()
        for area in (stale, self._drawn):
            if not area.isEmpty():
                self._viewport.update(area.toAlignedRect())

    def _bounds(self) -> QRectF:
        if not self.visible or self.position is None:
            return QRectF()
        radius = self.radii()[0] + 3.0  # The pen's width and anti-aliasing.
        return QRectF(self.position.x() - radius, self.position.y() - radius, 2 * radius, 2 * radius)

    def _draw(self, painter: QPainter) -> None:
        if not self.visible or self.position is None:
            return
        outer, inner = self.radii()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        centre = self.position
        if outer >= _MIN_RING:
            for colour, width in ((_DARK, 3.0), (_LIGHT, 1.0)):  # Light on dark: visible on any photo.
                painter.setPen(QPen(colour, width))
                painter.drawEllipse(centre, outer, outer)
        if _MIN_RING <= inner < outer - 2.0:
            pen = QPen(_LIGHT, 1.0, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawEllipse(centre, inner, inner)


def _is_space(event: QEvent) -> bool:
    pressed = event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
    return pressed and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
