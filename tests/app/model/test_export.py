"""Exports: the right channels, bit depth and size for each kind, directly and through the window's jobs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.settings import Settings
from app.model.export import bit_depth_of, cutout_rgba, export_layers, export_single
from classic.checks import InvalidInputError
from classic.pipeline import Cutout
from classic.progress import Cancelled

SIZE = (20, 24)


def raw(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    return image


def to_16_bit(values: np.ndarray) -> np.ndarray:
    return (values * np.float32(65535) + np.float32(0.5)).astype(np.uint16)  # As the writer rounds.


def make_cutout() -> Cutout:
    rng = np.random.default_rng(2)
    mask = (rng.random(SIZE) > 0.5).astype(np.float32)
    return Cutout(
        mask, mask * 0.5, rng.random(SIZE).astype(np.float32), rng.random((*SIZE, 3)).astype(np.float32)
    )


@pytest.mark.parametrize(
    ("name", "bit_depth", "dtype"),
    [("c.png", 8, np.uint8), ("c.png", 16, np.uint16), ("c.tif", 16, np.uint16), ("c.jpg", 16, np.uint8)],
)
def test_composite_formats_and_bit_depths(tmp_path: Path, name: str, bit_depth: int, dtype: type) -> None:
    image = np.random.default_rng(0).random((*SIZE, 3)).astype(np.float32)
    written = export_single(str(tmp_path / name), image, bit_depth=bit_depth)
    data = raw(Path(written))
    assert data.shape == (*SIZE, 3) and data.dtype == dtype


def test_cutout_is_rgba_with_the_alpha_as_fourth_channel(tmp_path: Path) -> None:
    cutout = make_cutout()
    export_single(str(tmp_path / "cut.png"), cutout_rgba(cutout.foreground, cutout.alpha), bit_depth=16)
    data = raw(tmp_path / "cut.png")
    assert data.shape == (*SIZE, 4) and data.dtype == np.uint16
    np.testing.assert_array_equal(data[:, :, 3], to_16_bit(cutout.alpha))
    np.testing.assert_array_equal(data[:, :, 2], to_16_bit(cutout.foreground[:, :, 0]))  # OpenCV reads BGRA.


def test_cutout_needs_matching_sizes() -> None:
    with pytest.raises(InvalidInputError, match="cut-out"):
        cutout_rgba(np.zeros((4, 4, 3), np.float32), np.zeros((5, 4), np.float32))


def test_alpha_is_single_channel(tmp_path: Path) -> None:
    alpha = make_cutout().alpha
    export_single(str(tmp_path / "a.png"), alpha, bit_depth=16)
    data = raw(tmp_path / "a.png")
    assert data.shape == SIZE and data.dtype == np.uint16


def test_every_layer_to_a_folder_and_cancel(tmp_path: Path) -> None:
    layers = {"alpha": make_cutout().alpha, "foreground": make_cutout().foreground}
    reports: list[float] = []
    export_layers(str(tmp_path / "out"), layers, progress=lambda f, m: reports.append(f))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha.png", "foreground.png"]
    assert raw(tmp_path / "out" / "foreground.png").shape == (*SIZE, 3)
    assert reports[-1] == 1.0
    with pytest.raises(Cancelled):
        export_layers(str(tmp_path / "none"), layers, is_cancelled=lambda: True)


def test_bit_depth_from_the_dialog_filter() -> None:
    assert bit_depth_of("PNG 16-bit (*.png)") == 16
    assert bit_depth_of("JPEG (*.jpg)", 16) == 8
    assert bit_depth_of("", 16) == 16


def test_window_exports_as_jobs_and_remembers_the_folder(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    cutout = make_cutout()
    window.document.set_foreground(cutout.foreground)
    window.document.set_cutout(cutout)
    actions = window.project_actions
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert actions.export_cutout_to(str(tmp_path / "cut"))
    assert raw(tmp_path / "cut.png").shape == (*SIZE, 4)
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert actions.export_alpha_to(str(tmp_path / "alpha.png"), bit_depth=8)
    assert raw(tmp_path / "alpha.png").dtype == np.uint8
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert actions.export_layers_to(str(tmp_path / "layers"))
    assert len(list((tmp_path / "layers").iterdir())) == len(window.layers)
    # Each kind of export remembers its own folder (app.gui.file_dialogs.FOLDER_KEYS).
    assert Settings().get("folders/last_export") == str(tmp_path)
    assert Settings().get("folders/last_export_layers") == str(tmp_path / "layers")
