"""Every file dialog opens in the folder it was last used in, one folder per kind of file; the photo
dialog previews the file under the cursor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

import app.gui.file_dialogs as file_dialogs
from app.gui.file_dialogs import PREVIEW_SIZE, PhotoFileDialog, fitted
from app.gui.main_window import MainWindow
from classic.imageio import write_image

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    main_window = MainWindow()
    main_window.show_error = lambda message: None  # type: ignore[method-assign]
    qtbot.addWidget(main_window)
    return main_window


def test_each_dialog_remembers_its_own_folder(
    qtbot: QtBot,
    window: MainWindow,
    photos: SyntheticPhotos,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: dict[str, list[str]] = {"photo": [], "project": [], "export": [], "layers": []}

    def ask_photo(_parent: object, _title: str, folder: str) -> str:
        started["photo"].append(folder)
        return photos.foreground_path

    monkeypatch.setattr(file_dialogs, "ask_photo_path", ask_photo)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.open_foreground.trigger()
    # The document's photos now come from elsewhere; the dialog still opens where the user last was.
    window.document.set_foreground(photos.foreground, path=str(tmp_path / "elsewhere" / "disc.png"))
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.open_background.trigger()
    photo_folder = str(Path(photos.foreground_path).parent)
    assert started["photo"] == ["", photo_folder]  # First the photos' folder (none yet), then its own.

    projects, layers = tmp_path / "projects", tmp_path / "layers"
    projects.mkdir()

    def open_project(_parent: object, _title: str, folder: str, _filter: str) -> tuple[str, str]:
        started["project"].append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_project)
    window.project_actions.open_project.trigger()
    assert window.project.save(str(projects / "p.zip"))
    window.project_actions.open_project.trigger()
    elsewhere = str(tmp_path / "elsewhere")
    assert started["project"] == [elsewhere, str(projects)]

    def layers_folder(_parent: object, _title: str, folder: str) -> str:
        started["layers"].append(folder)
        return str(layers)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", layers_folder)
    for _ in range(2):
        with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
            window.project_actions.export_layers.trigger()
    assert started["layers"] == [elsewhere, str(layers)]
    assert window.settings.get("folders/last_export") == ""  # Layers keep their own folder.
    assert window.settings.get("folders/last_open_photo") == photo_folder
    assert window.settings.get("folders/last_open") == str(projects)


def test_the_photo_dialog_previews_the_file_under_the_cursor(qtbot: QtBot, tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    write_image(wide, np.full((50, 600, 3), 0.5, np.float32))
    (tmp_path / "notes.txt").write_text("not a photo")
    dialog = PhotoFileDialog(None, "Open Foreground", str(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    assert dialog.preview.parent() is dialog
    assert dialog.show_preview(str(wide))
    assert (dialog.preview.pixmap().width(), dialog.preview.pixmap().height()) == (PREVIEW_SIZE, 20)
    assert not dialog.show_preview(str(tmp_path / "notes.txt")) and dialog.preview.text() == "No preview"
    with qtbot.waitSignal(dialog.currentChanged, timeout=5_000):
        dialog.currentChanged.emit(str(wide))
    qtbot.waitUntil(lambda: not dialog.preview.pixmap().isNull(), timeout=5_000)


def test_previews_fit_their_box_without_growing() -> None:
    assert fitted(4000, 3000, 240) == (240, 180)
    assert fitted(100, 50, 240) == (100, 50)
    assert fitted(1, 10_000, 240) == (1, 240)
