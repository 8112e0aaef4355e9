"""The main window driven as a user would: drop photos, cut out, composite, export, cancel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from classic.foreground import estimate_foreground
from classic.imageio import read_image, write_image

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    main_window = MainWindow()
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", errors.append)
    main_window.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(main_window)  # Closed after the test, which shuts the job thread down.
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window


def drop_files(window: MainWindow, paths: Sequence[str]) -> bool:
    """Drag ``paths`` over the window and drop them, as a file manager would; returns the drag's verdict."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path) for path in paths])
    position = QPointF(window.canvas.geometry().center())
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        position, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(position, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return enter.isAccepted()


def drop_and_wait(qtbot: QtBot, window: MainWindow, paths: Sequence[str]) -> None:
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert drop_files(window, paths)


def test_drop_cut_out_composite_export(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, tmp_path: Path
) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path, photos.background_path])
    assert window.layers.names() == ["foreground", "background"]
    foreground = window.layers.get("foreground")
    assert foreground is not None
    np.testing.assert_allclose(foreground, photos.foreground, atol=1 / 255)
    assert window.windowTitle().startswith("disc.png on sky.png")
    assert window.canvas.image_size == (120, 90)  # The foreground is on top, so it is shown.

    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_cutout()
        assert window.job_panel.isVisible() and not window.menu_actions.cutout.isEnabled()
    assert not window.job_panel.isVisible() and window.menu_actions.cutout.isEnabled()
    alpha = window.layers.get("alpha")
    assert alpha is not None and alpha.shape == photos.foreground.shape[:2]
    assert "segmentation mask" in window.layers
    assert (
        window.statusBar().currentMessage() == "Cut out with the saliency-seeded GrabCut, closed-form matting"
    )
    red = np.all(np.abs(photos.foreground - photos.subject_rgb) < 0.01, axis=2)
    assert alpha[red].mean() > 0.95 and alpha[~red].mean() < 0.05

    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite("alpha")
    result = window.layers.get("composite")
    assert result is not None and result.shape == photos.background.shape
    assert window.canvas.image_size == (140, 100)
    # The background has no red: red pixels on the composite can only be the foreground's subject.
    subject = np.all(np.abs(result - photos.subject_rgb) < 0.05, axis=2)
    assert subject.sum() >= 0.9 * red.sum()
    np.testing.assert_allclose(result[0, 0], photos.background[0, 0], atol=0.02)

    target = tmp_path / "exported"
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.export_composite(str(target))
    exported = read_image(tmp_path / "exported.png")
    np.testing.assert_allclose(exported.rgb, result, atol=1 / 255)
    assert window.errors == []  # type: ignore[attr-defined]


def test_a_foreground_that_is_a_cut_out_already_brings_its_own(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, tmp_path: Path
) -> None:
    red = np.all(np.abs(photos.foreground - photos.subject_rgb) < 0.01, axis=2)
    alpha = red.astype(np.float32)
    alpha[np.roll(red, 2, axis=1) & ~red] = 0.5  # a soft rim
    path = tmp_path / "cut-out.png"
    write_image(path, np.dstack([photos.foreground * (alpha > 0)[:, :, None], alpha]))
    drop_and_wait(qtbot, window, [str(path), photos.background_path])
    # Then its colours are decontaminated on the worker.
    qtbot.waitUntil(lambda: "alpha" in window.layers and not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    shown = window.layers.get("alpha")
    assert shown is not None and np.abs(shown - alpha).max() <= 1 / 255  # 8-bit
    assert "segmentation mask" in window.layers and "trimap" in window.layers
    assert window.statusBar().currentMessage() == "Cut out with the photo's own transparency"
    stored, cutout = read_image(path), window.document.cutout
    assert cutout is not None and stored.alpha is not None
    np.testing.assert_array_equal(cutout.foreground, estimate_foreground(stored.rgb, stored.alpha))
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite("alpha")  # no new cut-out: the file's is shown already
    assert window.statusBar().currentMessage() == "Cut out with the photo's own transparency"
    result = window.layers.get("composite")
    assert result is not None
    np.testing.assert_allclose(result[0, 0], photos.background[0, 0], atol=0.02)
    assert window.errors == []  # type: ignore[attr-defined]


def test_the_default_cut_out_is_the_shipped_network_and_the_status_bar_says_so(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, shipped_segmentation: Path
) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path, photos.background_path])
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite("alpha")  # cuts out first: the whole automatic pipeline
    message = window.statusBar().currentMessage()
    assert message == "Cut out with GrabCut seeded by the segmentation network, closed-form matting"
    alpha, result = window.layers.get("alpha"), window.layers.get("composite")
    assert alpha is not None and result is not None
    red = np.all(np.abs(photos.foreground - photos.subject_rgb) < 0.01, axis=2)
    assert alpha[red].mean() > 0.9 and alpha[~red].mean() < 0.1
    subject = np.all(np.abs(result - photos.subject_rgb) < 0.05, axis=2)
    assert subject.sum() >= 0.8 * red.sum()
    assert window.errors == []  # type: ignore[attr-defined]


