from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from app.model.document import CompositeResult, Document


def rgb(height: int = 6, width: int = 8) -> np.ndarray:
    return np.full((height, width, 3), 0.5, np.float32)


def fake_cutout(height: int = 6, width: int = 8) -> SimpleNamespace:
    matte = np.ones((height, width), np.float32)
    return SimpleNamespace(mask=matte, trimap=matte, alpha=matte, foreground=rgb(height, width))


def test_results_appear_on_top_and_visible() -> None:
    document = Document()
    document.set_foreground(rgb(), name="cat.jpg", path="/p/cat.jpg")
    document.set_background(rgb(10, 12), name="beach.tif", path="/q/beach.tif", bit_depth=16)
    document.layers.set_visible("foreground", False)
    cutout = fake_cutout()
    document.set_composite(CompositeResult(cutout, rgb(10, 12)))  # type: ignore[arg-type]
    assert document.cutout is cutout
    assert document.layers.names() == [
        "composite",
        "alpha",
        "trimap",
        "segmentation mask",
        "foreground",
        "background",
    ]
    assert document.layers.top_visible() is document.layers.layer("composite")
    assert document.title() == "cat.jpg on beach.tif"
    assert document.folder() == "/p"
    assert document.export_suggestion() == "/p/cat_on_beach.png"
    assert document.background_bit_depth == 16


def test_a_new_foreground_drops_its_cut_out_and_the_composite() -> None:
    document = Document()
    document.set_foreground(rgb())
    document.set_background(rgb())
    document.set_composite(CompositeResult(fake_cutout(), rgb()))  # type: ignore[arg-type]
    document.set_foreground(rgb(), name="new.png")
    assert document.cutout is None
    assert document.layers.names() == ["foreground", "background"]
    assert document.title() == "new.png on background"
    assert document.folder() == ""


def test_a_new_background_drops_only_the_composite() -> None:
    document = Document()
    document.set_foreground(rgb())
    document.set_background(rgb())
    document.set_composite(CompositeResult(fake_cutout(), rgb()))  # type: ignore[arg-type]
    document.set_background(rgb(3, 4))
    assert "composite" not in document.layers and "alpha" in document.layers
    assert document.cutout is not None
