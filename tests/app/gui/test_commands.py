"""Undo commands keep only the tiles a stroke changed, and undo/redo restore the layer bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QUndoStack

from app.gui.commands import TILE, ResolveCommand, StrokeCommand, changed_tiles
from app.model.brush import Brush, Region, Stroke
from app.model.layers import LayerEvent, LayerStack
from classic.checks import InvalidInputError


def image_of(layers: LayerStack, name: str) -> np.ndarray:
    image = layers.get(name)
    assert image is not None
    return image


def stack_with(name: str, image: np.ndarray) -> LayerStack:
    layers = LayerStack()
    layers.set_image(name, image)
    return layers


def stroke_and_push(
    layers: LayerStack, name: str, points: list[tuple[float, float]], brush: Brush
) -> QUndoStack:
    """Paint ``points`` live on the layer, then push the command the way ``PaintController`` does."""
    stroke = Stroke(image_of(layers, name), brush)
    for x, y in points:
        stroke.move_to(x, y)
    bbox, old, new = stroke.finish()
    undo_stack = QUndoStack()
    undo_stack.push(StrokeCommand(layers, name, bbox, old, new))
    return undo_stack


def test_undo_and_redo_round_trip_exactly_on_a_20_by_20_mask() -> None:
    rng = np.random.default_rng(1)
    before = rng.random((20, 20), dtype=np.float32)
    layers = stack_with("segmentation mask", before.copy())
    undo_stack = stroke_and_push(layers, "segmentation mask", [(4, 4), (15, 12)], Brush(size=5, hardness=0.4))
    after = image_of(layers, "segmentation mask").copy()
    assert not np.array_equal(after, before)
    for _ in range(2):
        undo_stack.undo()
        assert np.array_equal(image_of(layers, "segmentation mask"), before)
        undo_stack.redo()
        assert np.array_equal(image_of(layers, "segmentation mask"), after)


def test_a_multi_tile_stroke_keeps_only_the_tiles_it_changed_and_round_trips() -> None:
    height, width = 3 * TILE + 17, 4 * TILE + 5
    before = np.random.default_rng(2).random((height, width), dtype=np.float32)
    layers = stack_with("alpha", before.copy())
    # A diagonal from the top-left tile to the bottom-right one: its box is the whole mask.
    points = [(2.0, 2.0), (width - 3.0, height - 3.0)]
    undo_stack = stroke_and_push(layers, "alpha", points, Brush(size=9, mode="subtract"))
    command = undo_stack.command(0)
    assert isinstance(command, StrokeCommand)
    assert command.bbox == Region(0, 0, height, width)
    after = image_of(layers, "alpha").copy()
    tile_rows, tile_cols = -(-height // TILE), -(-width // TILE)
    changed = {
        (r, c)
        for r in range(tile_rows)
        for c in range(tile_cols)
        if not np.array_equal(before[r * TILE : (r + 1) * TILE, c * TILE : (c + 1) * TILE],
                              after[r * TILE : (r + 1) * TILE, c * TILE : (c + 1) * TILE])
    }  # fmt: skip
    kept = {(t.region.top // TILE, t.region.left // TILE) for t in command.tiles}
    assert kept == changed
    assert len(kept) < tile_rows * tile_cols  # tiles away from the diagonal are not stored
    assert command.nbytes < before.nbytes  # far less than the box's two patches
    assert np.array_equal(command.old_patch, before) and np.array_equal(command.new_patch, after)
    undo_stack.undo()
    assert np.array_equal(image_of(layers, "alpha"), before)
    undo_stack.redo()
    assert np.array_equal(image_of(layers, "alpha"), after)


def test_unchanged_tiles_are_not_stored_and_restoring_sends_one_event() -> None:
    old = np.zeros((2 * TILE, 3 * TILE), np.float32)
    new = old.copy()
    new[TILE + 5, 2 * TILE + 7] = 0.25  # one pixel in tile (1, 2)
    new[3, 3] = -0.0  # equal as a number, other bits: kept, so undo is exact to the bit
    bbox = Region(10, 20, 10 + old.shape[0], 20 + old.shape[1])
    layers = stack_with("refined mask", np.zeros((bbox.bottom, bbox.right), np.float32))
    layers.set_region("refined mask", bbox.window, new)  # as painted live
    events: list[LayerEvent] = []
    layers.connect(events.append)
    with pytest.raises(InvalidInputError):
        StrokeCommand(layers, "refined mask", bbox, old, new[:-1])
    command = StrokeCommand(layers, "refined mask", bbox, old, new)
    assert [t.region for t in command.tiles] == [
        Region(10, 20, 10 + TILE, 20 + TILE),
        Region(10 + TILE, 20 + 2 * TILE, 10 + 2 * TILE, 20 + 3 * TILE),
    ]
    assert command.nbytes == 4 * TILE * TILE * 4
    command.undo()
    image = image_of(layers, "refined mask")
    assert not np.signbit(image).any() and not image.any()
    assert len(events) == 1 and events[0].region == Region(10, 20, 10 + 2 * TILE, 20 + 3 * TILE).window


def test_changed_tiles_compares_colour_images_per_pixel() -> None:
    old = np.zeros((5, 7, 3), np.float32)
    new = old.copy()
    new[4, 6, 2] = 1.0
    tiles = changed_tiles(Region(0, 0, 5, 7), old, new, tile=4)
    assert [t.region for t in tiles] == [Region(4, 4, 5, 7)]
    assert tiles[0].new.shape == (1, 3, 3) and tiles[0].new[0, 2, 2] == 1.0
    assert changed_tiles(Region(0, 0, 5, 7), old, old.copy(), tile=4) == []


def test_resolve_command_keeps_its_text_and_round_trips() -> None:
    alpha = np.zeros((20, 20), np.float32)
    layers = stack_with("alpha", alpha)
    region = Region(5, 5, 15, 15)
    patch = np.full((10, 10), 0.75, np.float32)
    command = ResolveCommand(layers, "alpha", region, alpha[region.window].copy(), patch)
    layers.set_region("alpha", region.window, patch)
    undo_stack = QUndoStack()
    undo_stack.push(command)
    assert command.text() == "Re-solve alpha"
    undo_stack.undo()
    assert not alpha.any()
    undo_stack.redo()
    assert float(alpha.sum()) == 75.0


def test_an_empty_box_keeps_no_tiles() -> None:
    empty = np.zeros((0, 5), np.float32)
    assert changed_tiles(Region(3, 0, 3, 5), empty, empty.copy()) == []


def test_a_step_from_the_strokes_tiles_equals_the_one_from_its_patches() -> None:
    """The brush's release builds its step from the tiles the stroke changed, never going over the
    stroke's whole bounding box (a diagonal across a 24 MP mask: 0.2 s on the GUI thread)."""
    rng = np.random.default_rng(3)
    mask = rng.random((300, 400)).astype(np.float32)
    layers = LayerStack()
    layers.set_image("alpha", mask)
    stroke = Stroke(mask, Brush(size=30.0, mode="subtract"))
    for step in range(30):
        stroke.move_to(10 + 13 * step, 8 + 9 * step)
    from_tiles = StrokeCommand.of_stroke(layers, "alpha", stroke, text="Erase")
    bbox, old, new = stroke.finish()
    from_patches = StrokeCommand(layers, "alpha", bbox, old, new, text="Erase")
    assert from_tiles.bbox == bbox and from_tiles.text() == "Erase"
    np.testing.assert_array_equal(from_tiles.old_patch, from_patches.old_patch)
    np.testing.assert_array_equal(from_tiles.new_patch, from_patches.new_patch)
    assert from_tiles.nbytes < old.nbytes  # Only the tiles along the path.
    from_tiles.redo()  # The first redo: painted live already.
    from_tiles.undo()
    np.testing.assert_array_equal(image_of(layers, "alpha")[bbox.window], old)
