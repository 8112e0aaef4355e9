"""The list model the layer panel shows: a ``QAbstractListModel`` over ``app.model.layers.LayerStack``,
one row per present layer with a checkable visibility box and a thumbnail."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QPixmap

from app.gui.qimage import thumbnail_qimage
from app.model.layers import LayerEvent, LayerStack


class LayerListModel(QAbstractListModel):
    """One row per present layer: its name, a thumbnail and a visibility check box."""

    NameRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, stack: LayerStack, parent: QObject | None = None, *, thumbnail_size: int = 48) -> None:
        super().__init__(parent)
        self._stack = stack
        self._thumbnail_size = thumbnail_size
        self._thumbnails: dict[str, tuple[np.ndarray, QPixmap]] = {}
        stack.connect(self._on_stack_event)

    @property
    def stack(self) -> LayerStack:
        return self._stack

    @property
    def thumbnail_size(self) -> QSize:
        return QSize(self._thumbnail_size, self._thumbnail_size)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._stack)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._stack):
            return None
        layer = self._stack.layer_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return layer.name.capitalize()
        if role == self.NameRole:
            return layer.name
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.FontRole and layer is self._stack.top_visible():
            font = QFont()
            font.setBold(True)  # The layer the canvas shows.
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(layer.name, layer.image)
        if role == Qt.ItemDataRole.ToolTipRole:
            height, width = layer.image.shape[:2]
            kind = "matte" if layer.image.ndim == 2 else "RGB"
            return f"{layer.name}: {width} x {height} {kind}"
        return None

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        # Views hand the check state over as an int or as a Qt.CheckState, depending on the binding path.
        state = value.value if isinstance(value, Qt.CheckState) else value
        self._stack.set_visible(self._stack.layer_at(index.row()).name, state == Qt.CheckState.Checked.value)
        return True

    def _thumbnail(self, name: str, image: np.ndarray) -> QPixmap:
        cached = self._thumbnails.get(name)
        if cached is None or cached[0] is not image:
            cached = (image, QPixmap.fromImage(thumbnail_qimage(image, self._thumbnail_size)))
            self._thumbnails[name] = cached
        return cached[1]

    def _on_stack_event(self, event: LayerEvent) -> None:
        root = QModelIndex()
        if event.kind == "inserting":
            self.beginInsertRows(root, event.row, event.row)
        elif event.kind == "removing":
            self.beginRemoveRows(root, event.row, event.row)
        elif event.kind == "inserted":
            self.endInsertRows()
        elif event.kind == "removed":
            self._thumbnails.pop(event.name, None)
            self.endRemoveRows()
        elif event.region is not None:  # Painted in place: the cached thumbnail is stale.
            self._thumbnails.pop(event.name, None)
        if event.kind in ("inserted", "removed", "changed") and len(self._stack):
            # Any change may move the canvas to another layer, whose row is drawn in bold: refresh all rows.
            self.dataChanged.emit(self.index(0), self.index(len(self._stack) - 1))
