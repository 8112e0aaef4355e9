"""The tool state: kinds of brush, what X swaps, the status text, defaults from the preferences."""

from __future__ import annotations

from app.model.tools import MAX_SIZE, MIN_SIZE, BrushTool


def test_x_swaps_add_and_subtract_or_foreground_and_background() -> None:
    tool = BrushTool()
    tool.activate_kind("refine edge")
    assert tool.active and tool.kind == "refine edge" and tool.mode == "add"
    tool.swap()
    assert tool.mode == "subtract" and tool.hint == "foreground"
    tool.activate_kind("grabcut")
    tool.swap()
    assert tool.hint == "background" and tool.mode == "subtract"  # the mask's mode is left alone
    tool.activate_kind("quick select")
    tool.swap()
    assert tool.hint == "foreground"
    tool.activate("smooth")
    assert tool.kind == "mask"
    tool.activate_kind("refine edge")
    assert tool.mode == "add"  # smoothing means nothing on a trimap


def test_descriptions_name_the_tool() -> None:
    tool = BrushTool(size=12)
    tool.activate("subtract")
    assert tool.describe() == "Eraser 12 px"
    tool.activate_kind("refine edge")
    assert tool.describe() == "Refine edge (widen) 12 px"
    tool.swap()
    assert tool.describe() == "Refine edge (restore) 12 px"
    tool.activate_kind("grabcut")
    assert tool.describe() == "GrabCut foreground 12 px"
    tool.activate_kind("quick select")
    tool.swap()
    assert tool.describe() == "Quick select background 12 px"


def test_defaults_are_clipped_to_their_ranges() -> None:
    tool = BrushTool()
    tool.set_defaults(size=25, hardness=0.5, opacity=0.75)
    assert (tool.size, tool.hardness, tool.opacity) == (25.0, 0.5, 0.75)
    assert tool.brush().size == 25.0 and tool.brush().opacity == 0.75
    tool.set_defaults(size=10_000, hardness=-1.0, opacity=3.0)
    assert (tool.size, tool.hardness, tool.opacity) == (MAX_SIZE, 0.0, 1.0)
    tool.set_defaults(size=0, hardness=1.0, opacity=1.0)
    assert tool.size == MIN_SIZE
    for _ in range(100):
        tool.grow()
    assert tool.size == MAX_SIZE
