"""Edit ▸ Mask on the window: each command changes the current mask, as one named undo step."""

# ruff: noqa: F811  (the ``window`` fixture is imported from test_hint_brushes)

from __future__ import annotations

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.model.mask_edits import MASK_EDITS
from classic.mask_ops import feather_mask, grow_mask, shrink_mask
from classic.pipeline import Cutout
from classic.trimap import trimap_from_mask
from tests.app.conftest import disc_photo
from tests.app.gui.test_hint_brushes import HEIGHT, JOB_TIMEOUT_MS, WIDTH, disc_mask, window  # noqa: F401


def open_cutout(window: MainWindow) -> None:
    """A red disc with its cut-out: a binary segmentation mask, and a soft-edged alpha."""
    photo = disc_photo(HEIGHT, WIDTH, radius=20.0)
    mask = disc_mask()
    alpha = feather_mask(mask, 2)
    window.document.set_foreground(photo)
    window.document.set_cutout(Cutout(mask, trimap_from_mask(mask, band=4), alpha, photo))


def run_and_wait(qtbot: QtBot, window: MainWindow, name: str, pixels: int | None = None) -> None:
    assert window.mask_commands.run(name, pixels)
    qtbot.waitUntil(lambda: not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    assert not window.errors  # type: ignore[attr-defined]


def layer(window: MainWindow, name: str) -> np.ndarray:
    image = window.layers.get(name)
    assert image is not None
    return image


EXPECTED = {
    "Invert": lambda mask, _pixels: 1.0 - mask,
    "Clear": lambda mask, _pixels: np.zeros_like(mask),
    "Fill": lambda mask, _pixels: np.ones_like(mask),
    "Grow": grow_mask,
    "Shrink": shrink_mask,
    "Feather": feather_mask,
}


@pytest.mark.parametrize("name", list(MASK_EDITS))
def test_each_command_is_one_named_undo_step_that_undo_restores_bit_for_bit(
    qtbot: QtBot, window: MainWindow, name: str
) -> None:
    open_cutout(window)
    window.touch_up.enabled = False  # Only the alpha's own step: no composite to follow here anyway.
    assert window.mask_commands.target() == "alpha"
    before = layer(window, "alpha").copy()
    pixels = 3 if MASK_EDITS[name].takes_pixels else None
    run_and_wait(qtbot, window, name, pixels)
    after = layer(window, "alpha")
    np.testing.assert_array_equal(after, EXPECTED[name](before, pixels or 0).astype(np.float32))
    assert after.dtype == np.float32 and after.min() >= 0.0 and after.max() <= 1.0
    stack = window.undo_stack
    assert stack.count() == 1
    assert stack.undoText() == (f"{name} mask by 3 px" if pixels else f"{name} mask")
    stack.undo()
    assert layer(window, "alpha").tobytes() == before.tobytes()
    stack.redo()
    np.testing.assert_array_equal(layer(window, "alpha"), EXPECTED[name](before, pixels or 0))


def test_the_commands_edit_the_active_mask_and_ask_for_pixels(qtbot: QtBot, window: MainWindow) -> None:
    open_cutout(window)
    window.touch_up.enabled = False
    window.document.set_active_layer("segmentation mask")
    assert window.mask_commands.target() == "segmentation mask"
    asked: list[tuple[str, str, int]] = []

    def ask(edit: object, target: str, default: int) -> int | None:
        asked.append((getattr(edit, "name", ""), target, default))
        return 2 if len(asked) == 1 else None

    window.mask_commands.ask_pixels = ask
    mask, alpha = layer(window, "segmentation mask").copy(), layer(window, "alpha").copy()
    window.mask_commands.actions["Grow"].trigger()
    qtbot.waitUntil(lambda: not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    assert asked == [("Grow", "segmentation mask", 4)]
    np.testing.assert_array_equal(layer(window, "segmentation mask"), grow_mask(mask, 2))
    assert int(layer(window, "segmentation mask").sum()) > int(mask.sum())
    np.testing.assert_array_equal(layer(window, "alpha"), alpha)  # Only the active mask.
    assert window.undo_stack.undoText() == "Grow mask by 2 px"
    window.mask_commands.actions["Grow"].trigger()  # Asked again (remembering 2): cancelled.
    assert asked[-1] == ("Grow", "segmentation mask", 2)
    assert not window.jobs.is_busy and window.undo_stack.count() == 1


def test_an_edit_of_the_segmentation_mask_re_solves_the_alpha(qtbot: QtBot, window: MainWindow) -> None:
    open_cutout(window)
    window.document.set_active_layer("segmentation mask")
    alpha = layer(window, "alpha").copy()
    run_and_wait(qtbot, window, "Grow", 6)
    qtbot.waitUntil(lambda: window.undo_stack.count() == 2, timeout=JOB_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    texts = [window.undo_stack.text(i) for i in range(window.undo_stack.count())]
    assert texts == ["Grow mask by 6 px", "Re-solve alpha"]
    assert float(layer(window, "alpha").sum()) > float(alpha.sum())  # The alpha followed the mask out.


def test_an_edit_that_changes_nothing_pushes_no_step(qtbot: QtBot, window: MainWindow) -> None:
    open_cutout(window)
    window.touch_up.enabled = False
    run_and_wait(qtbot, window, "Clear")
    run_and_wait(qtbot, window, "Clear")
    assert window.undo_stack.count() == 1


def test_the_mask_menu_is_disabled_without_a_mask(window: MainWindow) -> None:
    commands = window.mask_commands
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert commands.menu.menuAction() in edit_menu.actions()  # type: ignore[union-attr]
    assert not commands.menu.isEnabled()
    assert not any(action.isEnabled() for action in commands.actions.values())
    assert not commands.run("Invert")
    open_cutout(window)
    assert commands.menu.isEnabled()
    assert all(action.isEnabled() for action in commands.actions.values())
    assert "the alpha" in commands.actions["Invert"].statusTip()
