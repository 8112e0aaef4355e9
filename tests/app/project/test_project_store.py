"""Saving never destroys what the project did not write; interrupted saves leave a whole project; opening
reads nothing from outside the project and nothing beyond the limits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from app.project import session
from app.project.session import MANIFEST, ProjectError, load_project, save_project, snapshot
from classic.image_source import ImageLimits
from tests import faults
from tests.app.project.test_session import edited_document, layer_file


def _user_files(folder: Path) -> dict[str, bytes]:
    (folder / "notes").mkdir(parents=True)
    files = {"holiday_original.jpg": b"\xff\xd8 a photo", "notes/todo.txt": b"buy film"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def _contents(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_saving_into_a_folder_keeps_the_users_files(tmp_path: Path) -> None:
    folder = tmp_path / "holiday"
    user = _user_files(folder)
    document = edited_document()
    save_project(snapshot(document), folder)
    document.layers.remove("refined mask")
    save_project(snapshot(document), folder)  # again: the first save's files are replaced
    for name, data in user.items():
        assert (folder / name).read_bytes() == data
    owned = _contents(folder) - set(user)
    assert owned == {MANIFEST} | {f"layers-2/{Path(f).name}" for f in owned if f.startswith("layers-2/")}
    assert not (folder / "layers-1").exists()
    assert "refined mask" not in load_project(folder).layers


def test_a_version_1_folder_is_read_and_its_flat_files_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    save_project(snapshot(edited_document()), folder)
    for file in (folder / "layers-1").iterdir():  # as version 1 kept them: beside project.json
        file.rename(folder / file.name)
    (folder / "layers-1").rmdir()
    text = (folder / MANIFEST).read_text().replace('"layers-1/', '"').replace('"version": 2', '"version": 1')
    (folder / MANIFEST).write_text(text)
    user = _user_files(folder)
    assert "alpha" in load_project(folder).layers
    save_project(snapshot(edited_document()), folder)
    assert _contents(folder) - set(user) - {MANIFEST} == {
        f"layers-1/{n}" for n in os.listdir(folder / "layers-1")
    }


def test_a_save_that_fails_half_way_leaves_the_old_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "p"
    save_project(snapshot(edited_document()), folder)
    before = {name: (folder / name).read_bytes() for name in _contents(folder)}
    written: list[str] = []
    real = session.write_image

    def fail_on_the_third(path: Path, *args: object, **kwargs: object) -> None:
        written.append(str(path))
        if len(written) == 3:
            raise KeyboardInterrupt  # a Ctrl+C in the middle of the save
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session, "write_image", fail_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        save_project(snapshot(edited_document()), folder)
    assert {name: (folder / name).read_bytes() for name in _contents(folder)} == before
    assert sorted(os.listdir(folder)) == ["layers-1", MANIFEST]


def test_a_killed_save_leaves_the_old_project_and_the_next_save_cleans_up(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    save_project(snapshot(edited_document()), folder)
    (folder / "layers-7").mkdir()  # as a save killed before its manifest was renamed leaves it
    shutil.copy(layer_file(folder, "alpha.png"), folder / "layers-7" / "alpha.png")
    (folder / "layers-5").mkdir()  # someone else's folder that happens to have such a name
    (folder / "layers-5" / "mine.txt").write_text("keep me")
    assert "alpha" in load_project(folder).layers
    save_project(snapshot(edited_document()), folder)
    assert sorted(os.listdir(folder)) == ["layers-5", "layers-8", MANIFEST]
    assert (folder / "layers-5" / "mine.txt").read_text() == "keep me"


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(os.name == "nt", reason="process ids are not checked on Windows")
def test_a_killed_zip_save_leaves_nothing_after_the_next_save(tmp_path: Path) -> None:
    target = tmp_path / "p.zip"
    dead = _dead_pid()
    stale = tmp_path / f".p.zip.{dead}.abc.saving"
    (stale / "project").mkdir(parents=True)
    (stale / "project" / "alpha.png").write_bytes(b"half a layer")
    (tmp_path / f".p.zip.{dead}.def.part").write_bytes(b"half an archive")
    save_project(snapshot(edited_document()), target)
    assert os.listdir(tmp_path) == ["p.zip"]


def test_a_folder_holding_another_programs_manifest_is_not_saved_into(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / MANIFEST).write_text('{"name": "some web app"}')
    with pytest.raises(ProjectError, match="cannot read, so saving here could lose"):
        save_project(snapshot(edited_document()), folder)
    assert os.listdir(folder) == [MANIFEST]


def test_a_file_is_not_a_project_folder(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"photo")
    with pytest.raises(ProjectError, match="is a file"):
        save_project(snapshot(edited_document()), tmp_path / "photo.jpg")
    assert (tmp_path / "photo.jpg").read_bytes() == b"photo"


# --- opening damaged projects ------------------------------------------------------------------------


def _saved(tmp_path: Path) -> Path:
    return Path(save_project(snapshot(edited_document()), tmp_path / "p"))


def _edit_manifest(folder: Path, change: object) -> None:
    data = json.loads((folder / MANIFEST).read_text())
    change(data)  # type: ignore[operator]
    (folder / MANIFEST).write_text(json.dumps(data))


MANIFEST_DAMAGE = {
    "photo entry of the wrong type": (lambda d: d["photos"].update(foreground=[1, 2]), "photos"),
    "layer entry of the wrong type": (lambda d: d["layers"].append("alpha"), "layer entry"),
    "repeated layer": (lambda d: d["layers"].append(dict(d["layers"][-1])), "repeated layer"),
    "visibility of the wrong type": (lambda d: d["layers"][0].update(visible="yes"), "visibility"),
    "colours read from a device": (lambda d: d.update(foreground_colours="/dev/zero"), "outside the project"),
    "colours read from outside": (lambda d: d.update(foreground_colours="../x.png"), "outside the project"),
    "layer from a deep path": (
        lambda d: d["layers"][0].update(file="layers-1/a/b.png"),
        "outside the project",
    ),
    "placement too large for a float": (lambda d: d.update(placement={"x": 10**400}), "placement"),
    "placement of the wrong type": (lambda d: d.update(placement={"scale": "big"}), "placement"),
    "placement far away": (lambda d: d.update(placement={"x": 1e300}), "placement"),
    "smoothing beyond the panel": (lambda d: d.update(compositing={"smoothing": 1e308}), "compositing"),
    "bit depth of the wrong type": (lambda d: d.update(background_bit_depth="16"), "bit"),
    "foreground bit depth out of range": (lambda d: d.update(foreground_bit_depth=12), "foreground_bit"),
}


def test_a_project_saved_before_the_foreground_bit_depth_opens_as_8_bit(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    _edit_manifest(folder, lambda d: d.pop("foreground_bit_depth"))
    assert load_project(folder).foreground_bit_depth == 8


@pytest.mark.parametrize("case", sorted(MANIFEST_DAMAGE))
def test_a_damaged_manifest_is_one_refusal(case: str, tmp_path: Path) -> None:
    change, words = MANIFEST_DAMAGE[case]
    folder = _saved(tmp_path)
    _edit_manifest(folder, change)
    with pytest.raises(ProjectError, match=words):
        load_project(folder)


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"format": "compositor-project", "version": ' + "9" * 5000 + "}"],
    ids=["deeply nested", "integer too long"],
)
def test_a_manifest_the_parser_chokes_on_is_one_refusal(text: str, tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    (folder / MANIFEST).write_text(text)
    with pytest.raises(ProjectError, match=r"damaged|does not describe|version"):
        load_project(folder)


def test_a_huge_manifest_is_not_read(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    (folder / MANIFEST).write_text(" " * (2 << 20))
    with pytest.raises(ProjectError, match="larger than"):
        load_project(folder)


def test_a_layer_that_is_a_bomb_goes_through_the_limits(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    faults.png_claiming(layer_file(folder, "trimap.png"), 20_000, 20_000)
    with pytest.raises(ProjectError, match=r"trimap layer cannot be read .*20000 x 20000 pixels"):
        load_project(folder)
    with pytest.raises(ProjectError, match=r"layer cannot be read .*limit of 0\.0001 MP"):
        load_project(folder, limits=ImageLimits(max_megapixels=0.0001))


def test_an_exact_copy_with_a_huge_header_is_refused_before_reading(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    np.save(layer_file(folder, "alpha.npy"), np.zeros((1, 1), np.float32))
    data = layer_file(folder, "alpha.npy").read_bytes().replace(b"(1, 1)", b"(99999, 99999)")
    layer_file(folder, "alpha.npy").write_bytes(data)
    with pytest.raises(ProjectError, match="exact copy of the alpha layer does not match"):
        load_project(folder)


def test_a_colour_layer_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    path = folder / "layers-1" / "foreground_colours.png"
    from classic.imageio import write_image

    write_image(path, np.zeros((5, 7, 3), np.float32), bit_depth=16)
    with pytest.raises(ProjectError, match="foreground colours layer is 7 x 5"):
        load_project(folder)


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_a_layer_linked_to_a_file_outside_is_not_read(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    outside = tmp_path / "secret.png"
    shutil.copy(layer_file(folder, "alpha.png"), outside)
    layer_file(folder, "alpha.png").unlink()
    (folder / "layers-1" / "alpha.png").symlink_to(outside)
    with pytest.raises(ProjectError, match="lies outside the project"):
        load_project(folder)


def test_a_zip_entry_is_checked_before_it_is_inflated(tmp_path: Path) -> None:
    target = tmp_path / "bomb.zip"
    limits = ImageLimits(max_megapixels=0.0001)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(MANIFEST, "{}")
        bundle.writestr("alpha.png", b"\0" * (limits.max_file_bytes + 1))
    assert target.stat().st_size < 1 << 20
    with pytest.raises(ProjectError, match=r"the entry alpha\.png would take"):
        load_project(target, limits=limits)
