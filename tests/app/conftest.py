"""Fixtures for the GUI tests: an offscreen Qt platform, a job runner and small synthetic photos."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui.jobs import JobRunner
from app.model.document import Document
from classic.imageio import write_image
from classic.pipeline import Cutout

# Read when pytest-qt creates the QApplication, which happens after this module is imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FOREGROUND_SIZE = (90, 120)  # (height, width)
BACKGROUND_SIZE = (100, 140)
SUBJECT_RGB = (0.85, 0.15, 0.1)
PLAIN_RGB = (0.75, 0.8, 0.75)


def disc_photo(height: int, width: int, *, radius: float | None = None) -> np.ndarray:
    """A red disc on a plain pale green-grey ground, float32 (H, W, 3)."""
    rows, cols = np.mgrid[0:height, 0:width]
    radius = radius if radius is not None else 0.3 * min(height, width)
    inside = (rows - height / 2) ** 2 + (cols - width / 2) ** 2 <= radius**2
    image = np.empty((height, width, 3), np.float32)
    image[:] = PLAIN_RGB
    image[inside] = SUBJECT_RGB
    return image


def gradient_photo(height: int, width: int) -> np.ndarray:
    """A blue-to-cyan gradient with no red in it, float32 (H, W, 3)."""
    ramp = np.linspace(0.2, 0.9, width, dtype=np.float32)
    image = np.empty((height, width, 3), np.float32)
    image[..., 0] = 0.05
    image[..., 1] = ramp[None, :]
    image[..., 2] = 0.9
    return image


@dataclass(frozen=True)
class SyntheticPhotos:
    """A foreground (red disc, 120x90) and a background (gradient, 140x100), as arrays and PNG files."""

    foreground: np.ndarray
    background: np.ndarray
    foreground_path: str
    background_path: str
    subject_rgb: tuple[float, float, float] = SUBJECT_RGB

    def open_in(self, document: Document) -> None:
        """Both photos in ``document``, with the red disc cut out: mask, trimap and alpha are the red
        pixels (separate arrays), the foreground colours the photo's."""
        document.set_foreground(self.foreground)
        document.set_background(self.background)
        red = (self.foreground[..., 0] > 0.8).astype(np.float32)
        document.set_cutout(Cutout(red, red.copy(), red.copy(), self.foreground.copy()))


@pytest.fixture
def photos(tmp_path: Path) -> SyntheticPhotos:
    foreground, background = disc_photo(*FOREGROUND_SIZE), gradient_photo(*BACKGROUND_SIZE)
    foreground_path, background_path = tmp_path / "disc.png", tmp_path / "sky.png"
    write_image(foreground_path, foreground)
    write_image(background_path, background)
    return SyntheticPhotos(foreground, background, str(foreground_path), str(background_path))


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[JobRunner]:
    job_runner = JobRunner()
    yield job_runner
    job_runner.shutdown()


@pytest.fixture(autouse=True)
def isolated_settings_and_recovery(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Settings and the recovery file in a temporary folder; no modal question blocks a closing window."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    import app.gui.export_dialog as export_dialog
    import app.gui.project_controller as project_controller

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv(project_controller.RECOVERY_ENV, str(folder / "recovery"))
    monkeypatch.setattr(project_controller, "_ask_close", lambda parent: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(project_controller, "_ask_recover", lambda parent: False)
    monkeypatch.setattr(project_controller, "_ask_save_path", lambda parent, hint: "")
    # Export Composite's options dialog accepts what it proposes (tests that choose replace it).
    monkeypatch.setattr(export_dialog, "_ask_options", lambda parent, proposal, **_kwargs: proposal)
    return folder
