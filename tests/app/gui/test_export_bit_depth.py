"""The GUI's exports have the source photo's bit depth unless asked (issue 12, defect 9)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from classic.pipeline import Cutout
from tests.test_export_rule import disc


@pytest.mark.parametrize("source_depth", [8, 16])
def test_the_gui_exports_the_cut_out_at_the_foregrounds_bit_depth(
    qtbot: QtBot, tmp_path: Path, source_depth: int
) -> None:
    """A GUI cut-out of an 8-bit photo was written as a 16-bit PNG."""
    window = MainWindow()
    qtbot.addWidget(window)
    photo = disc()
    window.document.set_foreground(photo, bit_depth=source_depth)
    alpha = (photo[..., 0] > 0.5).astype(np.float32)
    window.document.set_cutout(Cutout(alpha, alpha, alpha, photo))
    actions, want = window.project_actions, np.uint8 if source_depth == 8 else np.uint16
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert actions.export_cutout_to(str(tmp_path / "cut.png"))
    assert cv2.imread(str(tmp_path / "cut.png"), cv2.IMREAD_UNCHANGED).dtype == want
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert actions.export_alpha_to(str(tmp_path / "alpha.png"))
    assert cv2.imread(str(tmp_path / "alpha.png"), cv2.IMREAD_UNCHANGED).dtype == want
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert actions.export_layers_to(str(tmp_path / "layers"))
    assert cv2.imread(str(tmp_path / "layers" / "alpha.png"), cv2.IMREAD_UNCHANGED).dtype == want
