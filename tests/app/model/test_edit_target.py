"""One rule for what the canvas shows and what a brush paints (no Qt)."""

from __future__ import annotations

from app.model.edit_target import current_mask, paint_target, shown_layer

CUT_OUT = ["composite", "alpha", "trimap", "segmentation mask", "foreground", "background"]


def test_the_mask_views_show_the_selected_matte_else_the_alpha() -> None:
    assert current_mask(CUT_OUT, "segmentation mask") == "segmentation mask"
    assert current_mask(CUT_OUT, "background") == "alpha"  # A photo is no mask: the preferred one.
    assert current_mask(CUT_OUT, None) == "alpha"
    assert current_mask(["foreground"], None) is None


def test_a_brush_paints_the_layer_shown_in_each_view() -> None:
    assert paint_target("overlay", CUT_OUT, "composite", "segmentation mask") == "segmentation mask"
    assert paint_target("layers", CUT_OUT, "alpha", "segmentation mask") == "alpha"  # The top one shown.
    assert paint_target("layers", CUT_OUT, "composite", None) is None  # Not the composite's pixels.
    assert paint_target("overlay", CUT_OUT, "composite", "trimap") is None  # The refine-edge brush's.
    assert paint_target("split", CUT_OUT, "alpha", None) is None  # The background's frame.
    assert shown_layer("after", CUT_OUT, "alpha", None) is None
