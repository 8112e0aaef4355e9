"""The image canvas: one layer on a neutral grey ground, zoomed with the wheel and panned by dragging.

Mattes (masks, alpha, trimap) are shown as grey images. A new image is fitted to the window but never
enlarged past 100 %; Ctrl+0 fits it fully. A fitted view stays fitted as the window is resized, until
the user zooms.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QStyleOptionGraphicsItem, QWidget

from app.gui.qimage import array_to_qimage

MIN_ZOOM = 1 / 64
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25
_GROUND = QColor(72, 72, 72)
_HINT = "Drop a foreground photo and a background photo here,\nor use File ▸ Open Foreground…"
Overlay = Callable[[QPainter], None]


def wheel_zoom_factor(angle_delta: int, *, step: float = ZOOM_STEP) -> float:
    """Zoom factor for a wheel turn: ``step`` per notch (120 units), smooth for finer trackpad deltas."""
    return float(step ** (angle_delta / 120.0))


def clamp_zoom_factor(zoom: float, factor: float) -> float:
    """Shrink ``factor`` so that ``zoom * factor`` stays within [MIN_ZOOM, MAX_ZOOM]."""
    return min(max(zoom * factor, MIN_ZOOM), MAX_ZOOM) / zoom


class PictureItem(QGraphicsItem):
    """The shown image: a pixmap only this item holds, so a dab can paint into it in place.

    ``QGraphicsPixmapItem`` shares its pixmap with whoever asks for it: painting on it copies all of it,
    and setting it back repaints the whole item. Here ``paint_patch`` paints into the one pixmap and
    repaints only the patch's rectangle, so a dab's cost does not grow with the viewport.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pixmap = QPixmap()
        self._smooth = False

    def pixmap(self) -> QPixmap:
        """The shown pixmap (null when there is none); painting on it bypasses ``paint_patch``'s update."""
        return self._pixmap

    def set_pixmap(self, pixmap: QPixmap) -> None:
        """Show ``pixmap`` (a null one: nothing)."""
        if pixmap.size() != self._pixmap.size():
            self.prepareGeometryChange()
        self._pixmap = pixmap
        self.update()

    def set_smooth(self, smooth: bool) -> None:
        """Filter the pixmap when it is scaled (else show sharp pixels)."""
        if smooth != self._smooth:
            self._smooth = smooth
            self.update()

    def paint_patch(self, left: int, top: int, patch: QImage) -> None:
        """Paint ``patch`` over the pixmap with its top-left corner at pixel (``left``, ``top``)."""
        painter = QPainter(self._pixmap)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(QPoint(left, top), patch)
        painter.end()
        self.update(QRectF(left, top, patch.width(), patch.height()))

    def boundingRect(self) -> QRectF:
        return QRectF(self._pixmap.rect())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        # The view clips the painter to the exposed region, so a dab's repaint draws only its part.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
        painter.drawPixmap(QPoint(0, 0), self._pixmap)


