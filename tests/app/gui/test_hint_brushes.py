"""The refine-edge, GrabCut-hint and quick-select brushes driven on the window: stroke, job, undo/redo."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.patch_command import PatchCommand
from app.model.hints import BACKGROUND, FOREGROUND, PALETTE
from app.model.tools import ToolKind
from classic.pipeline import Cutout
from classic.trimap import trimap_from_mask
from tests.app.conftest import disc_photo

JOB_TIMEOUT_MS = 60_000
HEIGHT, WIDTH = 90, 120
BLUE = (0.1, 0.2, 0.9)
SQUARE = (slice(35, 55), slice(90, 110))  # A blue square right of the red disc.


def disc_mask(radius: float = 20.0) -> np.ndarray:
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    return ((rows - HEIGHT / 2) ** 2 + (cols - WIDTH / 2) ** 2 <= radius**2).astype(np.float32)


@pytest.fixture
def window(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    main_window = MainWindow()
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", errors.append)
    main_window.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window


def open_cutout(window: MainWindow, photo: np.ndarray, mask: np.ndarray, alpha: np.ndarray) -> None:
    """The photo with a cut-out whose trimap has the usual band around ``mask``; the alpha shown."""
    window.document.set_foreground(photo)
    window.document.set_cutout(Cutout(mask, trimap_from_mask(mask, band=4), alpha, photo))
    window.canvas.actual_size()


def drag(qtbot: QtBot, window: MainWindow, points: list[tuple[float, float]]) -> None:
    viewport = window.canvas.viewport()

    def at(x: float, y: float) -> QPoint:
        return window.canvas.mapFromScene(QPointF(x + 0.5, y + 0.5))

    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(viewport, at(*point))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(*points[-1]))


def stroke_and_wait(qtbot: QtBot, window: MainWindow, points: list[tuple[float, float]]) -> None:
    """A stroke, then every job it starts (its own, the alpha re-solve after it) until none runs."""
    drag(qtbot, window, points)
    qtbot.waitUntil(lambda: not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    assert not window.errors  # type: ignore[attr-defined]


def commands(window: MainWindow) -> list[PatchCommand]:
    found = [window.undo_stack.command(i) for i in range(window.undo_stack.count())]
    assert all(isinstance(command, PatchCommand) for command in found)
    return found  # type: ignore[return-value]


def test_refine_edge_widens_the_band_and_resolves_the_alpha_in_one_undo_step(
    qtbot: QtBot, window: MainWindow
) -> None:
    photo, mask = disc_photo(HEIGHT, WIDTH, radius=20), disc_mask()
    alpha = mask.copy()
    alpha[:, 75:] = 0.0  # An alpha that lost the disc's right side: the refined band must repair it.
    open_cutout(window, photo, mask, alpha)
    window.painter.tool.size, window.painter.tool.hardness = 10.0, 1.0
    window.painter.activate_kind("refine edge")
    assert window.painter.target() == "trimap"
    shown_trimap = window.layers.get("trimap")
    assert shown_trimap is not None
    trimap_before, alpha_before = shown_trimap.copy(), alpha.copy()
    stroke_and_wait(qtbot, window, [(72, 40), (82, 45), (72, 50)])
    trimap, new_alpha = window.layers.get("trimap"), window.layers.get("alpha")
    assert trimap is not None and new_alpha is not None
    alpha = new_alpha
    assert trimap[45, 82] == 0.5 and trimap[45, 72] == 0.5  # painted unknown (was 1 inside the disc)
    assert alpha[45, 76] > 0.9 and alpha[45, 83] < 0.1  # the photo's edge, at column 80
    assert np.array_equal(alpha[:, :60], alpha_before[:, :60])  # left of the stroke's box: untouched
    [step] = commands(window)
    assert step.text() == "Refine edge" and step.names == ["trimap", "alpha"]
    after = trimap.copy(), alpha.copy()
    window.undo_stack.undo()
    assert np.array_equal(trimap, trimap_before) and np.array_equal(alpha, alpha_before)
    window.undo_stack.redo()
    assert np.array_equal(trimap, after[0]) and np.array_equal(alpha, after[1])


def test_refine_edge_restore_gives_pixels_back_to_the_mask(qtbot: QtBot, window: MainWindow) -> None:
    photo, mask = disc_photo(HEIGHT, WIDTH, radius=20), disc_mask()
    open_cutout(window, photo, mask, mask.copy())
    window.painter.tool.size, window.painter.tool.hardness = 12.0, 1.0
    window.painter.activate_kind("refine edge")
    window.painter.swap()  # X: restore
    assert window.painter.tool.describe().startswith("Refine edge (restore)")
    stroke_and_wait(qtbot, window, [(80, 45)])  # across the band at the disc's right edge
    trimap = window.layers.get("trimap")
    assert trimap is not None
    assert trimap[45, 78] == 1.0 and trimap[45, 82] == 0.0 and trimap[45, 60] == 1.0
    assert trimap[10, 60] == 0.5 or trimap[25, 60] == 0.5  # the band elsewhere is kept


def grabcut_photo() -> tuple[np.ndarray, np.ndarray]:
    """The red disc and a blue square, and a mask that wrongly includes the square."""
    photo = disc_photo(HEIGHT, WIDTH, radius=20)
    photo[SQUARE] = BLUE
    mask = disc_mask()
    mask[SQUARE] = 1.0
    return photo, mask


def test_a_grabcut_background_hint_removes_a_region(qtbot: QtBot, window: MainWindow) -> None:
    photo, mask = grabcut_photo()
    open_cutout(window, photo, mask, mask.copy())
    tool = window.painter.tool
    tool.size = 6.0
    window.painter.activate_kind("grabcut")
    window.painter.swap()  # X: background hint
    assert tool.hint == "background" and window.painter.target() == "grabcut hints"
    stroke_and_wait(qtbot, window, [(95, 45), (105, 45)])
    new_mask = window.layers.get("segmentation mask")
    assert new_mask is not None
    assert not new_mask[SQUARE].any()  # the whole square, not only the brushed pixels
    assert np.array_equal(new_mask[:, :85], mask[:, :85])  # the disc is as it was
    labels = window.hints.hints.get("grabcut hints")
    assert labels is not None and (labels[44:47, 96:105] == BACKGROUND).all()
    assert not (labels == FOREGROUND).any()
    steps = commands(window)
    assert [step.text() for step in steps] == ["GrabCut hint", "Re-solve alpha"]
    assert steps[0].names == ["grabcut hints", "segmentation mask"]
    alpha = window.layers.get("alpha")
    assert alpha is not None and alpha[45, 100] < 0.1  # re-solved from the new mask
    # The overlay shows the hint in the background colour while the tool is active.
    colour = window.hints.overlay.pixmap().toImage().pixelColor(100, 45)
    assert (colour.red(), colour.green(), colour.alpha()) == tuple(PALETTE[BACKGROUND][[0, 1, 3]])
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert np.array_equal(window.layers.get("segmentation mask"), mask)  # type: ignore[arg-type]
    assert not labels.any()  # the hint went with its step
    window.undo_stack.redo()
    assert not new_mask[SQUARE].any() and (labels[44:47, 96:105] == BACKGROUND).all()


def test_quick_select_waits_for_both_kinds_of_scribble(qtbot: QtBot, window: MainWindow) -> None:
    photo = disc_photo(HEIGHT, WIDTH, radius=20)
    wrong = np.zeros((HEIGHT, WIDTH), np.float32)
    wrong[:, :30] = 1.0  # a cut-out that found the wrong thing
    open_cutout(window, photo, wrong, wrong.copy())
    window.painter.tool.size = 4.0
    window.painter.activate_kind("quick select")
    assert window.painter.target() == "quick select hints"
    stroke_and_wait(qtbot, window, [(55, 45), (65, 45)])  # foreground scribble on the disc
    assert [step.text() for step in commands(window)] == ["Quick select scribble"]
    assert np.array_equal(window.layers.get("segmentation mask"), wrong)  # type: ignore[arg-type]
    assert "background" in window.statusBar().currentMessage()
    window.painter.swap()
    stroke_and_wait(qtbot, window, [(10, 10), (110, 10)])  # background scribble along the top
    mask = window.layers.get("segmentation mask")
    assert mask is not None
    truth = disc_mask()
    assert np.abs(mask - truth).sum() < 0.02 * truth.sum()
    steps = commands(window)
    assert [step.text() for step in steps] == ["Quick select scribble"] * 2 + ["Re-solve alpha"]
    assert steps[1].names == ["quick select hints", "segmentation mask"]
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert np.array_equal(mask, wrong)


def test_hint_brushes_are_off_without_a_cutout_or_on_the_background(qtbot: QtBot, window: MainWindow) -> None:
    window.document.set_foreground(disc_photo(HEIGHT, WIDTH))
    kinds: tuple[ToolKind, ...] = ("refine edge", "grabcut", "quick select")
    for kind in kinds:
        window.painter.activate_kind(kind)
        assert window.painter.target() is None
    open_cutout(window, disc_photo(HEIGHT, WIDTH), disc_mask(), disc_mask())
    window.painter.activate_kind("grabcut")
    assert window.painter.target() == "grabcut hints"
    window.editor.set_mode("before")  # the canvas shows the (missing) background: nothing to line up
    window.document.set_background(np.zeros((50, 70, 3), np.float32))
    assert window.painter.target() is None
    drag(qtbot, window, [(10, 10), (20, 10)])
    assert window.undo_stack.count() == 0


def test_clear_hints_and_a_new_photo_drop_the_hints(qtbot: QtBot, window: MainWindow) -> None:
    photo, mask = grabcut_photo()
    open_cutout(window, photo, mask, mask.copy())
    window.painter.tool.size = 6.0
    window.painter.activate_kind("grabcut")
    stroke_and_wait(qtbot, window, [(60, 45), (62, 45)])  # a foreground hint on the disc
    labels = window.hints.hints.get("grabcut hints")
    assert labels is not None and labels.any()
    window.hints.clear_action.trigger()
    assert not labels.any() and window.undo_stack.undoText() == "Clear hints"
    window.undo_stack.undo()
    assert labels.any()
    window.document.set_foreground(disc_photo(HEIGHT, WIDTH))
    assert window.hints.hints.get("grabcut hints") is None
    assert window.undo_stack.count() == 0  # the history was about the old photo


def test_tool_shortcuts(window: MainWindow) -> None:
    shortcuts = [
        action.shortcut().toString() for action in window.findChildren(type(window.hints.clear_action))
    ]
    keys = [key for key in shortcuts if key]
    assert len(keys) == len(set(keys)), sorted(keys)  # no shortcut is taken twice
    by_key = {action.shortcut().toString(): action for action in window.actions()}
    tool = window.painter.tool
    for key, kind in (("R", "refine edge"), ("G", "grabcut"), ("W", "quick select")):
        by_key[key].trigger()
        assert tool.active and tool.kind == kind
    by_key["X"].trigger()
    assert tool.hint == "background"
    by_key["B"].trigger()
    assert tool.kind == "mask" and tool.mode == "add"


def test_a_failed_grabcut_keeps_the_hint_as_its_own_step(qtbot: QtBot, window: MainWindow) -> None:
    photo = disc_photo(HEIGHT, WIDTH, radius=20)
    empty = np.zeros((HEIGHT, WIDTH), np.float32)  # nothing selected: GrabCut has no foreground
    open_cutout(window, photo, empty, empty.copy())
    window.painter.activate_kind("grabcut")
    window.painter.swap()
    drag(qtbot, window, [(10, 10), (20, 10)])
    qtbot.waitUntil(lambda: not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    errors = window.errors  # type: ignore[attr-defined]
    assert len(errors) == 1 and "GrabCut failed" in errors[0]
    [step] = commands(window)
    assert step.names == ["grabcut hints"] and not window.layers.get("segmentation mask").any()  # type: ignore[union-attr]
    window.undo_stack.undo()
    labels = window.hints.hints.get("grabcut hints")
    assert labels is not None and not labels.any()
