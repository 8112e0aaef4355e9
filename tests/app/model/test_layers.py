from __future__ import annotations

import numpy as np
import pytest

from app.model.layers import LayerEvent, LayerStack
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
