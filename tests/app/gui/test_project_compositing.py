"""The compositing panel's settings are part of a project: saved, restored into the panel on open,
defaults for projects saved without them, and a clear error for unusable values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.model.compositing_settings import CompositingSettings
from app.project.session import MANIFEST, ProjectError, load_project, save_project
from tests.app.project.test_session import edited_document

CHOSEN = CompositingSettings(
    method="feather", edge_shift=-1.5, feather_radius=4.0, smoothing=0.5, decontamination=0.3
)


def _fields(window: MainWindow) -> CompositingSettings:
    settings = window.editor.compositing_panel.settings()
    return CompositingSettings(
        settings.method,
        settings.edge_shift,
        settings.feather_radius,
        settings.smoothing,
        settings.decontamination,
    )


def test_the_panel_settings_survive_save_and_open(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.editor.compositing_panel.set_settings(CHOSEN)
    assert window.project.modified  # a settings change is a change to the project
    state = window.project._snapshot()
    folder = save_project(state, tmp_path / "p")
    assert load_project(folder).compositing == CHOSEN
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    fresh.project._opened(None, load_project(folder))
    assert _fields(fresh) == CHOSEN


def test_an_old_project_opens_with_default_settings(qtbot: QtBot, tmp_path: Path) -> None:
    from app.project.session import snapshot

    folder = Path(save_project(snapshot(edited_document()), tmp_path / "old"))
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest.pop("compositing")
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert load_project(folder).compositing is None
    window = MainWindow()
    qtbot.addWidget(window)
    window.editor.compositing_panel.set_settings(CHOSEN)
    window.project._opened(None, load_project(folder))
    assert _fields(window) == CompositingSettings()


@pytest.mark.parametrize("bad", [{"method": "glue"}, {"decontamination": 2.0}, {"sharpness": 1.0}, [1, 2]])
def test_unusable_settings_give_one_clear_error(tmp_path: Path, bad: object) -> None:
    from app.project.session import snapshot

    folder = Path(save_project(snapshot(edited_document()), tmp_path / "bad"))
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["compositing"] = bad
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ProjectError, match="compositing settings"):
        load_project(folder)
