from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from app.model.compositing_settings import CompositingSettings
from app.model.document import CompositeResult, Document
from classic.checks import InvalidInputError
from classic.pipeline import Cutout
from classic.placement import Placement


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


def test_the_document_owns_the_compositing_settings_and_tells_its_listeners() -> None:
    document = Document()
    heard: list[tuple[CompositingSettings, bool]] = []
    document.connect_compositing(lambda settings, edit: heard.append((settings, edit)))
    document.set_method("feather")
    assert document.compositing.method == "feather" and heard[-1] == (document.compositing, True)
    document.set_method("feather")  # No change, no event.
    assert len(heard) == 1
    placed = replace(document.compositing, placement=Placement(x=5.0, y=6.0, scale=0.5))
    document.set_compositing(placed)
    document.set_foreground(rgb())  # A new photo: a fresh fitted placement, which is no edit.
    assert document.compositing == replace(placed, placement=None) and heard[-1] == (
        document.compositing,
        False,
    )
    with pytest.raises(InvalidInputError, match="edge shift"):
        document.set_compositing(replace(document.compositing, edge_shift=1e6))


def test_the_shown_cutout_has_the_painted_layers() -> None:
    document = Document()
    document.set_foreground(rgb())
    matte = np.ones((6, 8), np.float32)
    cutout = Cutout(mask=matte, trimap=matte, alpha=matte.copy(), foreground=rgb())
    document.set_cutout(cutout)
    painted = np.zeros_like(cutout.alpha)  # A brush paints a copy of a read-only alpha.
    document.layers.set_image("alpha", painted)
    shown = document.shown_cutout()
    assert shown is not None and shown.alpha is painted and shown.foreground is cutout.foreground


def test_the_fitted_placement_follows_the_cut_out_not_the_brush() -> None:
    document = Document()
    document.set_foreground(rgb(20, 30))
    document.set_background(rgb(40, 60))
    centred = Placement(x=15.0, y=10.0)
    assert document.current_placement() == centred and document.composing_settings().placement is None
    standing = np.zeros((20, 30), np.float32)
    standing[5:, 10:20] = 1.0  # The frame's bottom edge cuts the subject.
    document.set_cutout(Cutout(mask=standing, trimap=standing, alpha=standing.copy(), foreground=rgb(20, 30)))
    assert document.fitted_placement() == document.current_placement() == Placement(x=15.0, y=20.0)
    assert document.composing_settings().placement == Placement(x=15.0, y=20.0)  # Made explicit for jobs.
    painted = standing.copy()
    painted[-3:] = 0.0  # A stroke rubs the feet out: the subject does not jump.
    document.layers.set_image("alpha", painted)
    assert document.current_placement() == Placement(x=15.0, y=20.0)
    chosen = Placement(x=1.0, y=2.0)  # The user's own placement wins.
    document.set_compositing(replace(document.compositing, placement=chosen))
    assert document.current_placement() == document.composing_settings().placement == chosen


def test_the_document_holds_the_view_mode_and_the_active_layer() -> None:
    document = Document()
    told: list[tuple[str, str | None]] = []
    document.connect_view(lambda: told.append((document.view_mode, document.active_layer)))
    document.set_foreground(rgb())
    document.set_cutout(Cutout(*(np.ones((6, 8), np.float32) for _ in range(3)), foreground=rgb()))
    document.set_active_layer("trimap")
    document.set_view_mode("overlay")
    document.set_view_mode("overlay")  # No change, no event.
    assert told == [("layers", "trimap"), ("overlay", "trimap")]
    document.layers.remove("trimap")
    assert document.active_layer is None  # Gone with its layer.
    with pytest.raises(InvalidInputError, match="view"):
        document.set_view_mode("sideways")
    with pytest.raises(InvalidInputError, match="no trimap layer"):
        document.set_active_layer("trimap")


def test_a_clean_plate_lies_under_its_foreground_and_goes_with_it() -> None:
    document = Document()
    with pytest.raises(InvalidInputError, match="open the foreground first"):
        document.set_clean_plate(rgb())
    document.set_foreground(rgb(), name="cat.jpg")
    document.set_background(rgb(10, 12))
    document.set_cutout(fake_cutout())  # type: ignore[arg-type]
    plate = rgb(12, 16)  # Its own size: it is aligned to the photo when used.
    with pytest.raises(InvalidInputError, match="the clean plate is 20x12 but the photo is"):
        document.set_clean_plate(rgb(12, 20))  # Another aspect ratio: not a shot of this framing.
    assert document.clean_plate is None
    document.set_clean_plate(plate, name="empty.jpg", path="/p/empty.jpg", bit_depth=16)
    assert document.clean_plate is plate and document.cutout is not None  # The cut-out stays.
    assert document.layers.names()[-3:] == ["foreground", "clean plate", "background"]
    assert document.layers.top_visible() is document.layers.layer("alpha")
    assert document.photo_source("clean plate") == ("empty.jpg", "/p/empty.jpg")
    assert document.bit_depth_of("clean plate") == 16 and document.bit_depth_of("alpha") == 8
    assert document.title() == "cat.jpg on background"

    document.set_foreground(rgb(), name="dog.jpg")
    assert document.clean_plate is None and "clean plate" not in document.layers
    assert document.photo_source("clean plate") == (None, None)
    document.set_clean_plate(plate)
    document.remove_clean_plate()
    assert document.clean_plate is None
