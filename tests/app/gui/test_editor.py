from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.qimage import qimage_to_rgb
from app.model.views import VIEW_MODES
from classic.pipeline import Cutout

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def _shown(window: MainWindow) -> np.ndarray:
    return qimage_to_rgb(window.canvas._item.pixmap().toImage())


def test_view_modes_render_the_current_mask(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    window.document.set_background(photos.background)
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    window.document.set_cutout(Cutout(red, red, red, photos.foreground))
    editor = window.editor
    for mode in VIEW_MODES:
        editor.set_mode(mode)
        assert window.canvas.has_image
    editor.set_mode("on black")
    assert np.allclose(_shown(window)[0, 0], 0.0) and _shown(window)[45, 60, 0] > 0.8
    editor.set_mode("alpha")
    assert np.allclose(_shown(window)[..., 1], red, atol=1 / 255)
    editor.set_mode("before")
    assert _shown(window).shape == photos.background.shape
    editor.set_mode("layers")
    with qtbot.waitSignal(editor.compositing_panel.preview_ready, timeout=10_000):
        editor.compositing_panel.method.setCurrentText("copy")
    assert editor.mode == "after" and editor.preview is not None
    editor.split_field.setValue(50.0)
    editor.set_mode("split")
    split = _shown(window)
    assert np.allclose(split[:, :10], photos.background[:, :10], atol=1 / 255)


def test_toolbar_and_panel_share_the_method(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.method_combo.setCurrentText("poisson")
    assert window.editor.compositing_panel.method.currentText() == "poisson"
    window.editor.compositing_panel.method.setCurrentText("feather")
    assert window.method_combo.currentText() == "feather"


def test_dragging_moves_the_split_line(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.document.set_background(photos.background)
    editor = window.editor
    editor.set_mode("split")
    canvas = window.canvas
    canvas.actual_size()
    point = canvas.mapFromScene(35.0, 50.0)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert abs(editor.split_field.value() - 25.0) < 2.0


def test_a_mask_view_is_not_redrawn_for_a_layer_it_does_not_show(
    qtbot: QtBot, photos: SyntheticPhotos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A remade composite re-rendered the whole overlay (0.8-3.5 s at 24 MP) though the view shows the
    alpha over the photo (issue 12, defect 6)."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    window.document.set_background(photos.background)
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    window.document.set_cutout(Cutout(red, red, red.copy(), photos.foreground))
    window.layers.set_image("composite", photos.background)
    window.editor.set_mode("overlay")
    renders: list[str] = []
    real_render = window.editor.render
    monkeypatch.setattr(window.editor, "render", lambda: (renders.append("render"), real_render()))
    window.layers.set_image("composite", photos.background.copy())  # Remade after a stroke.
    window.layers.set_image("trimap", red.copy())
    assert renders == []
    window.layers.set_image("alpha", np.zeros_like(red))  # The mask shown: drawn again.
    assert renders == ["render"]
    assert np.allclose(_shown(window)[..., :], photos.foreground, atol=1 / 255)  # No overlay left.


def test_the_view_box_and_the_layer_panel_are_views_of_the_document(
    qtbot: QtBot, photos: SyntheticPhotos
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    window.document.set_cutout(Cutout(red, red * 0.5, red.copy(), photos.foreground))
    window.document.set_view_mode("alpha")
    assert window.editor.view_combo.currentText() == "alpha"
    assert np.allclose(_shown(window)[..., 0], red, atol=1 / 255)  # The alpha, drawn as the view.
    window.document.set_active_layer("trimap")
    row = window.layer_view.currentIndex().row()
    assert window.layers.layer_at(row).name == "trimap"
    assert np.allclose(_shown(window)[..., 0], red * 0.5, atol=1 / 255)  # The selected mask is shown.
    window.editor.view_combo.setCurrentText("on black")
    assert window.document.view_mode == "on black"
    window.layer_view.setCurrentIndex(window.layer_model.index(window.layers.row_of("alpha")))
    assert window.document.active_layer == "alpha"


def test_the_shown_preview_is_marked_out_of_date_until_the_new_one_comes(
    qtbot: QtBot, photos: SyntheticPhotos
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    window.document.set_background(photos.background)
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    window.document.set_cutout(Cutout(red, red, red.copy(), photos.foreground))
    panel = window.editor.compositing_panel
    window.editor.set_mode("after")
    with qtbot.waitSignal(panel.preview_ready, timeout=10_000):
        panel.edge_shift.setValue(2.0)
        assert window.editor.stale  # The old image stays up, marked, while the new one is made.
    assert not window.editor.stale


def test_a_new_cutout_draws_the_canvas_once(
    qtbot: QtBot, photos: SyntheticPhotos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its three layers, each inserted and shown, drew the canvas six times (0.25 s at 24 MP)."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_foreground(photos.foreground)
    renders: list[str] = []
    real_render = window.editor.render
    monkeypatch.setattr(window.editor, "render", lambda: (renders.append("render"), real_render()))
    red = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    window.document.set_cutout(Cutout(red, red * 0.5, red.copy(), photos.foreground))
    assert renders == ["render"]
    assert np.allclose(_shown(window)[..., 0], red, atol=1 / 255)  # The alpha, on top, is shown.
