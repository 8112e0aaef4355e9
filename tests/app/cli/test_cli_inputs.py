"""The command line's guards on its files: outputs never replace inputs, size limits, damaged files.

Runs ``app.cli.cli.main`` in-process on the small synthetic files of ``test_cli.py`` (its ``files``
fixture is imported, which ruff's F811 takes for a redefinition in every test that uses it).
"""

# ruff: noqa: F811

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli.cli import EXIT_BAD_INPUT
from app.cli.cli_inputs import is_inside, reader, refuse_overwriting, same_file
from classic.checks import InvalidInputError
from classic.image_source import DEFAULT_MAX_MEGAPIXELS
from tests import faults
from tests.app.cli.test_cli import Capsys, Files, assert_clean_failure, files, run  # noqa: F401

Command = Callable[[Files, Path], list[object]]
# Each command with its output pointed at one of its inputs.
OVERWRITING: dict[str, tuple[Command, Callable[[Files], Path]]] = {
    "segment-image": (lambda f, o: ["segment", f.photo, "-o", o], lambda f: f.photo),
    "matte-image": (lambda f, o: ["matte", f.photo, "--trimap", f.trimap, "-o", o], lambda f: f.photo),
    "matte-trimap": (lambda f, o: ["matte", f.photo, "--trimap", f.trimap, "-o", o], lambda f: f.trimap),
    "cutout-image": (lambda f, o: ["cutout", f.photo, "-o", o], lambda f: f.photo),
    "composite-foreground": (lambda f, o: ["composite", f.photo, f.background, "-o", o], lambda f: f.photo),
    "composite-background": (
        lambda f, o: ["composite", f.photo, f.background, "-o", o],
        lambda f: f.background,
    ),
    "composite-mask": (
        lambda f, o: ["composite", f.photo, f.background, "--mask", f.mask, "-o", o],
        lambda f: f.mask,
    ),
}


def _alias(kind: str, target: Path, folder: Path) -> Path:
    """Another name for ``target``: itself, a relative path through .., a symbolic or a hard link."""
    if kind == "same":
        return target
    if kind == "relative":
        return Path(os.path.relpath(target.parent / ".." / target.parent.name / target.name))
    alias = folder / f"alias{target.suffix}"
    if kind == "symlink":
        alias.symlink_to(target)
    else:
        os.link(target, alias)
    return alias


@pytest.mark.parametrize("alias", ["same", "relative", "symlink", "hardlink"])
@pytest.mark.parametrize("case", sorted(OVERWRITING))
def test_an_output_that_is_an_input_is_refused_before_any_work(
    case: str, alias: str, files: Files, capsys: Capsys
) -> None:
    command, chosen = OVERWRITING[case]
    target = chosen(files)
    before = target.read_bytes()
    output = _alias(alias, target, files.out)
    rc, _, err = run(capsys, *command(files, output))
    assert rc == EXIT_BAD_INPUT
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "would replace it" in lines[0], err
    assert target.read_bytes() == before
    assert [p.name for p in files.out.iterdir()] == ([] if alias in ("same", "relative") else [output.name])


def test_batch_refuses_an_output_folder_inside_the_photo_folder_unless_asked(
    files: Files, capsys: Capsys
) -> None:
    inside = files.root / "results"
    rc, _, err = run(capsys, "batch", files.root, files.background, "-o", inside)
    assert rc == EXIT_BAD_INPUT and "inside it" in err and not inside.exists()
    rc, _, err = run(capsys, "batch", files.root, files.background, "-o", files.root, "--output-inside-input")
    assert rc == EXIT_BAD_INPUT and "inside it" in err  # never the photo folder itself
    rc, _, err = run(capsys, "batch", files.root, files.background, "-o", inside, "--output-inside-input")
    # The folder's bad files fail, its photos are done (photo.png and photo.jpg share a stem).
    assert (inside / "photo-png.png").is_file() and (inside / "photo-jpg.png").is_file(), err


def test_batch_refuses_a_result_that_would_replace_the_background(files: Files, capsys: Capsys) -> None:
    photos = files.root / "photos"
    photos.mkdir()
    (photos / "background.jpg").write_bytes(files.photo_jpg.read_bytes())
    before = files.background.read_bytes()
    rc, _, err = run(capsys, "batch", photos, files.background, "-o", files.root)
    assert rc == EXIT_BAD_INPUT and "would replace it" in err
    assert files.background.read_bytes() == before


