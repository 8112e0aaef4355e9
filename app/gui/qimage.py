"""The one bridge between numpy images and ``QImage``.

Everything that shows an array on screen goes through here, so this is the only place where the
float32 interchange types become 8-bit display pixels (rounded and clipped). Every ``QImage`` returned
owns its pixels: numpy buffers may be freed as soon as a function returns.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from classic.checks import InvalidInputError

# Values converted per block: 1 MiB of float32 scratch stays in the cache, where whole-image temporaries
# (three of 288 MB for a 24 MP photo) cost more in page faults than in arithmetic (0.1-1 s against 30 ms).
_BLOCK_VALUES = 1 << 18


def to_display_bytes(array: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Map floats in [0, 1] to uint8 by rounding to the nearest level (halves to even, as ``np.rint``);
    out-of-range values are clipped.

    ``out``: a uint8 array of ``array``'s shape to write into (it may be a strided view, such as the
    rows of a ``QImage``); by default a new contiguous one. Returns ``out``.
    """
    values = np.asarray(array, dtype=np.float32)
    if out is None:
        out = np.empty(values.shape, np.uint8)
    elif out.shape != values.shape or out.dtype != np.uint8:
        raise InvalidInputError(f"cannot write a {values.shape} image into a {out.dtype} {out.shape} array")
    if values.ndim == 0 or values.shape[0] == 0:
        out[...] = np.rint(np.clip(values, 0.0, 1.0) * np.float32(255.0))
        return out
    rows = max(1, _BLOCK_VALUES // max(1, values[0].size))
    for top in range(0, values.shape[0], rows):
        block = np.clip(values[top : top + rows], 0.0, 1.0)
        np.multiply(block, np.float32(255.0), out=block)
        np.rint(block, out=block)
        out[top : top + rows] = block  # Exact: whole numbers in [0, 255].
    return out


def _new_qimage(
    height: int, width: int, channels: int, image_format: QImage.Format
) -> tuple[QImage, np.ndarray]:
    """A new ``QImage`` and a writable (H, W, channels) uint8 view of its pixels, row padding skipped."""
    image = QImage(width, height, image_format)
    if image.isNull():  # An empty image has no pixel buffer to view.
        return image, np.empty((height, width, channels), np.uint8)
    stride = image.bytesPerLine()  # Rows start on 4-byte boundaries.
    view = np.ndarray((height, width, channels), np.uint8, image.bits(), strides=(stride, channels, 1))
    return image, view


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """Convert an RGB image, float32 (H, W, 3) in [0, 1], to a ``Format_RGB888`` QImage."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InvalidInputError(f"expected an RGB image of shape (H, W, 3), got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    # Converted straight into the image's own rows: no intermediate buffer and no copy.
    image, pixels = _new_qimage(height, width, 3, QImage.Format.Format_RGB888)
    to_display_bytes(rgb, out=pixels)
    return image


def matte_to_qimage(matte: np.ndarray) -> QImage:
    """Convert a mask, alpha or trimap, float32 (H, W) in [0, 1], to a ``Format_Grayscale8`` QImage."""
    if matte.ndim != 2:
        raise InvalidInputError(f"expected a single-channel (H, W) matte, got shape {matte.shape}")
    height, width = matte.shape
    image, pixels = _new_qimage(height, width, 1, QImage.Format.Format_Grayscale8)
    to_display_bytes(matte, out=pixels[..., 0])
    return image


def array_to_qimage(array: np.ndarray) -> QImage:
    """Convert an RGB image or a matte (shown as grey) to a QImage."""
    return matte_to_qimage(array) if array.ndim == 2 else rgb_to_qimage(array)


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """Convert any QImage to an RGB image, float32 (H, W, 3) in [0, 1]; transparency is dropped."""
    if image.isNull():
        raise InvalidInputError("cannot convert a null QImage")
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    # Rows are padded to a multiple of 4 bytes: read whole rows, then cut the padding off.
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    pixels = rows[:, : 3 * width].reshape(height, width, 3)
    return pixels.astype(np.float32) / np.float32(255.0)


def thumbnail_qimage(array: np.ndarray, size: int) -> QImage:
    """A small preview whose longer side is ``size`` pixels (smaller images are not enlarged)."""
    # Striding first keeps large photos cheap; the smooth scale then removes most of the aliasing.
    step = max(1, max(array.shape[:2]) // (2 * size))
    image = array_to_qimage(np.ascontiguousarray(array[::step, ::step]))
    if max(image.width(), image.height()) <= size:
        return image
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
