"""``build-training-set`` on a tiny fake shared folder, the image filters on synthetic arrays, and the
package helpers on fake unpacked trees. No test downloads anything: apt-get is replaced or left out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.cli import EXIT_BAD_INPUT, main
from app.training import training_packages as packages
from app.training.training_data import BuildOptions, build_training_set
from classic.checks import InvalidInputError
from classic.progress import Cancelled


def soft_disc(size: int, radius: float, centre: tuple[float, float] | None = None) -> np.ndarray:
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    cy, cx = centre or (size / 2, size / 2)
    distance = np.sqrt((rows - cy) ** 2 + (cols - cx) ** 2)
    return np.clip(radius - distance + 0.5, 0.0, 1.0).astype(np.float32)


def write_rgba(path: Path, alpha: np.ndarray) -> None:
    colour = np.zeros((*alpha.shape, 3), np.uint8)
    colour[:] = (30, 60, 200)  # BGR
    rgba = np.concatenate([colour, np.round(alpha * 255).astype(np.uint8)[:, :, None]], axis=2)
    cv2.imwrite(str(path), rgba)


def photo(height: int, width: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A fake shared data folder: 2 good cut-outs and 2 bad files; 2 photos, a flat one and a duplicate."""
    root = tmp_path / "shared"
    fg, bg = root / "foregrounds", root / "backgrounds"
    fg.mkdir(parents=True)
    bg.mkdir()
    write_rgba(fg / "good_a.png", soft_disc(320, 100))
    write_rgba(fg / "good_b.png", soft_disc(320, 70, (150, 130)))
    write_rgba(fg / "binary.png", (soft_disc(320, 100) > 0.5).astype(np.float32))
    cv2.imwrite(str(fg / "opaque.png"), photo(320, 320, 9))
    (fg / "PROVENANCE.md").write_text("test cut-outs\n")
    cv2.imwrite(str(bg / "one.jpg"), photo(600, 800, 1))
    cv2.imwrite(str(bg / "two.png"), photo(640, 640, 2))
    cv2.imwrite(str(bg / "flat.png"), np.full((700, 700, 3), 128, np.uint8))
    cv2.imwrite(str(bg / "one_again.jpg"), cv2.resize(photo(600, 800, 1), (1000, 750)))
    (bg / "licence.txt").write_text("licence\n")
    # A development set beside them: never read.
    (root / "matting-dev" / "image").mkdir(parents=True)
    cv2.imwrite(str(root / "matting-dev" / "image" / "x.png"), photo(320, 320, 3))
    return root


