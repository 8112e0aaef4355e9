"""The toolbar's Composite and File > Export compose with the compositing panel's settings (method, edge
shift, feather, placement…) at full resolution, not with the plain alpha blend."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

import app.gui.export_dialog as export_dialog
from app.gui.main_window import MainWindow
from app.model.compose import compose_full_resolution
from app.model.compositing_settings import CompositingSettings
from classic.imageio import read_image
from classic.placement import Placement

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot: QtBot, photos: SyntheticPhotos) -> MainWindow:
    """A window with both photos and a cut-out of the red disc; its panel: feather, with an edge shift."""
    main_window = MainWindow()
    errors: list[str] = []
    main_window.show_error = errors.append  # type: ignore[assignment]
    main_window.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(main_window)
    photos.open_in(main_window.document)
    panel = main_window.editor.compositing_panel
    panel.method.setCurrentText("feather")
    panel.edge_shift.setValue(3.0)
    panel.feather.setValue(5.0)
    main_window.editor.placement_panel.x_field.setValue(0.0)
    return main_window


def test_toolbar_composite_uses_the_panel_settings(qtbot: QtBot, window: MainWindow) -> None:
    settings = window.editor.compositing_panel.settings()
    assert settings.method == "feather" and settings.edge_shift == 3.0 and settings.feather_radius == 5.0
    assert window.method_combo.currentText() == "feather"
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    composite = window.layers.get("composite")
    assert composite is not None
    np.testing.assert_allclose(composite, compose_full_resolution(window.document, settings), atol=1e-6)
    plain = compose_full_resolution(window.document, CompositingSettings())
    assert np.abs(composite - plain).max() > 0.2  # Not what the default alpha blend gives.
    assert window.errors == []  # type: ignore[attr-defined]


def test_export_composes_at_full_resolution_with_the_current_settings(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite()
    # Changed after compositing: the export follows the panel, as its preview does.
    window.editor.compositing_panel.edge_shift.setValue(-2.0)
    window.editor.placement_panel.set_placement(Placement(x=12.0, y=3.0, scale=0.8, rotation=10.0))
    settings = window.editor.compositing_panel.settings()
    assert settings.placement == Placement(x=12.0, y=3.0, scale=0.8, rotation=10.0)
    target = tmp_path / "out.png"
    monkeypatch.setattr(
        export_dialog.QFileDialog, "getSaveFileName", lambda *args: (str(target), "PNG 16-bit (*.png)")
    )
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.export.trigger()  # File > Export Composite…
    exported = read_image(target)
    assert exported.bit_depth == 16 and exported.rgb.shape == window.layers.get("background").shape  # type: ignore[union-attr]
    expected = compose_full_resolution(window.document, settings)
    np.testing.assert_allclose(exported.rgb, expected, atol=1e-4)
    stale = window.layers.get("composite")
    assert stale is not None and np.abs(stale - expected).max() > 0.2  # Not the older composite layer.
    assert window.errors == []  # type: ignore[attr-defined]


def test_a_composite_without_its_cut_out_is_exported_as_it_is(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite()
    window.document.cutout = None  # As a project saved without the cut-out's colours opens.
    composite = window.layers.get("composite")
    assert composite is not None
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.export_composite(str(tmp_path / "plain.png"), bit_depth=16)
    np.testing.assert_allclose(read_image(tmp_path / "plain.png").rgb, composite, atol=1e-4)


def test_both_method_boxes_show_the_documents_method(window: MainWindow) -> None:
    panel = window.editor.compositing_panel
    window.document.set_method("laplacian")
    assert window.method_combo.currentText() == panel.method.currentText() == "laplacian"
    window.method_combo.setCurrentText("copy")
    assert window.document.compositing.method == panel.method.currentText() == "copy"
    panel.method.setCurrentText("alpha")
    assert window.document.compositing.method == window.method_combo.currentText() == "alpha"


def test_composite_uses_the_alpha_the_brush_painted(qtbot: QtBot, window: MainWindow) -> None:
    """One cut-out feeds the preview, Composite and Export: the one the layers show."""
    alpha = window.layers.get("alpha")
    assert alpha is not None
    window.layers.set_image("alpha", np.zeros_like(alpha))  # All erased, as a brush on a copy leaves it.
    window.editor.compositing_panel.method.setCurrentText("alpha")
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    composite, background = window.layers.get("composite"), window.layers.get("background")
    assert composite is not None and background is not None
    np.testing.assert_allclose(composite, background, atol=1e-5)  # No subject left to paste.
    assert window.layers.get("alpha") is not alpha  # The painted alpha stays shown: no new cut-out.


@pytest.mark.parametrize("view", ["overlay", "unsure", "before"])
def test_composite_is_shown_whatever_view_hid_it(qtbot: QtBot, window: MainWindow, view: str) -> None:
    window.document.set_view_mode(view)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.composite.trigger()
    assert window.editor.mode == "after"