def test_one_dropped_file_fills_the_foreground_then_the_background(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos
) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path])
    assert window.layers.names() == ["foreground"]
    drop_and_wait(qtbot, window, [photos.background_path])
    assert window.layers.names() == ["foreground", "background"]
    assert window.layers.get("background").shape == photos.background.shape  # type: ignore[union-attr]


def test_composite_cuts_out_first_when_needed(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos
) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path, photos.background_path])
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite()
    assert window.document.cutout is not None
    assert window.layers.names()[:2] == ["composite", "alpha"]


def test_cancel_leaves_the_document_as_it_was(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos
) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path])
    with qtbot.waitSignal(window.jobs.cancelled, timeout=JOB_TIMEOUT_MS):
        assert window.run_cutout()
        window.job_panel.cancel_button.click()
    assert window.layers.names() == ["foreground"]
    assert window.menu_actions.cutout.isEnabled() and not window.job_panel.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()


def test_one_job_at_a_time(qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos) -> None:
    drop_and_wait(qtbot, window, [photos.foreground_path, photos.background_path])
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_cutout()
        assert not window.run_composite()
        assert "still running" in window.statusBar().currentMessage()


def test_errors_are_reported(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a picture")
    with qtbot.waitSignal(window.jobs.failed, timeout=JOB_TIMEOUT_MS):
        drop_files(window, [str(bad)])
    assert len(window.errors) == 1 and "broken.png" in window.errors[0]  # type: ignore[attr-defined]
    assert len(window.layers) == 0
    assert not window.run_cutout() and not window.export_composite(str(tmp_path / "x.png"))
    assert len(window.errors) == 3  # type: ignore[attr-defined]


def test_dragging_other_files_is_refused(window: MainWindow, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert not drop_files(window, [str(notes)])
    assert not window.jobs.is_busy


def test_closing_the_window_stops_the_job_thread(window: MainWindow) -> None:
    window.close()
    with pytest.raises(RuntimeError, match="shut down"):
        window.jobs.submit(lambda *, progress, is_cancelled: None)


def test_status_bar_shows_where_the_networks_run(window: MainWindow) -> None:
    device = window.pipeline.device()
    assert window.device_label.text() == device.device.type.upper()
    assert device.reason in window.device_label.toolTip()


def test_a_stroke_is_drawn_by_its_dabs_not_again_on_release(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QPointF

    mask = np.zeros((60, 80), np.float32)
    window.layers.set_image("segmentation mask", mask)
    window.painter.activate("add")
    window.painter.tool.size, window.painter.tool.hardness = 9.0, 1.0
    redrawn: list[tuple[slice, slice]] = []
    update_region = window.canvas.update_region

    def record(image: np.ndarray, region: tuple[slice, slice]) -> None:
        redrawn.append(region)
        update_region(image, region)

    monkeypatch.setattr(window.canvas, "update_region", record)
    viewport, left = window.canvas.viewport(), Qt.MouseButton.LeftButton
    points = [window.canvas.mapFromScene(QPointF(x + 0.5, 30.5)) for x in (10, 30, 50, 70)]
    qtbot.mousePress(viewport, left, pos=points[0])
    for point in points[1:]:
        qtbot.mouseMove(viewport, point)
    by_dabs = len(redrawn)
    qtbot.mouseRelease(viewport, left, pos=points[-1])
    assert window.undo_stack.count() == 1 and mask[30, 10] == 1.0 and mask[30, 70] == 1.0
    assert by_dabs == len(points) and len(redrawn) == by_dabs  # The release drew nothing more.
    assert window.canvas._item.pixmap().toImage().pixelColor(40, 30).red() == 255
    redrawn.clear()
    window.undo_stack.undo()  # Undo is not drawn by a brush: the canvas redraws what it changed.
    assert not mask.any() and redrawn
    assert window.canvas._item.pixmap().toImage().pixelColor(40, 30).red() == 0


def test_job_modules_are_imported_before_any_job(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import app.gui.main_window as main_window

    assert "pymatting" in main_window.PRELOADED_MODULES  # Imported by the cut-out's matting.
    monkeypatch.setattr(main_window, "PRELOADED_MODULES", ("colorsys",))  # Tiny and not imported yet.
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    window = MainWindow()
    qtbot.addWidget(window)
    assert "colorsys" in sys.modules and not window.jobs.is_busy