def test_build_copies_the_usable_shared_material(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    messages: list[str] = []
    summary = build_training_set(
        BuildOptions(out=out, shared=shared), progress=lambda f, m: messages.append(m)
    )
    assert sorted(p.name for p in (out / "foregrounds").iterdir()) == ["good_a.png", "good_b.png"]
    assert sorted(p.name for p in (out / "backgrounds").iterdir()) == ["one.jpg", "two.jpg"]
    assert (summary.foregrounds, summary.backgrounds) == (2, 2)
    assert summary.size_bytes == sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    rgba = cv2.imread(str(out / "foregrounds" / "good_a.png"), cv2.IMREAD_UNCHANGED)
    assert rgba is not None and rgba.shape == (320, 320, 4)
    assert (out / "licences" / "shared-licence.txt").is_file()
    assert "shared" in (out / "licences" / "PROVENANCE.md").read_text()
    assert not any(p.stem == "x" for p in out.rglob("*"))
    assert messages[-1] == "done"
    # A second run keeps what is there and adds nothing twice.
    again = build_training_set(BuildOptions(out=out, shared=shared))
    assert (again.foregrounds, again.backgrounds) == (2, 2)


def test_the_written_folder_is_training_data(shared: Path, tmp_path: Path) -> None:
    from engine.training.datasets import build_dataset

    out = tmp_path / "out"
    build_training_set(BuildOptions(out=out, shared=shared))
    dataset = build_dataset("matting", out, crop=64, val_fraction=0.0)
    assert len(dataset) == 8 and dataset[0]["image"].shape == (3, 64, 64)


def test_large_backgrounds_are_scaled_down(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "backgrounds").mkdir(parents=True)
    cv2.imwrite(str(shared / "backgrounds" / "wide.jpg"), photo(900, 2000, 4))
    build_training_set(BuildOptions(out=tmp_path / "out", shared=shared))
    written = cv2.imread(str(tmp_path / "out" / "backgrounds" / "wide.jpg"))
    assert written is not None and written.shape == (720, 1600, 3)


def test_cli_builds_and_reports(shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["build-training-set", "--out", str(out), "--shared", str(shared)]) == 0
    captured = capsys.readouterr()
    assert "2 foregrounds, 2 backgrounds" in captured.out
    assert "build-training-set:" in captured.err


@pytest.mark.parametrize("name", ["matting-dev", "segmentation-dev"])
def test_cli_refuses_development_sets(
    shared: Path, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["build-training-set", "--out", str(tmp_path / "out"), "--shared", str(shared / name)])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error:") and "development evaluation set" in err and err.count("\n") == 1


def test_missing_apt_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(packages.shutil, "which", lambda tool: None)
    code = main(["build-training-set", "--out", str(tmp_path / "out"), "--clipart", "5"])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get and dpkg-deb not found" in err
    assert not (tmp_path / "out").exists()


def test_a_failing_download_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, script in {
        "apt-get": "echo 'E: Unable to locate package nothing-here' >&2; exit 100",
        "dpkg-deb": "exit 0",
    }.items():
        path = bin_dir / tool
        path.write_text(f"#!/bin/sh\n{script}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(InvalidInputError) as error:
        packages.fetch_package("nothing-here", tmp_path / "work")
    assert str(error.value) == (
        "apt-get download nothing-here failed (exit 100): E: Unable to locate package nothing-here"
    )


def test_build_can_be_cancelled(shared: Path, tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        build_training_set(BuildOptions(out=tmp_path / "out", shared=shared), is_cancelled=lambda: True)


def test_foreground_filter_reasons() -> None:
    good = soft_disc(320, 100)
    assert packages.foreground_problem(good) is None
    assert packages.foreground_problem(None) == "no alpha channel"
    assert str(packages.foreground_problem(soft_disc(200, 60))).startswith("too small")
    assert "covers" in str(packages.foreground_problem(soft_disc(320, 20)))
    assert "covers" in str(packages.foreground_problem(np.ones((320, 320), np.float32)))
    assert packages.foreground_problem((good > 0.5).astype(np.float32)) == "binary alpha"
    assert packages.foreground_problem(soft_disc(320, 100, (60, 160))) == "subject touches the border"
    square = np.zeros((320, 320), np.float32)
    square[60:260, 60:260] = 1.0
    square[59, 60:260] = square[260, 60:260] = 0.5
    assert packages.foreground_problem(square) == "fills its bounding box"


def test_background_filter_and_duplicates() -> None:
    picture = photo(600, 800, 5).astype(np.float32) / 255
    assert packages.background_problem(picture) is None
    assert str(packages.background_problem(picture[:500])).startswith("too small")
    assert packages.background_problem(np.full((700, 700, 3), 0.5, np.float32)) == "nearly flat"
    holed = np.ones((600, 800), np.float32)
    holed[:10, :10] = 0.0
    assert packages.background_problem(picture, holed) == "partly transparent"
    assert packages.background_problem(picture, np.ones((600, 800), np.float32)) is None
    small = packages.thumbnail(picture)
    resized = cv2.resize(picture, (400, 300), interpolation=cv2.INTER_AREA)
    assert packages.is_duplicate(packages.thumbnail(resized), [small])
    other = photo(600, 800, 6).astype(np.float32) / 255
    assert not packages.is_duplicate(packages.thumbnail(other), [small])


def test_clipart_candidates_skip_icon_categories_and_shuffle_reproducibly(tmp_path: Path) -> None:
    base = tmp_path / packages.CLIPART_ROOT
    for relative in ("animals/birds/crow.png", "animals/cat.png", "shapes/circle.png", "food/pear.png"):
        (base / relative).parent.mkdir(parents=True, exist_ok=True)
        (base / relative).write_bytes(b"")
    names = [name for name, _ in packages.clipart_candidates(tmp_path, seed=1)]
    assert sorted(names) == ["animals__birds__crow", "animals__cat", "food__pear"]
    assert names == [name for name, _ in packages.clipart_candidates(tmp_path, seed=1)]
    orders = {tuple(n for n, _ in packages.clipart_candidates(tmp_path, seed=s)) for s in range(6)}
    assert len(orders) > 1


def test_wallpaper_candidates_take_the_largest_size_of_each_kde_wallpaper(tmp_path: Path) -> None:
    kde = tmp_path / "usr/share/wallpapers/Kite/contents"
    files = {
        kde / "images/1920x1080.jpg": 300,
        kde / "images/640x480.jpg": 50,
        kde / "images_dark/1920x1080.jpg": 280,
        kde / "screenshot.png": 400,
        tmp_path / "usr/share/backgrounds/mate/nature/Dune.jpg": 100,
        tmp_path / "usr/share/backgrounds/notes.txt": 10,
    }
    for path, size in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    found = {name: path for name, path in packages.wallpaper_candidates(tmp_path)}
    assert found == {
        "Kite": kde / "images/1920x1080.jpg",
        "Kite__dark": kde / "images_dark/1920x1080.jpg",
        "mate__nature__Dune": tmp_path / "usr/share/backgrounds/mate/nature/Dune.jpg",
    }


def test_huge_images_are_not_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), photo(100, 100, 0))
    assert packages.decodable(path)
    monkeypatch.setattr(packages, "MAX_DECODED_PIXELS", 99 * 100)
    assert not packages.decodable(path)
    (tmp_path / "junk.png").write_bytes(b"not an image")
    assert not packages.decodable(tmp_path / "junk.png")


def test_real_photos_and_teacher_labels_become_pair_sets(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("onnx", reason="making a test model needs the onnx package (.[dev])")
    from app.training import training_data
    from engine.teacher import SaliencyTeacher
    from engine.training.sources import find_sources
    from tests.engine.tiny_onnx import tiny_saliency_model

    shared = tmp_path / "shared"
    for name, stems in (("objects", ["a", "b"]), ("video", ["bear_00000", "bear_00005"])):
        for folder in ("image", "mask"):
            (shared / "real" / name / folder).mkdir(parents=True)
        for stem in stems:
            cv2.imwrite(str(shared / "real" / name / "image" / f"{stem}.jpg"), photo(60, 80, 1))
            mask = (soft_disc(60, 20) > 0.5).astype(np.uint8)[:, :60] * 255
            cv2.imwrite(str(shared / "real" / name / "mask" / f"{stem}.png"), cv2.resize(mask, (80, 60)))
    (shared / "real" / "video" / "SOURCE.md").write_text("Names are `SEQUENCE_FRAME` (e.g. `bear_00000`)\n")
    (shared / "unlabelled" / "people").mkdir(parents=True)
    subject = np.full((90, 120, 3), 40, np.uint8)
    subject[30:60, 40:80] = 230  # bright: the tiny teacher's subject
    cv2.imwrite(str(shared / "unlabelled" / "people" / "p0.jpg"), subject)
    cv2.imwrite(str(shared / "unlabelled" / "people" / "flat.jpg"), np.full((90, 120, 3), 90, np.uint8))
    teacher = SaliencyTeacher(tiny_saliency_model(tmp_path / "tiny.onnx"))
    monkeypatch.setattr(training_data, "load_teacher", lambda name, install: teacher)

    out = tmp_path / "out"
    build_training_set(BuildOptions(out=out, shared=shared, real=True, teacher="u2netp"))
    pairs = {pair.name: pair for pair in find_sources(out).pairs}
    assert sorted(pairs) == [
        "objects/a",
        "objects/b",
        "unlabelled-people/p0",
        "video/bear_00000",
        "video/bear_00005",
    ]
    assert pairs["video/bear_00005"].group == "video/bear"  # SOURCE.md names the frames SEQUENCE_FRAME
    assert pairs["unlabelled-people/p0"].confident_only  # the flat photo has no subject: left out
    provenance = (out / "licences" / "PROVENANCE.md").read_text()
    assert "1 of 2 unlabelled photos" in provenance and "by sequence" in provenance


def test_real_and_teacher_need_the_shared_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="give --shared"):
        build_training_set(BuildOptions(out=tmp_path / "out", real=True))
