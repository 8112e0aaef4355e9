"""The photographer's core loop in the real window: what a brush paints, what a new photo does to the
placement, what is asked before edits are replaced. Each test fails on the defect it names (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

import app.gui.compositing_history as compositing_history
from app.gui.gui import create_window
from app.gui.main_window import MainWindow
from app.model.brush import BrushMode
from classic.imageio import write_image
from classic.pipeline import Cutout
from classic.placement import Placement, default_placement
from tests.app.conftest import disc_photo
from tests.app.gui.test_main_window import drop_files

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 30_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot: QtBot, photos: SyntheticPhotos) -> MainWindow:
    """A shown window with both photos and a cut-out of the red disc (mask = alpha = the red pixels)."""
    main_window = MainWindow()
    errors: list[str] = []
    main_window.show_error = errors.append  # type: ignore[assignment]
    main_window.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    photos.open_in(main_window.document)
    return main_window


def answering(
    asked: list[str], answer: QMessageBox.StandardButton
) -> Callable[[QWidget], QMessageBox.StandardButton]:
    """A stand-in for the unsaved-changes question that notes it was asked and gives ``answer``."""

    def ask(_parent: QWidget) -> QMessageBox.StandardButton:
        asked.append("asked")
        return answer

    return ask


def drag(qtbot: QtBot, window: MainWindow, points: list[tuple[float, float]]) -> None:
    """A left drag through image pixels (column, row) of what the canvas shows."""
    canvas, viewport = window.canvas, window.canvas.viewport()
    at = [canvas.mapFromScene(QPointF(x + 0.5, y + 0.5)) for x, y in points]
    qtbot.mousePress(viewport, LEFT, pos=at[0])
    for point in at[1:]:
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, LEFT, pos=at[-1])


def layer(window: MainWindow, name: str) -> np.ndarray:
    image = window.layers.get(name)
    assert image is not None
    return image


def test_after_composite_the_brush_paints_the_mask_through_the_composite(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Defect 1: after Composite the brush did nothing and said nothing. A brush paints the layer shown
    in any view: on the composite it paints the current mask (the alpha) under the placement, and the
    composite follows."""
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    assert window.document.has("composite")
    messages: list[str] = []
    window.painter.tool_changed.connect(messages.append)
    window.painter.activate("add")
    window.painter.tool.size, window.painter.tool.hardness = 7.0, 1.0
    assert window.painter.target() == "alpha" and window.canvas.image_size == (140, 100)  # The composite.
    assert any("alpha" in message for message in messages)  # The status bar says what it paints.
    assert window.canvas.dragMode() == window.canvas.DragMode.NoDrag  # A brush cursor, not the hand.
    placement = window.document.current_placement()
    assert placement == Placement(x=10.0, y=5.0)  # The 120 x 90 photo centred on the 140 x 100 one.
    before, composite = layer(window, "alpha").copy(), layer(window, "composite").copy()
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):  # The composite is remade.
        drag(qtbot, window, [(15, 10), (35, 10)])  # Composite pixels: the photo's (5, 5) to (25, 5).
    assert window.undo_stack.count() == 1 and window.undo_stack.text(0) == "Brush"
    assert layer(window, "alpha")[5, 15] == 1.0 and before[5, 15] == 0.0
    assert layer(window, "alpha")[10, 25] == before[10, 25]  # Not painted where the canvas was pressed.
    remade = layer(window, "composite")
    assert np.abs(remade[10, 25] - composite[10, 25]).max() > 0.05  # The photo shows where it was painted.
    np.testing.assert_array_equal(remade[40:], composite[40:])  # And nowhere else.
    assert window.canvas.image_size == (140, 100)  # Still the composite, with the stroke in it.


def test_a_brush_on_a_scaled_composite_keeps_its_size_on_screen(qtbot: QtBot, window: MainWindow) -> None:
    """Defect 1, the other order, on a subject placed at half size: the brush chosen first, then
    Composite; a stroke on the composite covers in the photo what it covers on screen."""
    window.editor.apply_placement(Placement(x=20.0, y=10.0, scale=0.5))
    window.painter.activate("subtract")
    window.painter.tool.size, window.painter.tool.hardness = 6.0, 1.0
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    alpha = layer(window, "alpha")
    rows, cols = np.nonzero(alpha > 0.5)
    centre = (float(rows.mean()), float(cols.mean()))  # The disc's centre in the photo.
    on_composite = (20.0 + 0.5 * (centre[1] + 0.5) - 0.5, 10.0 + 0.5 * (centre[0] + 0.5) - 0.5)
    before = alpha.copy()
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        drag(qtbot, window, [on_composite, (on_composite[0] + 0.2, on_composite[1])])
    erased = (before > 0.5) & (layer(window, "alpha") < 0.5)
    assert erased[round(centre[0]), round(centre[1])]
    erased_rows = np.nonzero(erased.any(axis=1))[0]
    assert 10 <= erased_rows.max() - erased_rows.min() + 1 <= 14  # 6 px on screen: 12 px in the photo.


