"""Checks made before decoding: kind of file, size on disk, header limits, truncation and damage."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from classic import imageio
from classic.checks import InvalidInputError
from classic.image_header import read_header
from classic.image_source import DEFAULT_MAX_MEGAPIXELS, MAX_SIDE, ImageLimits, read_source
from classic.imageio import read_image, read_matte, read_trimap
from tests import faults

BOMBS = {
    "png": (lambda p: faults.png_claiming(p, 20_000, 20_000), "20000 x 20000"),
    "jpeg": (lambda p: faults.jpeg_claiming(p, 30_000, 30_000), "30000 x 30000"),
    "bmp": (lambda p: faults.bmp_claiming(p, 30_000, 30_000), "30000 x 30000"),
    "tiff": (lambda p: faults.tiff_claiming(p, 20_000, 20_000), "20000 x 20000"),
    "webp": (lambda p: faults.webp_claiming(p, 16_384, 16_384), "16384 x 16384"),
}


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything reaches OpenCV's decoder."""

    def refuse(*_args: object) -> None:
        raise AssertionError("a file beyond the limits was decoded")

    monkeypatch.setattr(imageio.cv2, "imdecode", refuse)


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_a_bomb_of_every_format_is_refused_from_its_header(
    kind: str, tmp_path: Path, no_decoding: None
) -> None:
    make, size = BOMBS[kind]
    path = make(tmp_path / f"bomb.{kind}")
    assert path.stat().st_size < 2_000
    with pytest.raises(InvalidInputError) as raised:
        read_image(path)
    message = str(raised.value)
    assert size in message and f"limit of {DEFAULT_MAX_MEGAPIXELS:g} MP" in message and "bomb." in message


@pytest.mark.parametrize(("width", "height"), [(60_000, 10), (10, 40_000), (1_000_000, 1)])
def test_a_side_beyond_the_limit_is_refused(
    width: int, height: int, tmp_path: Path, no_decoding: None
) -> None:
    with pytest.raises(
        InvalidInputError, match=f"{width} x {height} pixels.*at most {MAX_SIDE} pixels a side"
    ):
        read_image(faults.png_claiming(tmp_path / "long.png", width, height))


def test_the_limit_is_a_choice(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "photo.png"), np.zeros((40, 50, 3), np.uint8))
    assert read_image(tmp_path / "photo.png", limits=ImageLimits(max_megapixels=0.002)).rgb.shape == (
        40,
        50,
        3,
    )
    with pytest.raises(
        InvalidInputError, match=r"50 x 40 pixels \(0.0 MP\), more than the limit of 0.001 MP"
    ):
        read_image(tmp_path / "photo.png", limits=ImageLimits(max_megapixels=0.001))
    with pytest.raises(InvalidInputError, match="at most 45 pixels a side"):
        read_matte(tmp_path / "photo.png", limits=ImageLimits(max_side=45))


@pytest.mark.parametrize("megapixels", [0.0, -1.0, float("nan"), float("inf"), 20_000.0])
def test_unusable_limits_are_refused(megapixels: float) -> None:
    with pytest.raises(InvalidInputError, match="megapixel limit"):
        ImageLimits(max_megapixels=megapixels)


def test_a_file_larger_than_any_photo_within_the_limits_is_not_read(tmp_path: Path) -> None:
    limits = ImageLimits(max_megapixels=0.001)
    huge = tmp_path / "huge.png"
    with huge.open("wb") as stream:  # Sparse: costs no disk space.
        stream.write(b"\x89PNG\r\n\x1a\n")
        stream.truncate(limits.max_file_bytes + 1)
    with pytest.raises(InvalidInputError, match=r"huge\.png: the file is larger than"):
        read_source(huge, limits)


def _returns_within(seconds: float, function: Callable[[], object]) -> BaseException | None:
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            function()
        except BaseException as error:  # handed back to the test
            outcome.append(error)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"still reading after {seconds} s"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    error = _returns_within(5.0, lambda: read_image(fifo))
    assert isinstance(error, InvalidInputError) and "not a regular file" in str(error)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_at_once() -> None:
    error = _returns_within(5.0, lambda: read_trimap("/dev/zero"))
    assert isinstance(error, InvalidInputError) and "not a regular file" in str(error)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(InvalidInputError, match="is a folder"):
        read_image(tmp_path / "folder.png")


def test_a_damaged_jpeg_is_refused_unless_allowed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = faults.jpeg_damaged(tmp_path / "damaged.jpg")
    with pytest.raises(
        InvalidInputError, match=r"damaged\.jpg: the file is damaged .*premature end.*--allow-damaged"
    ):
        read_image(path)
    loaded = read_image(path, allow_damaged=True)
    assert loaded.rgb.shape == (64, 96, 3) and "premature end" in loaded.damage
    assert "Corrupt JPEG" not in capfd.readouterr().err  # the decoder's own line is not passed on


def test_an_intact_file_reports_no_damage(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "good.jpg"), np.full((16, 16, 3), 100, np.uint8))
    assert read_image(tmp_path / "good.jpg").damage == ""


@pytest.mark.parametrize(
    ("extension", "params"),
    [(".webp", [cv2.IMWRITE_WEBP_QUALITY, 101]), (".webp", [cv2.IMWRITE_WEBP_QUALITY, 80])],
)
def test_webp_headers_give_the_size_without_decoding(
    extension: str, params: list[int], tmp_path: Path
) -> None:
    ok, encoded = cv2.imencode(extension, np.zeros((37, 53, 3), np.uint8), params)
    assert ok
    header = read_header(encoded.tobytes(), tmp_path / "a.webp")
    assert (header.width, header.height, header.format) == (53, 37, "WEBP")


def test_headers_of_other_kinds_are_not_images(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not an image of a supported kind"):
        read_header(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", tmp_path / "a.gif")
