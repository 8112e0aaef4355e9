from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from app.gui.qimage import matte_to_qimage, qimage_to_rgb, rgb_to_qimage, thumbnail_qimage, to_display_bytes
from classic.checks import InvalidInputError


def _levels(height: int, width: int, channels: int) -> np.ndarray:
    """Distinct 8-bit levels per sample, as float32 in [0, 1]."""
    values = (np.arange(height * width * channels) * 7 + 3) % 256
    return (values.reshape(height, width, channels) / 255.0).astype(np.float32)


@pytest.mark.parametrize(("height", "width"), [(3, 4), (4, 3)])  # 4 wide needs no row padding, 3 wide does
def test_rgb_to_qimage_exact_pixels(height: int, width: int) -> None:
    rgb = _levels(height, width, 3)
    image = rgb_to_qimage(rgb)
    assert (image.width(), image.height()) == (width, height)
    assert image.bytesPerLine() % 4 == 0
    for y in range(height):
        for x in range(width):
            expected = tuple(round(float(v) * 255) for v in rgb[y, x])
            colour = image.pixelColor(x, y)
            assert (colour.red(), colour.green(), colour.blue()) == expected


@pytest.mark.parametrize(("height", "width"), [(3, 4), (4, 3)])
def test_round_trip_is_exact_on_8_bit_levels(height: int, width: int) -> None:
    rgb = _levels(height, width, 3)
    back = qimage_to_rgb(rgb_to_qimage(rgb))
    assert back.dtype == np.float32 and back.shape == (height, width, 3)
    np.testing.assert_array_equal(back, rgb)


def test_matte_to_qimage_is_grey() -> None:
    matte = _levels(3, 3, 1)[..., 0]  # 3 bytes per row, padded to 4 by Qt
    image = matte_to_qimage(matte)
    assert image.format() == QImage.Format.Format_Grayscale8
    for y in range(3):
        for x in range(3):
            assert image.pixelColor(x, y).red() == round(float(matte[y, x]) * 255)
    np.testing.assert_array_equal(qimage_to_rgb(image)[..., 1], matte)


def test_display_bytes_round_and_clip() -> None:
    values = np.array([-0.5, 0.0, 0.5 / 255, 0.49 / 255, 0.5, 1.0, 2.0], np.float32)
    assert to_display_bytes(values).tolist() == [0, 0, 0, 0, 128, 255, 255]


def test_qimage_owns_its_pixels() -> None:
    rgb = np.zeros((3, 4, 3), np.float32)
    image = rgb_to_qimage(rgb)
    rgb[:] = 1.0
    del rgb
    assert image.pixelColor(0, 0) == QColor(0, 0, 0)


def test_qimage_to_rgb_converts_other_formats() -> None:
    image = QImage(5, 2, QImage.Format.Format_ARGB32)
    image.fill(QColor(10, 20, 30, 255))
    rgb = qimage_to_rgb(image)
    assert rgb.shape == (2, 5, 3)
    np.testing.assert_allclose(rgb[1, 4], np.array([10, 20, 30]) / 255, atol=1e-6)


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"\(H, W, 3\)"):
        rgb_to_qimage(np.zeros((3, 4), np.float32))
    with pytest.raises(InvalidInputError, match=r"\(H, W\)"):
        matte_to_qimage(np.zeros((3, 4, 3), np.float32))


def test_thumbnail_fits_the_size() -> None:
    thumbnail = thumbnail_qimage(np.zeros((300, 900, 3), np.float32), 48)
    assert (thumbnail.width(), thumbnail.height()) == (48, 16)
    small = thumbnail_qimage(np.zeros((10, 20), np.float32), 48)
    assert (small.width(), small.height()) == (20, 10)


def test_display_bytes_match_rounding_of_the_whole_image_across_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.gui.qimage as qimage

    monkeypatch.setattr(qimage, "_BLOCK_VALUES", 7)  # Many blocks, one not a whole number of rows.
    rng = np.random.default_rng(3)
    rgb = rng.uniform(-0.1, 1.1, (11, 5, 3)).astype(np.float32)
    rgb[0, :, 0] = (np.arange(5) + 0.5) / np.float32(255.0)  # Halfway between two levels.
    expected = np.rint(np.clip(rgb, 0.0, 1.0) * np.float32(255.0)).astype(np.uint8)
    np.testing.assert_array_equal(to_display_bytes(rgb), expected)
    strided = np.zeros((11, 10, 3), np.uint8)[:, ::2]  # A view with gaps between pixels.
    assert to_display_bytes(rgb, out=strided) is strided
    np.testing.assert_array_equal(strided, expected)
    with pytest.raises(InvalidInputError, match="cannot write"):
        to_display_bytes(rgb, out=np.zeros((11, 5), np.uint8))


def test_images_of_no_pixels_convert() -> None:
    assert rgb_to_qimage(np.zeros((0, 4, 3), np.float32)).isNull()
    assert matte_to_qimage(np.zeros((3, 0), np.float32)).isNull()