def test_max_megapixels_refuses_larger_photos_before_decoding(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output, "--max-megapixels", "0.001")
    line = assert_clean_failure(rc, err, output, files.out)
    assert "64 x 48 pixels" in line and "limit of 0.001 MP" in line


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "1e9"])
def test_unusable_megapixel_limits_are_one_clear_error(value: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "cutout", files.photo, "-o", output, "--max-megapixels", value)
    line = assert_clean_failure(rc, err, output, files.out)
    assert rc == EXIT_BAD_INPUT and line.startswith("error: --max-megapixels")


def test_a_damaged_photo_is_refused_or_read_with_a_warning(files: Files, capsys: Capsys) -> None:
    damaged = faults.jpeg_damaged(files.root / "damaged.jpg")
    output = files.out / "composite.png"
    args = ["composite", damaged, files.background, "-o", output, "--method", "copy"]
    rc, _, err = run(capsys, *args)
    line = assert_clean_failure(rc, err, output, files.out)
    assert "damaged.jpg: the file is damaged" in line and "--allow-damaged" in line
    rc, _, err = run(capsys, *args, "--allow-damaged")
    assert rc == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "damaged.jpg" in warnings[0] and output.is_file()


@pytest.mark.parametrize("quality", ["0", "101"])
def test_jpeg_quality_out_of_range(quality: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "composite.jpg"
    rc, _, err = run(capsys, "composite", files.photo, files.background, "-o", output, "--quality", quality)
    line = assert_clean_failure(rc, err, output, files.out)
    assert "--quality" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_as_a_trimap_is_refused(files: Files, capsys: Capsys) -> None:
    fifo = files.root / "trimap-pipe.png"
    os.mkfifo(fifo)
    output = files.out / "alpha.png"
    rc, _, err = run(capsys, "matte", files.photo, "--trimap", fifo, "-o", output)
    line = assert_clean_failure(rc, err, output, files.out)
    assert "not a regular file" in line


def test_same_file_and_is_inside(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"a")
    (tmp_path / "sub").mkdir()
    os.link(tmp_path / "a.png", tmp_path / "sub" / "b.png")
    assert same_file(tmp_path / "sub" / ".." / "a.png", tmp_path / "a.png")
    assert same_file(tmp_path / "sub" / "b.png", tmp_path / "a.png")
    assert not same_file(tmp_path / "new.png", tmp_path / "a.png")
    assert is_inside(tmp_path / "sub" / "x", tmp_path) and is_inside(tmp_path, tmp_path)
    assert not is_inside(tmp_path, tmp_path / "sub")
    refuse_overwriting(tmp_path / "new.png", [None, tmp_path / "a.png"])
    with pytest.raises(InvalidInputError, match="would replace it"):
        refuse_overwriting(tmp_path / "sub" / "b.png", [None, tmp_path / "a.png"])


def test_reader_defaults_without_the_options() -> None:
    import argparse

    files_reader = reader(argparse.Namespace())
    assert files_reader.limits.max_megapixels == DEFAULT_MAX_MEGAPIXELS and not files_reader.allow_damaged


def _handles(pid: int, number: int) -> bool:
    """True once process ``pid`` has its own handler for signal ``number`` (Linux's /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (number - 1) & 1)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    ("name", "delay"), [("SIGTERM", 0.0), ("SIGINT", 0.3), ("SIGTERM", 0.8), ("SIGINT", 1.5)]
)
def test_an_interrupted_command_says_so_and_leaves_no_temporary_file(
    name: str, delay: float, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys

    import cv2
    import numpy as np

    number = getattr(signal, name)
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.random.default_rng(0).integers(0, 256, (1500, 2000, 3), dtype=np.uint8))
    out = tmp_path / "out"
    out.mkdir()
    command = ["main.py", "cutout", str(photo), "--segmentation", "saliency", "-o", str(out / "c.png")]
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=Path(__file__).resolve().parents[3],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _handles(process.pid, signal.SIGTERM) and time.monotonic() < deadline:  # the command's own
        time.sleep(0.01)
    time.sleep(delay)
    process.send_signal(number)
    err = process.communicate(timeout=120)[1]
    if process.returncode == 0:  # finished first: the result is whole
        assert os.listdir(out) == ["c.png"]
        return
    assert process.returncode == 128 + number and err.strip().splitlines()[-1] == "error: interrupted", err
    assert "Traceback" not in err and os.listdir(out) == []
