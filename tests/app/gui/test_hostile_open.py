"""The window's open and drop paths refuse what the command line refuses, in the same sentence; the
largest image to open is a preference; projects are opened through the same limits.

The ``window`` fixture comes from ``test_main_window`` (ruff's F811 takes each use for a redefinition).
"""

# ruff: noqa: F811

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.cli.cli import main as cli_main
from app.gui.main_window import MainWindow
from app.project.session import save_project, snapshot
from tests import faults
from tests.app.gui.test_main_window import JOB_TIMEOUT_MS, drop_files, window  # noqa: F401
from tests.app.project.test_session import edited_document, layer_file


def _cli_sentence(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli_main(["segment", str(path), "-o", str(tmp_path / "mask.png")]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: ")
    return line.removeprefix("error: ")


def _dropped_error(qtbot: QtBot, shown: MainWindow, path: Path) -> str:
    with qtbot.waitSignal(shown.jobs.failed, timeout=JOB_TIMEOUT_MS):
        assert drop_files(shown, [str(path)])
    assert len(shown.errors) == 1  # type: ignore[attr-defined]
    return str(shown.errors[0])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "make",
    [
        lambda folder: faults.png_claiming(folder / "bomb.png", 20_000, 20_000),
        lambda folder: faults.jpeg_damaged(folder / "damaged.jpg"),
        lambda folder: faults.png_claiming(folder / "long.png", 1_000_000, 1),
    ],
    ids=["bomb", "damaged", "one-by-a-million"],
)
def test_a_dropped_file_is_refused_in_the_command_lines_words(
    make: object, qtbot: QtBot, window: MainWindow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    shown = _dropped_error(qtbot, window, path)
    assert shown.endswith(_cli_sentence(path, tmp_path, capsys)) and len(window.layers) == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_dropped_fifo_is_refused_at_once(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert "not a regular file" in _dropped_error(qtbot, window, fifo)


def test_the_largest_image_to_open_is_a_preference(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.zeros((1000, 1200, 3), np.uint8))  # 1.2 MP
    window.settings.set("files/max_megapixels", 1.0)
    assert "more than the limit of 1 MP" in _dropped_error(qtbot, window, photo)
    window.errors.clear()  # type: ignore[attr-defined]
    window.settings.set("files/max_megapixels", 2.0)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert drop_files(window, [str(photo)])
    assert window.layers.get("foreground") is not None and window.errors == []  # type: ignore[attr-defined]


def test_a_project_is_opened_through_the_limits(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    folder = Path(save_project(snapshot(edited_document()), tmp_path / "p"))
    faults.png_claiming(layer_file(folder, "trimap.png"), 20_000, 20_000)
    with qtbot.waitSignal(window.jobs.failed, timeout=JOB_TIMEOUT_MS):
        assert window.project.open(str(folder))
    assert len(window.errors) == 1 and "20000 x 20000 pixels" in window.errors[0]  # type: ignore[attr-defined]
    assert len(window.layers) == 0
