from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.cli.cli import main
from classic.imageio import write_image

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def test_screenshot_of_a_composite(qtbot: QtBot, photos: SyntheticPhotos, tmp_path: Path) -> None:
    output = tmp_path / "window.png"
    status = main(["--screenshot", str(output), photos.foreground_path, photos.background_path])
    assert status == 0
    image = QImage(str(output))
    assert not image.isNull() and image.width() >= 400 and image.height() >= 300


def test_screenshot_of_a_foreground_that_is_a_cut_out_already(
    qtbot: QtBot, photos: SyntheticPhotos, tmp_path: Path
) -> None:
    cut_out = tmp_path / "cut-out.png"
    alpha = (photos.foreground[..., 0] > 0.8).astype(np.float32)
    write_image(cut_out, np.dstack([photos.foreground, alpha]))
    output = tmp_path / "window.png"  # opening it starts a job of its own before Composite
    assert main(["--screenshot", str(output), str(cut_out), photos.background_path]) == 0
    assert not QImage(str(output)).isNull()


def test_screenshot_needs_both_photos(photos: SyntheticPhotos, tmp_path: Path) -> None:
    assert main(["--screenshot", str(tmp_path / "window.png"), photos.foreground_path]) == 2