class Canvas(QGraphicsView):
    """Shows one image; ``zoom`` is screen pixels per image pixel (1.0 is 100 %)."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self._item = PictureItem()
        self._scene.addItem(self._item)
        self.setScene(self._scene)
        self._fitted, self._fit_enlarges = True, False
        self._overlays: dict[str, Overlay] = {}
        self.setBackgroundBrush(_GROUND)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        # Zoom anchoring is done by hand in ``zoom_by``; Qt's own anchor reads the global cursor.
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        # Dropped files are the main window's business: let drag events pass through to it.
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)

    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    @property
    def has_image(self) -> bool:
        return not self._item.pixmap().isNull()

    @property
    def image_size(self) -> tuple[int, int]:
        """(width, height) of the shown image in pixels; (0, 0) when empty."""
        pixmap = self._item.pixmap()
        return pixmap.width(), pixmap.height()

    def set_image(self, image: np.ndarray | None) -> None:
        """Show an RGB image or a matte; refits when the size changes, else keeps the zoom and scroll."""
        old_size = self.image_size
        pixmap = QPixmap() if image is None else QPixmap.fromImage(array_to_qimage(image))
        self._item.set_pixmap(pixmap)
        self._scene.setSceneRect(QRectF(pixmap.rect()))
        if self._fitted:
            self._fit(enlarge=self._fit_enlarges)
        elif self.image_size != old_size:
            self._fit(enlarge=False)
        self.viewport().update()

    def update_region(self, image: np.ndarray, region: tuple[slice, slice]) -> None:
        """Redraw only ``region`` (rows, cols) of the shown image from ``image``, e.g. after a brush dab."""
        if not self.has_image or image[region].size == 0:
            return
        rows, cols = region
        self._item.paint_patch(cols.start or 0, rows.start or 0, array_to_qimage(image[region]))

    def paint_patch(self, region: tuple[slice, slice], patch: np.ndarray) -> None:
        """Draw ``patch`` (the new pixels of ``region``, rows and cols, of the shown image) over it."""
        rows, cols = region
        if self.has_image and patch.size:
            self._item.paint_patch(cols.start or 0, rows.start or 0, array_to_qimage(patch))

    def set_overlay(self, overlay: Overlay | None, *, key: str = "") -> None:
        """Have ``overlay(painter)`` draw over the image in viewport pixels on every repaint (None: stop).

        For marks that keep their size on screen whatever the zoom, such as placement handles or the split
        view's divider; each ``key`` holds one overlay, drawn in the order they were first set.
        """
        if overlay is None:
            self._overlays.pop(key, None)
        else:
            self._overlays[key] = overlay
        self.viewport().update()

    def scene_to_viewport(self, x: float, y: float) -> tuple[float, float]:
        """Where scene point (x, y) (image pixels) is in the viewport, sub-pixel exact."""
        point = self.viewportTransform().map(QPointF(x, y))
        return point.x(), point.y()

    def viewport_to_scene(self, position: QPointF) -> tuple[float, float]:
        """The scene point (image pixels) under viewport ``position``, sub-pixel exact."""
        to_scene, _invertible = self.viewportTransform().inverted()
        point = to_scene.map(position)
        return point.x(), point.y()

    def fit_to_window(self) -> None:
        """Scale so the whole image fills the view (Ctrl+0); follows window resizes until the next zoom."""
        self._fit(enlarge=True)

    def _fit(self, *, enlarge: bool) -> None:
        # New images are fitted without enlarging: above 100 % a photo looks softer than it is.
        self._fitted, self._fit_enlarges = True, enlarge
        if not self.has_image:
            return
        self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)
        if not enlarge and self.zoom > 1.0:
            self.resetTransform()
            self.centerOn(self._item)
        self._zoom_updated()

    def actual_size(self) -> None:
        """Show image pixels one to one (Ctrl+1), keeping the view's centre."""
        self.zoom_by(1.0 / self.zoom)

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        """Multiply the zoom by ``factor``, keeping the image point under ``anchor`` (view centre) still."""
        if not self.has_image:
            return
        self._fitted = False
        factor = clamp_zoom_factor(self.zoom, factor)
        point = self.viewport().rect().center() if anchor is None else anchor
        scene_point = self.mapToScene(point)
        self.scale(factor, factor)
        drift = self.mapFromScene(scene_point) - point
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + drift.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + drift.y())
        self._zoom_updated()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(wheel_zoom_factor(delta), event.position().toPoint())
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self._fit(enlarge=self._fit_enlarges)

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        super().drawForeground(painter, rect)
        for overlay in list(self._overlays.values()):
            painter.save()
            painter.resetTransform()  # From scene to viewport pixels.
            overlay(painter)
            painter.restore()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.has_image:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, _HINT)
            painter.end()

    def _zoom_updated(self) -> None:
        # Smooth filtering when shrinking; sharp pixels when inspecting edges up close.
        self._item.set_smooth(self.zoom < 1.0)
        self.zoom_changed.emit(self.zoom)
