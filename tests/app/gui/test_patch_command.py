"""One undo step over several arrays: a hint map and a mask layer, pushed, undone and redone."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoStack

from app.gui.patch_command import Change, PatchCommand
from app.model.brush import EMPTY, Region
from app.model.hints import FOREGROUND, HintLayer
from app.model.layers import LayerEvent, LayerStack


def test_a_step_applies_on_push_and_undoes_every_part_exactly() -> None:
    layers, hints = LayerStack(), HintLayer()
    mask = np.random.default_rng(0).random((300, 20)).astype(np.float32)
    layers.set_image("segmentation mask", mask)
    labels = hints.labels("grabcut hints", (300, 20))
    before_mask, before_labels = mask.copy(), labels.copy()
    events: list[LayerEvent] = []
    layers.connect(events.append)
    # A hint painted live (already in the map), and a job's new mask not applied yet.
    hint_box = Region(2, 2, 5, 6)
    labels[hint_box.window] = FOREGROUND
    new_mask = mask.copy()
    new_mask[0:3, 0:20] = 1.0
    new_mask[290:300, 0:20] = 0.0
    region = Region(0, 0, 300, 20)
    command = PatchCommand(
        "GrabCut hint",
        [
            Change(hints, "grabcut hints", hint_box, before_labels[hint_box.window], labels[hint_box.window]),
            Change(layers, "segmentation mask", region, mask.copy(), new_mask),
        ],
    )
    assert command.names == ["grabcut hints", "segmentation mask"]
    assert command.region("segmentation mask") == region  # tiles at both ends: their bounds
    assert command.region("alpha") == EMPTY
    # Only the changed 128-row tiles are kept, not the whole 300-row box.
    assert command.nbytes < 2 * mask.nbytes
    stack = QUndoStack()
    stack.push(command)
    assert np.array_equal(mask, new_mask) and len(events) == 1  # one event per array
    stack.undo()
    assert np.array_equal(mask, before_mask) and np.array_equal(labels, before_labels)
    stack.redo()
    assert np.array_equal(mask, new_mask) and (labels[hint_box.window] == FOREGROUND).all()


def test_parts_that_change_nothing_are_left_out() -> None:
    layers = LayerStack()
    layers.set_image("alpha", np.zeros((20, 20), np.float32))
    patch = np.zeros((4, 4), np.float32)
    command = PatchCommand("Nothing", [Change(layers, "alpha", Region(0, 0, 4, 4), patch, patch.copy())])
    assert command.names == [] and command.nbytes == 0
