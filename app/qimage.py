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


def to_display_bytes(array: np.ndarray) -> np.ndarray:
    """Map floats in [0, 1] to uint8 by rounding to the nearest level; out-of-range values are clipped."""
    scaled = np.rint(np.clip(np.asarray(array, dtype=np.float32), 0.0, 1.0) * 255.0)
    return np.ascontiguousarray(scaled.astype(np.uint8))


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """Convert an RGB image, float32 (H, W, 3) in [0, 1], to a ``Format_RGB888`` QImage."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InvalidInputError(f"expected an RGB image of shape (H, W, 3), got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    pixels = to_display_bytes(rgb)
    # The wrapper borrows ``pixels``; ``copy()`` gives an image that owns its (32-bit aligned) rows.
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def matte_to_qimage(matte: np.ndarray) -> QImage:
    """Convert a mask, alpha or trimap, float32 (H, W) in [0, 1], to a ``Format_Grayscale8`` QImage."""
    if matte.ndim != 2:
        raise InvalidInputError(f"expected a single-channel (H, W) matte, got shape {matte.shape}")
    height, width = matte.shape
    pixels = to_display_bytes(matte)
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


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
