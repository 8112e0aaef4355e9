"""The layer panel's list model over the layer stack."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPixmap
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.gui.layer_list import LayerListModel
from app.model.layers import LayerStack
from tests.app.model.test_layers import matte, rgb


def test_model_rows_follow_the_stack(qtmodeltester: ModelTester, qtbot: QtBot) -> None:
    # ``qtbot``: the thumbnails are pixmaps, which need the QApplication (qtmodeltester makes none).
    stack = LayerStack()
    model = LayerListModel(stack)
    qtmodeltester.check(model)
    stack.set_image("background", rgb())
    stack.set_image("foreground", rgb())
    stack.set_image("segmentation mask", matte())
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    names = [model.data(model.index(row), Qt.ItemDataRole.DisplayRole) for row in range(3)]
    assert names == ["Segmentation mask", "Foreground", "Background"]
    stack.remove("foreground")
    assert model.rowCount() == 2
    assert model.data(model.index(1), LayerListModel.NameRole) == "background"


def test_check_box_toggles_visibility() -> None:
    stack = LayerStack()
    model = LayerListModel(stack)
    stack.set_image("foreground", rgb())
    stack.set_image("alpha", matte())
    alpha = model.index(0)
    checked, unchecked = Qt.CheckState.Checked, Qt.CheckState.Unchecked
    assert model.flags(alpha) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.data(alpha, Qt.ItemDataRole.CheckStateRole) == checked
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom: changed.append(bottom.row()))
    assert model.setData(alpha, unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert not stack.layer("alpha").visible  # type: ignore[union-attr]
    assert model.data(alpha, Qt.ItemDataRole.CheckStateRole) == unchecked
    assert changed
    assert model.setData(alpha, checked, Qt.ItemDataRole.CheckStateRole)
    assert stack.layer("alpha").visible  # type: ignore[union-attr]


def test_the_shown_layer_is_bold_and_has_a_thumbnail(qtbot: QtBot) -> None:
    stack = LayerStack()
    model = LayerListModel(stack, thumbnail_size=16)
    stack.set_image("background", rgb(40, 80))
    stack.set_image("foreground", rgb())
    font = model.data(model.index(0), Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    assert model.data(model.index(1), Qt.ItemDataRole.FontRole) is None
    thumbnail = model.data(model.index(1), Qt.ItemDataRole.DecorationRole)
    assert isinstance(thumbnail, QPixmap)
    assert (thumbnail.width(), thumbnail.height()) == (16, 8)
    assert model.data(model.index(1), Qt.ItemDataRole.ToolTipRole) == "background: 80 x 40 RGB"
