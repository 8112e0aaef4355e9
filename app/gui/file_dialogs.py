"""The folder each file dialog opens in, and the photo dialog with a preview.

Every file dialog of the window remembers the folder of its last use, one key per kind of file:

=========  ==============================  ===================================================
dialog     key                             used by
=========  ==============================  ===================================================
photo      ``folders/last_open_photo``     Open Foreground…, Open Background…
project    ``folders/last_open``           Open Project…, Save Project As… (and every save)
export     ``folders/last_export``         Export Composite…, Export Cut-out…, Export Alpha…
layers     ``folders/last_export_layers``  Export All Layers…
=========  ==============================  ===================================================

A dialog used for the first time opens in the folder of the open photos (the foreground's); an
Export All Layers that has no folder of its own yet starts where the last export went.

The photo dialog is Qt's own (``DontUseNativeDialog``), so a preview can sit beside the file list; it
shows the file under the cursor, decoded at preview size by ``QImageReader`` a moment after the cursor
stops. ``ask_photo_path`` is the one call the window makes, and what tests replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QFileDialog, QGridLayout, QLabel, QWidget

from app.model.files import OPEN_FILTER

if TYPE_CHECKING:
    from app.gui.settings import Settings

FOLDER_KEYS = {
    "photo": "folders/last_open_photo",
    "project": "folders/last_open",
    "export": "folders/last_export",
    "layers": "folders/last_export_layers",
}
PREVIEW_SIZE = 240  # The preview's box, in pixels a side.
PREVIEW_DELAY_MS = 150  # Moving through a folder with the keys decodes only where the cursor rests.
# Larger files than this are not previewed (only JPEG decodes at a reduced size cheaply).
PREVIEW_MAX_MEGAPIXELS = 40.0
_CHEAP_FORMATS = (b"jpeg", b"jpg")


def start_folder(settings: Settings, dialog: str, fallback: str = "") -> str:
    """The folder the ``dialog`` (a key of ``FOLDER_KEYS``) opens in: its last one, else ``fallback``."""
    folder = settings.get(FOLDER_KEYS[dialog])
    if not folder and dialog == "layers":
        folder = settings.get(FOLDER_KEYS["export"])
    return str(folder or fallback)


def remember_folder(settings: Settings, dialog: str, path: str, *, is_folder: bool = False) -> None:
    """Remember the folder of ``path`` (``path`` itself when ``is_folder``) for ``dialog``."""
    settings.set(FOLDER_KEYS[dialog], str(Path(path) if is_folder else Path(path).parent))


def fitted(width: int, height: int, box: int = PREVIEW_SIZE) -> tuple[int, int]:
    """``width`` x ``height`` scaled to fit a ``box`` square, aspect kept, never enlarged, at least 1 px."""
    scale = min(1.0, box / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def preview_of(path: str, box: int = PREVIEW_SIZE) -> QPixmap | None:
    """The image at ``path`` at preview size, or None for what Qt cannot read or is too large to decode."""
    if not Path(path).is_file():
        return None
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # EXIF orientation, as the photo opens.
    size = reader.size()
    if not size.isValid():
        return None
    if reader.format() not in _CHEAP_FORMATS and size.width() * size.height() > PREVIEW_MAX_MEGAPIXELS * 1e6:
        return None
    reader.setScaledSize(QSize(*fitted(size.width(), size.height(), box)))
    image = reader.read()
    return None if image.isNull() else QPixmap.fromImage(image)


class PhotoFileDialog(QFileDialog):
    """Qt's open-file dialog for one photo, with ``preview`` (a label) beside the file list."""

    def __init__(self, parent: QWidget | None, title: str, folder: str) -> None:
        super().__init__(parent, title, folder, OPEN_FILTER)
        self.setOption(QFileDialog.Option.DontUseNativeDialog)
        self.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        self.preview = QLabel("No preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW_SIZE + 8, PREVIEW_SIZE + 8)
        self.preview.setFrameShape(QLabel.Shape.StyledPanel)
        layout = self.layout()
        if isinstance(layout, QGridLayout):  # Qt's own dialog lays out on a grid; add a column.
            layout.addWidget(self.preview, 1, layout.columnCount(), layout.rowCount() - 1, 1)
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(lambda: self.show_preview(self._pending))
        self.currentChanged.connect(self._preview_later)

    def _preview_later(self, path: str) -> None:
        self._pending = path
        self._timer.start()

    def show_preview(self, path: str) -> bool:
        """Show ``path`` in the preview; False (and "No preview") when it cannot be shown."""
        pixmap = preview_of(path) if path else None
        if pixmap is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No preview")
            return False
        self.preview.setPixmap(pixmap)
        return True


def ask_photo_path(parent: QWidget | None, title: str, folder: str) -> str:
    """Ask for one photo to open, starting in ``folder``; "" when cancelled."""
    dialog = PhotoFileDialog(parent, title, folder)
    try:
        if dialog.exec() and dialog.selectedFiles():
            return dialog.selectedFiles()[0]
        return ""
    finally:
        dialog.deleteLater()
