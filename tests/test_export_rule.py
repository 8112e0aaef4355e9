"""One rule for what is written, GUI and command line alike (issue 12, defect 9): files honour the
umask (not 0600), and an output has its source photo's bit depth unless a depth is asked for."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.cli import main
from classic.imageio import write_image

RECT = "10,10,40,30"


def disc(height: int = 48, width: int = 64) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    inside = (rows - 24) ** 2 + (cols - 32) ** 2 <= 12**2
    image = np.full((height, width, 3), (0.2, 0.6, 0.3), np.float32)
    image[inside] = (0.9, 0.2, 0.1)
    return image


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


CASES = [(8, None, np.uint8), (16, None, np.uint16), (16, "8", np.uint8), (8, "16", np.uint16)]


@pytest.mark.parametrize(("source_depth", "asked", "written"), CASES)
def test_the_command_line_writes_the_sources_bit_depth_unless_asked(
    tmp_path: Path, source_depth: int, asked: str | None, written: type
) -> None:
    photo = tmp_path / "photo.tif"
    write_image(photo, disc(), bit_depth=source_depth)
    output = tmp_path / "out" / "mask.png"
    output.parent.mkdir()
    depth = [] if asked is None else ["--bit-depth", asked]
    assert (
        main(["segment", str(photo), "-o", str(output), "--method", "grabcut", "--rect", RECT, *depth]) == 0
    )
    assert cv2.imread(str(output), cv2.IMREAD_UNCHANGED).dtype == written


def test_command_line_outputs_honour_the_umask(tmp_path: Path, umask_027: None) -> None:
    photo = tmp_path / "photo.png"
    write_image(photo, disc())
    output = tmp_path / "mask.png"
    assert main(["segment", str(photo), "-o", str(output), "--method", "grabcut", "--rect", RECT]) == 0
    assert mode(output) == 0o640


def test_reports_honour_the_umask(tmp_path: Path, umask_027: None) -> None:
    from app.bench.benchmark_report import _write_atomically
    from app.evaluation.report import write_text

    write_text(tmp_path / "report.md", "# Report\n")
    _write_atomically(tmp_path / "benchmarks.md", "# Benchmarks\n")
    assert mode(tmp_path / "report.md") == 0o640 and mode(tmp_path / "benchmarks.md") == 0o640
