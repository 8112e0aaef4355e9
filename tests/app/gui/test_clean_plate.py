"""Clean plates in the window: File ▸ Add Clean Plate… gives the foreground a plate, the automatic cut-out
then matts against it on the worker thread (an untrained, tiny plate-matting network here), a plate that
does not match is refused with its reason, a new foreground drops the plate, and projects keep it.

The ``window`` fixture comes from ``test_main_window`` (ruff's F811 takes each use for a redefinition).
"""

# ruff: noqa: F811

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.gui import file_dialogs
from app.gui.main_window import MainWindow
from classic.imageio import write_image
from engine.checkpoint import save_checkpoint
from engine.pipeline import PLATE_DESCRIPTION, Pipeline
from engine.registry import create_model
from tests.app.conftest import FOREGROUND_SIZE, SUBJECT_RGB
from tests.app.gui.test_main_window import JOB_TIMEOUT_MS, window  # noqa: F401

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

TINY = {"context_widths": [8, 8, 8], "decoder_widths": [8, 8, 8, 8, 8]}


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained plate-matting network with narrow context blocks and decoder, saved once."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("plate") / "plate-matting.pt"
    model = create_model("plate-matting", **TINY)
    save_checkpoint(path, model, name="plate-matting", trained_on="nothing: untrained", metrics={})
    return path


@pytest.fixture
def plate_matting(no_installed_weights: Path, tiny_checkpoint: Path) -> Path:
    """The tiny plate-matting network installed; the other kinds stay absent."""
    path = no_installed_weights / "plate-matting.pt"
    path.symlink_to(tiny_checkpoint)
    return path


@pytest.fixture
def scene(tmp_path: Path) -> tuple[str, str]:
    """(photo, plate) PNG paths: a textured scene (the alignment needs texture to lock on) with the red
    disc in the photo only, as from a tripod."""
    height, width = FOREGROUND_SIZE
    rng = np.random.default_rng(0)
    plate = np.full((height, width, 3), 0.5, np.float32)
    for sigma, amount in ((height / 8, 0.1), (height / 30, 0.06), (1.5, 0.03)):
        noise = cv2.GaussianBlur(rng.normal(0.0, 1.0, (height, width, 3)).astype(np.float32), (0, 0), sigma)
        plate += amount * noise / noise.std()
    plate = np.clip(plate, 0.05, 0.95)
    rows, cols = np.mgrid[0:height, 0:width]
    photo = plate.copy()
    photo[(rows - height / 2) ** 2 + (cols - width / 2) ** 2 <= (0.3 * height) ** 2] = SUBJECT_RGB
    paths = tmp_path / "scene.png", tmp_path / "empty scene.png"
    for path, image in zip(paths, (photo, plate), strict=True):
        write_image(path, image, bit_depth=16)
    return str(paths[0]), str(paths[1])


