"""Projects: exact round trips through folders and .zip archives, clear errors, autosave and recovery,
and the question asked when closing with unsaved changes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.model.document import Document
from app.project.session import (
    FORMAT_VERSION,
    MANIFEST,
    ProjectError,
    load_project,
    restore,
    save_project,
    snapshot,
)
from classic.imageio import write_image
from classic.pipeline import Cutout

SIZE = (20, 24)


def grid(values: np.ndarray) -> np.ndarray:
    """Values on the 16-bit grid, as a 16-bit brush or file gives them."""
    return (np.round(values * 65535.0) / 65535.0).astype(np.float32)


def edited_document() -> Document:
    rng = np.random.default_rng(5)
    document = Document()
    document.set_foreground(grid(rng.random((*SIZE, 3))), name="fg.png", path="/photos/fg.png", bit_depth=16)
    document.set_background(grid(rng.random((30, 32, 3))), name="bg.tif", path="/photos/bg.tif")
    mask = np.zeros(SIZE, np.float32)
    mask[5:15, 6:18] = 1.0
    trimap = np.full(SIZE, 0.5, np.float32)
    trimap[:3] = 0.0
    trimap[8:12, 8:14] = 1.0
    alpha = rng.random(SIZE).astype(np.float32)  # Off the 16-bit levels: saved exactly beside its PNG.
    document.set_cutout(Cutout(mask, trimap, alpha, grid(rng.random((*SIZE, 3)))))
    document.layers.set_image("refined mask", grid(rng.random(SIZE)))
    mask[0:2, 0:4] = 1.0  # A brush edit made after the cut-out, in place.
    document.layers.set_visible("trimap", False)
    return document


def assert_same(state_a: Document, state_b: Document) -> None:
    assert state_a.layers.names() == state_b.layers.names()
    for name in state_a.layers.names():
        layer_a, layer_b = state_a.layers.layer(name), state_b.layers.layer(name)
        assert layer_a is not None and layer_b is not None
        assert layer_b.image.dtype == np.float32
        np.testing.assert_array_equal(layer_a.image, layer_b.image, err_msg=name)
        assert layer_a.visible == layer_b.visible, name
    assert state_a.title() == state_b.title()
    assert state_a.background_bit_depth == state_b.background_bit_depth
    assert state_a.foreground_bit_depth == state_b.foreground_bit_depth == 16  # The cut-out's export depth.
    assert state_b.cutout is not None and state_a.cutout is not None
    np.testing.assert_array_equal(state_a.cutout.foreground, state_b.cutout.foreground)
    assert state_b.cutout.alpha is state_b.layers.get("alpha")


@pytest.mark.parametrize("name", ["project", "project.zip"])
def test_layers_round_trip_exactly(tmp_path: Path, name: str) -> None:
    document = edited_document()
    written = save_project(snapshot(document), tmp_path / name)
    assert Path(written).exists()
    opened = Document()
    restore(opened, load_project(written))
    assert_same(document, opened)
    assert opened.photo_source("foreground") == ("fg.png", "/photos/fg.png")


def test_a_brush_edit_survives_exactly_and_marks_the_project_modified(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    restore(window.document, snapshot(edited_document()))
    window.project.modified = False
    stroke = np.random.default_rng(9).random((4, 6)).astype(np.float32)  # Off the 16-bit grid.
    window.layers.set_region("alpha", (slice(2, 6), slice(3, 9)), stroke)
    assert window.project.modified and window.project.autosave_timer.isActive()
    assert window.isWindowModified() and "[*]" in window.windowTitle()
    save_project(snapshot(window.document), tmp_path / "p.zip")
    alpha = load_project(tmp_path / "p.zip").layers["alpha"]
    np.testing.assert_array_equal(alpha[2:6, 3:9], stroke)


def test_opening_replaces_everything(tmp_path: Path) -> None:
    only_background = Document()
    only_background.set_background(np.zeros((4, 5, 3), np.float32), name="plain")
    save_project(snapshot(only_background), tmp_path / "bg")
    document = edited_document()
    restore(document, load_project(tmp_path / "bg"))
    assert document.layers.names() == ["background"] and document.cutout is None
    assert document.title() == "plain"


def test_placement_round_trips(qtbot: QtBot, tmp_path: Path) -> None:
    from classic.placement import Placement

    state = snapshot(edited_document())
    state.placement = Placement(x=3.5, y=-2.0, scale=0.75, rotation=12.0, flip=True)
    assert load_project(save_project(state, tmp_path / "p.zip")).placement == state.placement
    window = MainWindow()
    qtbot.addWidget(window)
    window.project._opened(None, load_project(tmp_path / "p.zip"))
    assert window.editor.current_placement() == state.placement


def test_saving_again_replaces_the_project(tmp_path: Path) -> None:
    document = edited_document()
    save_project(snapshot(document), tmp_path / "p")
    document.layers.remove("refined mask")
    save_project(snapshot(document), tmp_path / "p")
    assert "refined mask" not in load_project(tmp_path / "p").layers


def layer_file(folder: Path, name: str) -> Path:
    """Where a folder project keeps a file (``layers-N/NAME``), as its manifest says."""
    manifest = json.loads((folder / MANIFEST).read_text())
    listed = [entry[key] for entry in manifest["layers"] for key in ("file", "exact") if entry[key]]
    found = [file for file in listed if Path(file).name == name]
    assert len(found) == 1, listed
    return folder / found[0]


def test_mattes_are_written_as_16_bit_grey_png(tmp_path: Path) -> None:
    import cv2

    save_project(snapshot(edited_document()), tmp_path / "p")
    alpha = cv2.imread(str(layer_file(tmp_path / "p", "alpha.png")), cv2.IMREAD_UNCHANGED)
    assert alpha.dtype == np.uint16 and alpha.shape == SIZE
    manifest = json.loads((tmp_path / "p" / MANIFEST).read_text())
    assert manifest["version"] == FORMAT_VERSION
    exact = {entry["name"]: entry["exact"] for entry in manifest["layers"]}
    # Binary masks and a 0 / 0.5 / 1 trimap fit 16-bit PNG; a free alpha needs its float32 copy.
    assert exact["segmentation mask"] is None and exact["trimap"] is None
    assert exact["alpha"] == "layers-1/alpha.npy"
    assert exact["foreground"] is None


def corrupt(tmp_path: Path, how: str) -> Path:
    folder = tmp_path / "p"
    save_project(snapshot(edited_document()), folder)
    manifest = folder / MANIFEST
    if how == "no manifest":
        manifest.unlink()
    elif how == "bad json":
        manifest.write_text("{not json")
    elif how == "future version":
        data = json.loads(manifest.read_text())
        data["version"] = FORMAT_VERSION + 1
        manifest.write_text(json.dumps(data))
    elif how == "broken layer":
        layer_file(folder, "alpha.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    elif how == "broken exact copy":
        layer_file(folder, "alpha.npy").write_bytes(b"not numpy")
    elif how == "bad placement":
        data = json.loads(manifest.read_text())
        data["placement"] = {"scale": -1.0}
        manifest.write_text(json.dumps(data))
    elif how == "path in manifest":
        data = json.loads(manifest.read_text())
        data["layers"][0]["file"] = "../outside.png"
        manifest.write_text(json.dumps(data))
    elif how == "missing layer":
        layer_file(folder, "trimap.png").unlink()
    elif how == "unknown layer":
        data = json.loads(manifest.read_text())
        data["layers"][0]["name"] = "shadow"
        manifest.write_text(json.dumps(data))
    elif how == "not a zip":
        target = tmp_path / "p.zip"
        target.write_bytes(b"PK not really")
        return target
    return folder


@pytest.mark.parametrize(
    "how",
    [
        "no manifest",
        "bad json",
        "future version",
        "broken layer",
        "missing layer",
        "broken exact copy",
        "bad placement",
        "path in manifest",
        "unknown layer",
        "not a zip",
    ],
)
def test_a_bad_project_gives_one_clear_error(tmp_path: Path, how: str) -> None:
    path = corrupt(tmp_path, how)
    with pytest.raises(ProjectError, match=str(path.name)):
        load_project(path)


def test_a_clean_plate_round_trips_and_older_projects_have_none(tmp_path: Path) -> None:
    document = edited_document()
    plate = grid(np.random.default_rng(7).random((40, 48, 3)))  # Its own size: aligned when used.
    document.set_clean_plate(plate, name="empty.jpg", path="/photos/empty.jpg", bit_depth=16)
    save_project(snapshot(document), tmp_path / "p")
    opened = Document()
    restore(opened, load_project(tmp_path / "p"))
    assert_same(document, opened)
    assert opened.clean_plate is not None and opened.plate_bit_depth == 16
    assert opened.photo_source("clean plate") == ("empty.jpg", "/photos/empty.jpg")

    # A plate of another framing (a project edited by hand, or saved before the check) is refused whole.
    other = tmp_path / "other"
    document.set_clean_plate(grid(np.random.default_rng(8).random((40, 48, 3))))
    save_project(snapshot(document), other)
    entries = json.loads((other / MANIFEST).read_text())["layers"]
    plate_file = other / next(entry["file"] for entry in entries if entry["name"] == "clean plate")
    write_image(plate_file, np.full((40, 80, 3), 0.5, np.float32))
    with pytest.raises(ProjectError, match="the clean plate is 80x40 but the photo is"):
        load_project(other)

    manifest = tmp_path / "p" / MANIFEST
    data = json.loads(manifest.read_text())
    without_foreground = dict(data, layers=[e for e in data["layers"] if e["name"] != "foreground"])
    manifest.write_text(json.dumps(without_foreground))
    with pytest.raises(ProjectError, match="the clean plate layer has no foreground photo"):
        load_project(tmp_path / "p")
    del data["plate_bit_depth"], data["photos"]["clean plate"]  # As saved before clean plates.
    data["layers"] = [entry for entry in data["layers"] if entry["name"] != "clean plate"]
    manifest.write_text(json.dumps(data))
    restore(opened, load_project(tmp_path / "p"))
    assert opened.clean_plate is None and opened.plate_bit_depth == 8
    assert opened.photo_source("clean plate") == (None, None)


def test_a_zip_with_paths_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "evil.zip"
    with zipfile.ZipFile(target, "w") as bundle:
        bundle.writestr("../project.json", "{}")
    with pytest.raises(ProjectError, match="unexpected entry"):
        load_project(target)


def test_save_and_open_from_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    document = edited_document()
    restore(window.document, snapshot(document))
    assert window.project.modified
    assert window.project.save(str(tmp_path / "w.zip"))
    assert not window.project.modified
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    fresh.undo_stack.push(QUndoCommand("an edit of the old document"))
    with qtbot.waitSignal(fresh.jobs.finished, timeout=30_000):
        assert fresh.project.open(str(tmp_path / "w.zip"))
    assert_same(document, fresh.document)
    assert not fresh.project.modified and fresh.project.path == str(tmp_path / "w.zip")
    assert fresh.undo_stack.count() == 0


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


def test_autosave_then_a_restart_offers_recovery(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.project.autosave_timer.setInterval(10)
    recovery = window.project.recovery_path
    assert not recovery.exists()
    document = edited_document()
    restore(window.document, snapshot(document))
    qtbot.waitUntil(recovery.exists, timeout=5_000)
    # A crash: the window's process is gone (its lock names a process that has ended). The next start
    # finds the file and asks.
    recovery.with_suffix(".lock").write_text(f"{_dead_pid()}\n")
    asked: list[QWidget] = []
    restarted = MainWindow()
    qtbot.addWidget(restarted)
    restarted.project.ask_recover = lambda parent: asked.append(parent) is None
    assert restarted.project.offer_recovery()
    assert asked == [restarted]
    assert_same(document, restarted.document)
    assert restarted.project.modified  # Recovered work is not saved anywhere yet.
    assert restarted.project.recovery_path == recovery  # It autosaves there from now on.
    restarted.project.modified = False
    restarted.close()  # A clean close removes the recovery file.
    assert not recovery.exists()


def test_no_recovery_offered_without_a_file(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.project.ask_recover = lambda parent: pytest.fail("asked without a recovery file")
    assert not window.project.offer_recovery()


def test_close_with_unsaved_changes_asks(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    restore(window.document, snapshot(edited_document()))
    answers = [QMessageBox.StandardButton.Cancel]
    window.project.ask_close = lambda parent: answers.pop(0)
    assert not window.close()
    assert window.isVisible() and not answers
    answers.append(QMessageBox.StandardButton.Discard)
    assert window.close()
    assert not window.isVisible()


def test_close_choosing_save_saves(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    restore(window.document, snapshot(edited_document()))
    window.project.ask_close = lambda parent: QMessageBox.StandardButton.Save
    window.project.ask_save_path = lambda parent, hint: str(tmp_path / "closing.zip")
    assert window.close()
    assert load_project(tmp_path / "closing.zip").layers.keys() == snapshot(window.document).layers.keys()


def test_saving_removes_the_recovery_file(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    restore(window.document, snapshot(edited_document()))
    with qtbot.waitSignal(window.project.autosaved, timeout=10_000):  # Written on the autosave job.
        assert window.project.autosave()
    assert window.project.recovery_path.exists()
    assert window.project.save(str(tmp_path / "saved"))
    assert not window.project.recovery_path.exists()
    assert not window.project.modified and window.project.confirm_discard()


def test_unchanged_document_is_not_autosaved(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.project.autosave()
    assert not window.project.autosaving and not window.project.recovery_path.exists()


def test_file_menu_has_the_project_entries(qtbot: QtBot) -> None:
    from PySide6.QtGui import QKeySequence

    window = MainWindow()
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions()]  # type: ignore[union-attr]
    assert texts[:3] == ["Open &Project…", "&Save Project", "Save Project &As…"]
    actions = window.project_actions
    assert actions.save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert actions.open_project.shortcut() == QKeySequence("Ctrl+O")
    assert window.menu_actions.open_foreground.shortcut() != actions.open_project.shortcut()


def _drop(window: MainWindow, paths: list[str]) -> bool:
    """Drag ``paths`` over the window and drop them; returns whether the drag was accepted."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path) for path in paths])
    position, copy = QPointF(window.canvas.geometry().center()), Qt.DropAction.CopyAction
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(position, copy, mime, left, none)
    QApplication.sendEvent(window, enter)
    QApplication.sendEvent(window, QDropEvent(position, copy, mime, left, none))
    return enter.isAccepted()