def test_the_brush_paints_the_mask_the_overlay_view_shows(qtbot: QtBot, window: MainWindow) -> None:
    """Defect 2: with the segmentation mask selected in the overlay view, strokes went to the alpha."""
    window.editor.set_mode("overlay")
    window.layer_view.setCurrentIndex(window.layer_model.index(window.layers.row_of("segmentation mask")))
    window.painter.activate("add")
    window.painter.tool.size, window.painter.tool.hardness = 7.0, 1.0
    window.touch_up.enabled = False  # Only the stroke itself is looked at here.
    assert window.painter.target() == "segmentation mask"
    alpha = layer(window, "alpha").copy()
    drag(qtbot, window, [(5, 5), (25, 5)])
    assert layer(window, "segmentation mask")[5, 15] == 1.0
    np.testing.assert_array_equal(layer(window, "alpha"), alpha)
    # The live stroke is drawn as the overlay draws it (red tint on the photo), not as a raw grey mask.
    colour = window.canvas._item.pixmap().toImage().pixelColor(15, 5)
    assert colour.red() > colour.green() + 50 and colour.red() < 255
    window.undo_stack.undo()
    assert layer(window, "segmentation mask")[5, 15] == 0.0
    colour = window.canvas._item.pixmap().toImage().pixelColor(15, 5)  # Undo redraws the overlay too,
    assert abs(colour.red() - round(0.75 * 255)) <= 2 and colour.green() > 150  # not a black box.


def test_composite_from_a_mask_view_shows_the_composite_and_says_so(qtbot: QtBot, window: MainWindow) -> None:
    """Defect 5: after Composite the View selector read "alpha" while the composite was shown."""
    window.editor.set_mode("alpha")
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    assert window.editor.mode == "after"
    assert window.editor.view_combo.currentText() == "after" and window.canvas.image_size == (140, 100)


def test_a_new_cut_out_in_the_overlay_view_stays_an_overlay(
    window: MainWindow, photos: SyntheticPhotos
) -> None:
    """Defect 5: after a new cut-out the overlay view showed the raw alpha until the view was switched."""
    window.editor.set_mode("overlay")
    square = np.zeros(photos.foreground.shape[:2], np.float32)
    square[10:30, 10:30] = 1.0
    window.document.set_cutout(Cutout(square, square.copy(), square.copy(), photos.foreground.copy()))
    colour = window.canvas._item.pixmap().toImage().pixelColor(100, 80)  # Outside the square: the photo,
    assert colour.green() > 150  # not the raw alpha's black.


def test_a_new_photo_gets_a_fresh_fitted_placement(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, tmp_path: Path
) -> None:
    """Defect 3: a newly opened photo kept the previous photo's offset, scale, rotation and flip."""
    editor = window.editor
    editor.apply_placement(Placement(x=60.0, y=-20.0, scale=0.5, rotation=30.0, flip=True))
    big = disc_photo(300, 400)
    path = tmp_path / "big.png"
    write_image(path, big)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.load_foreground(str(path))
    fitted = default_placement(big.shape, photos.background.shape)  # Centred, scaled down to fit.
    assert editor.current_placement() == fitted and fitted.scale == pytest.approx(1 / 3)
    shown = editor.placement_panel.placement()  # The fields show it (to their 1 and 4 decimals).
    assert (shown.x, shown.y, shown.scale, shown.rotation, shown.flip) == pytest.approx(
        (fitted.x, fitted.y, fitted.scale, 0.0, False), abs=0.05
    )
    assert editor.compositing_panel.settings().placement in (None, fitted)


def test_a_subject_the_frame_cuts_stands_on_the_background_edge(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos
) -> None:
    """A figure cut off by the bottom of its photo used to float in the middle of a larger background."""
    editor = window.editor
    assert editor.current_placement() == Placement(x=10.0, y=5.0)  # The disc: centred.
    figure = np.zeros(photos.foreground.shape[:2], np.float32)
    figure[40:, 50:70] = 1.0  # Cut by the photo's bottom edge.
    window.document.set_cutout(Cutout(figure, figure.copy(), figure.copy(), photos.foreground.copy()))
    standing = Placement(x=10.0, y=10.0)  # The 90 px photo's bottom on the 100 px background's.
    assert editor.current_placement() == standing and editor.placement_panel.placement() == standing
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    composite = layer(window, "composite")
    np.testing.assert_allclose(composite[99, 70], photos.foreground[89, 60], atol=0.02)  # On the edge.
    editor.apply_placement(Placement(x=0.0, y=0.0))
    editor.fit_subject.trigger()
    assert editor.current_placement() == standing