def open_with_plate(
    qtbot: QtBot, window: MainWindow, photo: str, plate: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Open ``photo`` as the foreground, then ``plate`` through File ▸ Add Clean Plate… and its dialog."""
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.load_foreground(photo)
    monkeypatch.setattr(file_dialogs, "ask_photo_path", lambda _parent, _title, _folder: plate)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.clean_plate.add.trigger()


def test_adding_a_plate_updates_the_document_and_enables_the_plate_cut_out(
    qtbot: QtBot,
    plate_matting: Path,  # Installed before the window looks.
    window: MainWindow,
    scene: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    texts = [action.text() for action in file_menu.actions()]
    after = texts.index("Open &Background…")
    assert texts[after + 1 : after + 5] == ["Open &Recent", "Add C&lean Plate…", "Remove Clea&n Plate", ""]
    assert not window.clean_plate.add.isEnabled()  # No foreground for it to belong to yet.

    open_with_plate(qtbot, window, *scene, monkeypatch)
    plate = window.document.clean_plate
    assert plate is not None and plate.shape == (*FOREGROUND_SIZE, 3)
    assert window.layers.names() == ["foreground", "clean plate"]
    assert window.document.photo_source("clean plate") == ("empty scene.png", scene[1])
    assert window.document.plate_bit_depth == 16
    assert window.clean_plate.uses_plate() and window.clean_plate.remove.isEnabled()
    assert "clean plate" in window.menu_actions.cutout.toolTip()
    assert window.canvas.image_size == (120, 90)
    assert window.project.modified
    assert window.errors == []  # type: ignore[attr-defined]

    window.clean_plate.remove.trigger()
    assert window.document.clean_plate is None and not window.clean_plate.uses_plate()
    assert not window.clean_plate.remove.isEnabled()


def test_without_the_network_adding_is_disabled_and_a_plate_goes_unused(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos
) -> None:
    window.document.set_foreground(photos.foreground)
    assert not window.clean_plate.add.isEnabled()
    assert "not installed" in window.clean_plate.add.toolTip()
    window.document.set_clean_plate(photos.foreground)  # As a project saved elsewhere brings it.
    assert not window.clean_plate.uses_plate()
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_cutout()
    message = window.statusBar().currentMessage()
    assert message.startswith("Cut out with the saliency-seeded GrabCut")
    assert message.endswith("(the clean plate is unused: the clean-plate matting network is not installed)")


def test_the_cut_out_with_a_plate_runs_the_network_on_the_worker(
    qtbot: QtBot,
    plate_matting: Path,  # Installed before the window looks.
    window: MainWindow,
    scene: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_with_plate(qtbot, window, *scene, monkeypatch)
    threads: list[threading.Thread] = []
    real = Pipeline.cut_out_with_plate

    def spy(self: Pipeline, *args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread())
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Pipeline, "cut_out_with_plate", spy)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_cutout()
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    cutout = window.document.cutout
    assert cutout is not None and cutout.method == PLATE_DESCRIPTION
    for name in ("segmentation mask", "trimap", "alpha"):
        layer = window.layers.get(name)
        assert layer is not None and layer.shape == FOREGROUND_SIZE, name
    assert window.statusBar().currentMessage() == f"Cut out with {PLATE_DESCRIPTION}"
    assert window.errors == []  # type: ignore[attr-defined]


def test_a_mismatched_plate_shows_why_and_leaves_the_cut_out(
    qtbot: QtBot,
    plate_matting: Path,  # Installed before the window looks.
    window: MainWindow,
    photos: SyntheticPhotos,
    scene: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_with_plate(qtbot, window, scene[0], photos.background_path, monkeypatch)  # 140x100 for 120x90
    assert window.errors == [  # type: ignore[attr-defined]
        f"{Path(photos.background_path).name} cannot be this photo's clean plate: the clean plate is "
        "140x100 but the photo is 120x90: the plate must be a shot of the same framing, with the same "
        "aspect ratio"
    ]
    assert window.document.clean_plate is None
    window.errors.clear()  # type: ignore[attr-defined]
    # A plate of the right shape but another scene is refused by the alignment, at the cut-out.
    photos.open_in(window.document)  # Another foreground with a cut-out of its own…
    other = np.random.default_rng(1).random((*FOREGROUND_SIZE, 3)).astype(np.float32)
    window.document.set_clean_plate(other)  # …and a plate of noise.
    cutout, alpha = window.document.cutout, window.layers.get("alpha")
    with qtbot.waitSignal(window.jobs.failed, timeout=JOB_TIMEOUT_MS):
        assert window.run_cutout()
    assert len(window.errors) == 1  # type: ignore[attr-defined]
    assert window.errors[0].startswith("Cutting out with the clean plate failed: ")  # type: ignore[attr-defined]
    assert window.document.cutout is cutout and window.layers.get("alpha") is alpha
    assert window.clean_plate.add.isEnabled()  # Nothing waits on the failed job.


def test_opening_a_new_foreground_drops_the_plate(
    qtbot: QtBot,
    plate_matting: Path,  # Installed before the window looks.
    window: MainWindow,
    photos: SyntheticPhotos,
    scene: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_with_plate(qtbot, window, *scene, monkeypatch)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.load_foreground(photos.foreground_path)  # Unsaved: the fixture answers Discard.
    assert window.document.clean_plate is None and window.layers.names() == ["foreground"]
    assert not window.clean_plate.uses_plate() and not window.clean_plate.remove.isEnabled()


def test_a_project_keeps_the_plate(
    qtbot: QtBot,
    plate_matting: Path,  # Installed before the window looks.
    window: MainWindow,
    scene: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_with_plate(qtbot, window, *scene, monkeypatch)
    window.layers.set_visible("foreground", False)  # Viewing the plate.
    assert window.project.save(str(tmp_path / "plate.zip"))
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    with qtbot.waitSignal(fresh.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert fresh.project.open(str(tmp_path / "plate.zip"))
    plate, kept = window.document.clean_plate, fresh.document.clean_plate
    assert plate is not None and kept is not None
    np.testing.assert_array_equal(kept, plate)  # Read from a 16-bit PNG, saved as one.
    assert fresh.layers.names() == ["foreground", "clean plate"]
    assert fresh.layers.top_visible() is fresh.layers.layer("clean plate")
    assert fresh.document.photo_source("clean plate") == ("empty scene.png", scene[1])
    assert fresh.document.plate_bit_depth == 16 and fresh.clean_plate.uses_plate()
