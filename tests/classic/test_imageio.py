from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from classic.checks import InvalidInputError
from classic.imageio import read_image, read_matte, read_trimap, write_image


def _gradient(height: int = 6, width: int = 8) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.dstack([xs / (width - 1), ys / (height - 1), (xs + ys) / (width + height - 2)]).astype(
        np.float32
    )


@pytest.mark.parametrize("extension", [".png", ".tif", ".bmp"])
def test_lossless_round_trip_8_bit(tmp_path: Path, extension: str) -> None:
    image = _gradient()
    write_image(tmp_path / f"a{extension}", image)
    loaded = read_image(tmp_path / f"a{extension}")
    assert loaded.bit_depth == 8 and loaded.alpha is None
    np.testing.assert_allclose(loaded.rgb, image, atol=0.5 / 255 + 1e-6)


@pytest.mark.parametrize("extension", [".png", ".tif"])
def test_16_bit_round_trip_keeps_precision(tmp_path: Path, extension: str) -> None:
    image = _gradient(30, 40) * 0.01  # a ramp far finer than 8-bit steps
    write_image(tmp_path / f"a{extension}", image, bit_depth=16)
    loaded = read_image(tmp_path / f"a{extension}")
    assert loaded.bit_depth == 16
    np.testing.assert_allclose(loaded.rgb, image, atol=0.5 / 65535 + 1e-7)
    assert len(np.unique(loaded.rgb[:, :, 0])) > 10  # 8 bits would collapse this ramp to 3 levels


def test_rgba_png_keeps_alpha(tmp_path: Path) -> None:
    rgba = np.dstack([_gradient(), np.linspace(0, 1, 48, dtype=np.float32).reshape(6, 8)])
    write_image(tmp_path / "a.png", rgba)
    loaded = read_image(tmp_path / "a.png")
    assert loaded.alpha is not None
    np.testing.assert_allclose(loaded.alpha, rgba[:, :, 3], atol=0.5 / 255 + 1e-6)


@pytest.mark.parametrize(("extension", "tolerance"), [(".jpg", 0.08), (".webp", 0.1)])
def test_lossy_formats_round_trip(tmp_path: Path, extension: str, tolerance: float) -> None:
    image = np.full((16, 16, 3), (0.8, 0.3, 0.1), np.float32)
    write_image(tmp_path / f"a{extension}", image, quality=95)
    assert np.abs(read_image(tmp_path / f"a{extension}").rgb - image).max() < tolerance


def test_grey_palette_and_cmyk_become_rgb(tmp_path: Path) -> None:
    Image.new("L", (5, 4), 200).save(tmp_path / "grey.png")
    palette = Image.new("P", (5, 4))
    palette.putpalette([0, 0, 255] * 256)
    palette.save(tmp_path / "palette.png")
    Image.new("CMYK", (5, 4), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    np.testing.assert_allclose(read_image(tmp_path / "grey.png").rgb, 200 / 255, atol=1e-6)
    np.testing.assert_allclose(read_image(tmp_path / "palette.png").rgb[0, 0], (0, 0, 1), atol=1e-6)
    red = read_image(tmp_path / "cmyk.jpg").rgb[2, 2]
    assert red[0] > 0.9 and red[1] < 0.1 and red[2] < 0.1


@pytest.mark.parametrize(
    ("orientation", "expected_shape"), [(1, (4, 6)), (3, (4, 6)), (6, (6, 4)), (8, (6, 4))]
)
def test_exif_orientation_is_applied(
    tmp_path: Path, orientation: int, expected_shape: tuple[int, int]
) -> None:
    pixels = np.zeros((4, 6, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)  # a red marker in the stored top-left corner
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(tmp_path / "o.png", exif=exif)
    rgb = read_image(tmp_path / "o.png").rgb
    assert rgb.shape[:2] == expected_shape
    marker = tuple(int(v) for v in np.argwhere(rgb[:, :, 0] > 0.5)[0])
    expected_marker = {1: (0, 0), 3: (3, 5), 6: (0, 3), 8: (5, 0)}[orientation]
    assert marker == expected_marker


def test_matte_and_trimap_reading(tmp_path: Path) -> None:
    values = np.array([[0, 128, 255], [255, 128, 0]], np.uint8)
    cv2.imwrite(str(tmp_path / "t.png"), values)
    np.testing.assert_array_equal(read_trimap(tmp_path / "t.png"), [[0, 0.5, 1], [1, 0.5, 0]])
    np.testing.assert_allclose(read_matte(tmp_path / "t.png"), values / 255.0, atol=1e-6)
    cv2.imwrite(str(tmp_path / "bad.png"), np.array([[0, 100, 200]], np.uint8))
    with pytest.raises(InvalidInputError, match="grey levels 100, 200"):
        read_trimap(tmp_path / "bad.png")


def test_bad_files_raise_one_clear_error(tmp_path: Path) -> None:
    write_image(tmp_path / "good.jpg", np.full((64, 64, 3), 0.5, np.float32))
    data = (tmp_path / "good.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    cases = {
        "missing.png": "no such file",
        "cut.jpg": "truncated",
        "empty.png": "empty",
        "text.png": "not an image",
    }
    for name, message in cases.items():
        with pytest.raises(InvalidInputError, match=message):
            read_image(tmp_path / name)


def test_writes_are_atomic_and_fail_cleanly(tmp_path: Path) -> None:
    image = np.zeros((4, 4, 3), np.float32)
    with pytest.raises(InvalidInputError, match="cannot write"):
        write_image(tmp_path / "missing-folder" / "a.png", image)
    with pytest.raises(InvalidInputError, match="unsupported output format"):
        write_image(tmp_path / "a.xyz", image)
    write_image(tmp_path / "a.png", image)
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]  # no temporary file left behind


def test_damaged_png_is_reported_and_appended_data_is_accepted(tmp_path: Path) -> None:
    write_image(tmp_path / "good.png", np.full((30, 40, 3), 0.25, np.float32), bit_depth=16)
    data = bytearray((tmp_path / "good.png").read_bytes())
    (tmp_path / "trailer.png").write_bytes(bytes(data) + b"\0" * 5000)  # e.g. a motion photo's video
    assert read_image(tmp_path / "trailer.png").bit_depth == 16
    data[60:70] = b"x" * 10  # inside a chunk: its CRC no longer matches
    (tmp_path / "damaged.png").write_bytes(bytes(data))
    with pytest.raises(InvalidInputError, match="corrupt"):
        read_image(tmp_path / "damaged.png")