def test_fit_subject_to_background_is_one_undo_step(
    window: MainWindow, photos: SyntheticPhotos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 3: there was no way back to a fitted placement."""
    monkeypatch.setattr(compositing_history, "MERGE_SECONDS", 0.0)  # Not merged with the move before.
    editor = window.editor
    editor.apply_placement(Placement(x=60.0, y=-20.0, scale=0.5))
    steps = window.undo_stack.count()
    editor.fit_subject.trigger()
    fitted = default_placement(photos.foreground.shape, photos.background.shape)
    assert editor.current_placement() == fitted and editor.placement_panel.placement() == fitted
    assert window.undo_stack.count() == steps + 1
    window.undo_stack.undo()
    assert editor.current_placement() == Placement(x=60.0, y=-20.0, scale=0.5)


@pytest.mark.parametrize("how", ["open", "drop"])
def test_replacing_a_photo_asks_about_unsaved_edits(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, how: str
) -> None:
    """Defect 7: opening or dropping a new foreground discarded the cut-out and edits without asking."""
    asked: list[str] = []
    window.project.ask_close = answering(asked, QMessageBox.StandardButton.Cancel)
    window.project.modified = True
    cutout = window.document.cutout
    if how == "open":
        assert not window.load_foreground(photos.foreground_path)
    else:
        drop_files(window, [photos.foreground_path, photos.background_path])
        qtbot.waitUntil(lambda: bool(asked))  # Asked after the drop has finished.
    assert asked == ["asked"] and not window.jobs.is_busy  # Cancel: nothing was opened,
    assert window.document.cutout is cutout and window.document.has("alpha")  # nothing was lost.
    window.project.ask_close = lambda parent: QMessageBox.StandardButton.Discard
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.load_foreground(photos.foreground_path)
    assert window.document.cutout is None


def test_opening_the_missing_photo_asks_nothing(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    """Adding the background to a foreground replaces nothing: no question."""
    window = MainWindow()
    qtbot.addWidget(window)
    asked: list[str] = []
    window.project.ask_close = answering(asked, QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.load_foreground(photos.foreground_path)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.load_background(photos.background_path)
    assert asked == []


@pytest.mark.parametrize(("mode", "label"), [("add", "Brush"), ("subtract", "Erase"), ("smooth", "Smooth")])
def test_a_stroke_is_named_after_the_action_in_the_history(
    qtbot: QtBot, window: MainWindow, mode: BrushMode, label: str
) -> None:
    """Defect 10: every brush, eraser and smooth stroke was labelled "Paint alpha" in History."""
    window.touch_up.enabled = False
    window.painter.activate(mode)
    window.painter.tool.size = 9.0
    drag(qtbot, window, [(40, 30), (80, 60)])
    assert window.undo_stack.count() == 1 and window.undo_stack.text(0) == label


def test_the_sample_project_starts_unmodified(qtbot: QtBot) -> None:
    """Defect 10: the window with the built-in samples started marked modified (and asked on close)."""
    sample = create_window(samples=True)
    qtbot.addWidget(sample)
    assert not sample.project.modified and not sample.isWindowModified()
    assert not sample.project.autosave()  # Nothing to autosave either.


def test_single_key_shortcuts_work_with_the_focus_in_a_number_field(qtbot: QtBot, window: MainWindow) -> None:
    """Defect 10: B, E, [ … were swallowed while a number field (brush size, placement) had the focus."""
    field = window.editor.placement_panel.x_field
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_E)
    assert window.painter.tool.active and window.painter.tool.mode == "subtract"
    size = window.painter.tool.size
    qtbot.keyClick(field, Qt.Key.Key_BracketRight)
    assert window.painter.tool.size > size
    qtbot.keyClick(field, Qt.Key.Key_5)  # Digits are still the field's.
    assert field.hasFocus() and "5" in field.text()


def test_the_view_menu_lists_every_panel(window: MainWindow) -> None:
    """Defect 10: View listed only the Layers panel."""
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entries = {action.text() for action in view.actions()}
    for panel in ("Layers", "Compositing", "Placement", "Undo history", "Brush Toolbar", "View Toolbar"):
        assert panel in entries, entries


def test_the_split_view_shows_its_divider_and_move_mode_leaves_it_draggable(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Defect 10: the split view had no visible divider, and Move Subject stole its drag."""
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    editor, canvas = window.editor, window.canvas
    editor.set_mode("split")
    canvas.fit_to_window()
    x, y = (round(v) for v in canvas.scene_to_viewport(70.0, 50.0))  # The divider, mid-height.
    shown = canvas.viewport().grab().toImage()
    row = [shown.pixelColor(c, y).lightness() for c in range(x - 3, x + 4)]
    white = [c for c in range(1, 6) if row[c] > 240]  # A white line over the picture,
    assert white and row[white[0] - 1] < 120 and row[white[0] + 1] < 120, row  # edged in black.
    editor.move_mode.setChecked(True)
    placement = editor.current_placement()
    viewport = canvas.viewport()
    to = canvas.mapFromScene(QPointF(105.0, 50.0))
    qtbot.mousePress(viewport, LEFT, pos=canvas.mapFromScene(QPointF(70.0, 50.0)))
    qtbot.mouseMove(viewport, to)
    qtbot.mouseRelease(viewport, LEFT, pos=to)
    assert editor.split_field.value() == pytest.approx(75.0, abs=2.0)
    assert editor.current_placement() == placement  # The drag moved the divider, not the subject.
    away = canvas.mapFromScene(QPointF(20.0, 50.0))  # Elsewhere Move mode still moves the subject.
    qtbot.mousePress(viewport, LEFT, pos=away)
    qtbot.mouseMove(viewport, away + QPoint(10, 0))
    qtbot.mouseRelease(viewport, LEFT, pos=away + QPoint(10, 0))
    assert editor.current_placement() != placement


def test_undoing_a_re_solve_in_the_overlay_view_redraws_the_overlay(window: MainWindow) -> None:
    """Defect 5: undoing "Re-solve alpha" (or a click in History) drew the raw alpha's box, black."""
    from app.gui.patch_command import Change, PatchCommand
    from app.model.brush import Region

    window.editor.set_mode("overlay")
    alpha = window.painter.writable("alpha")
    assert alpha is not None
    region = Region(0, 0, 20, 30)
    new = np.ones((20, 30), np.float32)
    window.undo_stack.push(
        PatchCommand(
            "Re-solve alpha", [Change(window.layers, "alpha", region, alpha[region.window].copy(), new)]
        )
    )
    tinted = window.canvas._item.pixmap().toImage().pixelColor(5, 5)
    assert tinted.red() > tinted.green() + 50  # The overlay's red tint over the photo.
    window.undo_stack.setIndex(0)  # As a click on "<empty>" in History.
    plain = window.canvas._item.pixmap().toImage().pixelColor(5, 5)
    assert plain.green() > 150 and plain.red() < 220  # The photo again, not a black box.


def test_painting_the_alpha_updates_the_composite(qtbot: QtBot, window: MainWindow) -> None:
    """Defect 1's other half: after Composite, a stroke on the alpha left the composite as it was."""
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    before = layer(window, "composite").copy()
    window.painter.activate("subtract")
    window.painter.tool.size, window.painter.tool.hardness = 15.0, 1.0
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        drag(qtbot, window, [(45, 45), (75, 45)])  # Across the red disc, in the foreground's pixels.
    after = layer(window, "composite")
    assert np.abs(after - before).max() > 0.3  # The erased band shows the background now.


def test_a_stroke_on_the_preview_paints_the_alpha_and_a_new_preview_shows_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The after view before any Composite shows the panel's preview: a stroke there paints the alpha
    under the placement and the preview is remade from it."""
    panel = window.editor.compositing_panel
    with qtbot.waitSignal(panel.preview_ready, timeout=JOB_TIMEOUT_MS):
        window.editor.set_mode("after")
        panel.request_preview()
    first = window.editor.after_image()
    assert first is not None and not window.document.has("composite")
    window.painter.activate("add")
    window.painter.tool.size, window.painter.tool.hardness = 7.0, 1.0
    assert window.painter.target() == "alpha"
    with qtbot.waitSignal(panel.preview_ready, timeout=JOB_TIMEOUT_MS):
        drag(qtbot, window, [(15, 10), (35, 10)])
    assert layer(window, "alpha")[5, 15] == 1.0
    shown = window.editor.after_image()
    assert shown is not None and shown is not first and np.abs(shown[10, 25] - first[10, 25]).max() > 0.05
