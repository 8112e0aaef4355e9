"""The editor draws the unsure view: the cut-out's uncertainty map in heat colours over the photo."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.qimage import qimage_to_rgb
from app.model.unsure_view import UNSURE
from classic.pipeline import Cutout

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def test_the_unsure_view_shows_the_cut_outs_map(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    height, width = red.shape
    uncertainty = np.zeros((height // 2, width // 2), np.float16)
    uncertainty[:, : width // 4] = 1.0  # unsure of the left half only
    window.document.set_cutout(Cutout(red, red, red, photos.foreground, uncertainty=uncertainty))
    assert UNSURE in [window.editor.view_combo.itemText(i) for i in range(window.editor.view_combo.count())]
    window.document.set_view_mode(UNSURE)
    assert window.editor.view_combo.currentText() == UNSURE
    shown = qimage_to_rgb(window.canvas._item.pixmap().toImage())
    assert shown.shape == photos.foreground.shape
    left, right = shown[height // 2, 2], shown[height // 2, -3]
    assert left[0] > right[0] + 0.3 and left[0] > left[2] + 0.1  # heat colour (pale yellow at 1)
    assert np.allclose(right, right[0], atol=2 / 255) and right[0] < 0.6  # dimmed grey