def test_project_location_of_dropped_files(tmp_path: Path) -> None:
    from app.project.session import project_location

    folder = Path(save_project(snapshot(edited_document()), tmp_path / "folder project"))
    archive = Path(save_project(snapshot(edited_document()), tmp_path / "p.zip"))
    assert project_location(folder) == folder
    assert project_location(folder / MANIFEST) == folder
    assert project_location(archive) == archive
    assert project_location(folder / "alpha.png") is None
    assert project_location(tmp_path) is None  # A folder without a project.json
    assert project_location(tmp_path / "missing.zip") is None


@pytest.mark.parametrize("kind", ["zip", "folder", "manifest"])
def test_dropping_a_project_opens_it(qtbot: QtBot, tmp_path: Path, kind: str) -> None:
    document = edited_document()
    saved = Path(save_project(snapshot(document), tmp_path / ("p.zip" if kind == "zip" else "p")))
    dropped = saved / MANIFEST if kind == "manifest" else saved
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert _drop(window, [str(dropped)])
    assert_same(document, window.document)
    assert window.project.path == str(saved) and not window.project.modified


def test_dropping_a_project_asks_about_unsaved_changes(qtbot: QtBot, tmp_path: Path) -> None:
    saved = save_project(snapshot(edited_document()), tmp_path / "p.zip")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.document.set_background(np.zeros((8, 8, 3), np.float32))
    asked: list[QWidget] = []

    def cancel(parent: QWidget) -> QMessageBox.StandardButton:
        asked.append(parent)
        return QMessageBox.StandardButton.Cancel

    window.project.ask_close = cancel
    assert _drop(window, [saved])
    qtbot.waitUntil(lambda: asked == [window], timeout=5_000)
    assert not window.jobs.is_busy and window.layers.names() == ["background"]
    window.project.ask_close = lambda parent: QMessageBox.StandardButton.Discard  # Let the window close.


def test_a_placement_change_marks_the_project_modified_and_autosaves(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.project.save(str(tmp_path / "p.zip"))  # Nothing is unsaved now.
    restore(window.document, snapshot(edited_document()))
    assert window.project.save(str(tmp_path / "p.zip"))
    assert not window.project.modified and not window.isWindowModified()
    window.project.autosave_timer.setInterval(10)
    window.editor.placement_panel.x_field.setValue(7.0)  # Only the placement changes.
    assert window.project.modified and window.isWindowModified()
    recovery = window.project.recovery_path
    qtbot.waitUntil(recovery.exists, timeout=5_000)
    assert load_project(recovery).placement == window.editor.current_placement()
    recovered = load_project(recovery).placement
    assert recovered is not None and recovered.x == 7.0
