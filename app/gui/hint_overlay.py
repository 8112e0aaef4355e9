"""A translucent layer over the canvas's image showing a hint tool's label map (``app.model.hints``).

It is a pixmap item in the canvas's scene above the shown image, so it zooms and pans with it. It
redraws only the dirty rectangle of a dab, and draws nothing while the canvas shows an image of
another size (the background, a composite), where its pixels would not line up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem, QStyleOptionGraphicsItem, QWidget

from app.gui.canvas import Canvas
from app.model.hints import labels_rgba, nonzero_region

Window = tuple[slice, slice]
LabelSource = Callable[[Window], np.ndarray]  # The label map (uint8) over a window.


def rgba_qimage(rgba: np.ndarray) -> QImage:
    """A QImage owning a copy of ``rgba``, uint8 (H, W, 4), not premultiplied.

    Label colours are already display bytes, so this bypasses ``app.gui.qimage``'s float conversion.
    """
    height, width = rgba.shape[:2]
    pixels = np.ascontiguousarray(rgba)
    return QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


class HintOverlay(QGraphicsPixmapItem):
    """Shows ``source``'s labels in the palette of ``app.model.hints`` over the canvas's image."""

    def __init__(self, canvas: Canvas) -> None:
        super().__init__()
        self._canvas = canvas
        self._source: LabelSource | None = None
        self._shape = (0, 0)
        self.setZValue(1.0)  # Above the image item.
        canvas.scene().addItem(self)

    @property
    def showing(self) -> bool:
        return self._source is not None

    def show_labels(self, source: LabelSource | None, shape: tuple[int, int] = (0, 0)) -> None:
        """Draw the labels of ``source`` over an image of ``shape`` (H, W), or nothing for None."""
        self._source, self._shape = source, shape
        if source is None:
            self.setPixmap(QPixmap())
            return
        # Start transparent and draw only the labelled part: converting a whole 24 MP map takes ~0.4 s.
        pixmap = QPixmap(shape[1], shape[0])
        pixmap.fill(Qt.GlobalColor.transparent)
        self.setPixmap(pixmap)
        labelled = nonzero_region(source((slice(0, shape[0]), slice(0, shape[1]))))
        if not labelled.empty:
            self.refresh(labelled.window)

    def refresh(self, window: Window) -> None:
        """Redraw ``window`` (rows, cols) from the source, e.g. after a dab or an undo."""
        if self._source is None:
            return
        rows, cols = window
        labels = self._source(window)
        if labels.size == 0:
            return
        pixmap = self.pixmap()
        self.setPixmap(QPixmap())  # Painting on a shared pixmap would copy all of it.
        painter = QPainter(pixmap)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(QPoint(cols.start or 0, rows.start or 0), rgba_qimage(labels_rgba(labels)))
        painter.end()
        self.setPixmap(pixmap)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        width, height = self._canvas.image_size
        if (height, width) == self._shape:
            super().paint(painter, option, widget)  # type: ignore[arg-type]  # Qt passes None at times.
