"""The editor's Overlay Colour… and Outline Colour… actions: each view keeps its own chosen colour."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

import app.gui.editor as editor_module
from app.gui.main_window import MainWindow
from app.gui.qimage import qimage_to_rgb
from classic.pipeline import Cutout

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def test_outline_colour_is_chosen_apart_from_the_overlay_colour(
    qtbot: QtBot, photos: SyntheticPhotos, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    window.document.set_background(photos.background)
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    window.document.set_cutout(Cutout(red, red, red, photos.foreground))
    editor = window.editor
    editor.set_mode("outline")
    titles: list[str] = []

    def choose(initial: QColor, parent: object, title: str) -> QColor:
        titles.append(title)
        return QColor(0, 255, 255)

    monkeypatch.setattr(editor_module.QColorDialog, "getColor", choose)
    editor.outline_colour.trigger()
    assert titles == ["Outline Colour"] and editor.options.outline_colour == (0.0, 1.0, 1.0)
    assert editor.options.overlay_colour == (1.0, 0.0, 0.0)  # The overlay keeps its own.
    shown = qimage_to_rgb(window.canvas._item.pixmap().toImage())
    cyan = np.all(np.abs(shown - (0.0, 1.0, 1.0)) < 1 / 255, axis=2)
    rows, cols = np.nonzero(red)
    assert cyan.any() and cyan[rows.min(), cols[rows == rows.min()][0]]  # The disc's topmost pixel
    assert not cyan[45, 60]  # The disc's centre is inside, not on the edge.
    menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Editor")
    assert isinstance(menu, QMenu) and editor.outline_colour in menu.actions()
