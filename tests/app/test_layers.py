from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPixmap
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.layers import LayerEvent, LayerListModel, LayerStack
from classic.checks import InvalidInputError


def rgb(height: int = 6, width: int = 8) -> np.ndarray:
    return np.full((height, width, 3), 0.5, np.float32)


def matte(height: int = 6, width: int = 8) -> np.ndarray:
    return np.zeros((height, width), np.float32)


def test_layers_keep_the_glossary_order() -> None:
    stack = LayerStack()
    stack.set_image("background", rgb())
    stack.set_image("composite", rgb())
    stack.set_image("foreground", rgb())
    stack.set_image("alpha", matte())
    assert stack.names() == ["composite", "alpha", "foreground", "background"]
    assert stack.top_visible() is stack.layer("composite")


def test_events_come_before_and_after_each_change() -> None:
    stack = LayerStack()
    events: list[LayerEvent] = []
    stack.connect(events.append)
    stack.set_image("background", rgb())
    stack.set_image("foreground", rgb())
    stack.set_visible("foreground", False)
    stack.remove("background", "composite")
    assert [(e.kind, e.name, e.row) for e in events] == [
        ("inserting", "background", 0),
        ("inserted", "background", 0),
        ("inserting", "foreground", 0),
        ("inserted", "foreground", 0),
        ("changed", "foreground", 0),
        ("removing", "background", 1),
        ("removed", "background", 1),
    ]


def test_a_change_made_in_place_is_announced_without_touching_the_image() -> None:
    stack = LayerStack()
    image = matte()
    stack.set_image("alpha", image)
    events: list[LayerEvent] = []
    stack.connect(events.append)
    image[1:3, 2:5] = 1.0  # A brush painted the layer's own array.
    painted = image.copy()
    stack.changed_in_place("alpha", (slice(1, 3), slice(2, 5)), drawn=True)
    assert events == [LayerEvent("changed", "alpha", 0, (slice(1, 3), slice(2, 5)), drawn=True)]
    assert stack.get("alpha") is image and np.array_equal(image, painted)
    stack.set_region("alpha", (slice(0, 1), slice(0, 1)), np.ones((1, 1), np.float32))
    assert not events[-1].drawn  # Written by the stack: the canvas has not drawn it yet.
    with pytest.raises(KeyError, match="trimap"):
        stack.changed_in_place("trimap", (slice(0, 1), slice(0, 1)))


def test_visibility_picks_the_layer_on_top() -> None:
    stack = LayerStack()
    stack.set_image("foreground", rgb())
    stack.set_image("alpha", matte())
    stack.set_visible("alpha", False)
    assert stack.top_visible() is stack.layer("foreground")
    stack.set_image("alpha", matte())  # Replacing an image keeps its visibility.
    assert stack.top_visible() is stack.layer("foreground")
    stack.set_visible("foreground", False)
    assert stack.top_visible() is None


def test_wrong_images_are_refused() -> None:
    stack = LayerStack()
    with pytest.raises(InvalidInputError, match="alpha layer needs a float32 \\(H, W\\) matte"):
        stack.set_image("alpha", rgb())
    with pytest.raises(InvalidInputError, match="uint8"):
        stack.set_image("foreground", rgb().astype(np.uint8))
    with pytest.raises(KeyError, match="unknown layer"):
        stack.set_image("sky", rgb())


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
