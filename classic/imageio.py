"""Reading and writing photos, masks and trimaps as interchange arrays.

Decoding goes through OpenCV (JPEG, PNG 8/16-bit, TIFF 8/16-bit, WebP, BMP; grey, palette and CMYK are
converted to RGB by the decoder) after ``classic.image_source`` has checked the file and its header
against the size limits; the EXIF orientation comes from that header and is applied here because
OpenCV ignores it when asked for the unchanged bit depth. Every write is atomic
(``classic.atomic_file``): the encoded bytes go to a temporary file in the destination folder, which is
then renamed over the target.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from classic.atomic_file import write_atomically
from classic.checks import InvalidInputError, check_trimap
from classic.decoder_messages import decoder_messages
from classic.image_source import DEFAULT_LIMITS, ImageLimits, read_source

READ_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
WRITE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
_SIXTEEN_BIT_FORMATS = (".png", ".tif", ".tiff")


@dataclass(frozen=True)
class LoadedImage:
    """A decoded photo: ``rgb`` float32 (H, W, 3) in [0, 1], ``alpha`` float32 (H, W) or None.

    ``damage`` is the decoder's report of corrupt data when the photo was read with ``allow_damaged``.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int
    damage: str = ""


def read_image(
    path: str | os.PathLike[str], *, limits: ImageLimits = DEFAULT_LIMITS, allow_damaged: bool = False
) -> LoadedImage:
    """Read a photo, apply its EXIF orientation and return it as float32 RGB (plus alpha if any).

    Nothing is decoded before the file and its header pass ``classic.image_source.read_source`` (a
    regular file, not truncated, within ``limits``). A file whose decoder reports damage is refused,
    unless ``allow_damaged``: then it is returned with the decoder's words in ``damage``.
    """
    raw, orientation, damage = _decode(Path(path), limits, allow_damaged)
    raw = _apply_orientation(raw, orientation)
    bit_depth = 16 if raw.dtype == np.uint16 else 8
    values = _to_float(raw)
    del raw
    if values.ndim == 2:
        return LoadedImage(np.repeat(values[:, :, None], 3, axis=2), None, bit_depth, damage)
    channels = values.shape[2]
    if channels == 1:
        return LoadedImage(np.repeat(values, 3, axis=2), None, bit_depth, damage)
    rgb = np.ascontiguousarray(values[:, :, 2::-1])
    alpha = np.ascontiguousarray(values[:, :, 3]) if channels == 4 else None
    return LoadedImage(rgb, alpha, bit_depth, damage)


def read_matte(
    path: str | os.PathLike[str], *, limits: ImageLimits = DEFAULT_LIMITS, allow_damaged: bool = False
) -> np.ndarray:
    """Read a mask or alpha as float32 (H, W) in [0, 1] (colour files are converted to grey)."""
    return as_matte(read_image(path, limits=limits, allow_damaged=allow_damaged))


def as_matte(loaded: LoadedImage) -> np.ndarray:
    """A read image as a mask or alpha, float32 (H, W) in [0, 1]: its grey level."""
    rgb = loaded.rgb
    if np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 0], rgb[:, :, 2]):
        return np.ascontiguousarray(rgb[:, :, 0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def read_trimap(
    path: str | os.PathLike[str], *, limits: ImageLimits = DEFAULT_LIMITS, allow_damaged: bool = False
) -> np.ndarray:
    """Read a trimap file as float32 0 / 0.5 / 1.

    Black is background and white foreground; the unknown region is one grey level (128 by convention;
    some tools use another single grey, such as pymatting's 102). Any further grey level is an error.
    """
    return as_trimap(read_matte(path, limits=limits, allow_damaged=allow_damaged), path)


def as_trimap(matte: np.ndarray, shown: object) -> np.ndarray:
    """A matte read from the file ``shown`` as a trimap of 0 / 0.5 / 1 (see ``read_trimap``)."""
    values = np.round(matte * 255.0)
    greys = np.unique(values[(values != 0) & (values != 255)])
    if greys.size > 1:
        levels = ", ".join(str(int(v)) for v in greys[:6])
        raise InvalidInputError(
            f"{shown}: a trimap may only hold 0 (background), one grey level (unknown, usually 128) and 255 "
            f"(foreground); found the grey levels {levels}{', …' if greys.size > 6 else ''}"
        )
    trimap = np.where(values == 255, 1.0, np.where(values == 0, 0.0, 0.5)).astype(np.float32)
    return check_trimap("trimap", trimap)


def write_image(
    path: str | os.PathLike[str], array: np.ndarray, *, bit_depth: int = 8, quality: int = 95
) -> None:
    """Write float32 RGB (H, W, 3), RGBA (H, W, 4) or grey (H, W) in [0, 1], atomically.

    The format follows the extension. ``bit_depth`` 16 is honoured for PNG and TIFF; JPEG, WebP and BMP
    are always 8-bit. ``quality`` (1–100) applies to JPEG and WebP.
    """
    target = Path(path)
    extension = target.suffix.lower()
    if extension not in WRITE_EXTENSIONS:
        raise InvalidInputError(f"{target}: unsupported output format {extension or '(none)'}")
    if bit_depth not in (8, 16):
        raise InvalidInputError(f"bit depth must be 8 or 16, got {bit_depth}")
    depth = bit_depth if extension in _SIXTEEN_BIT_FORMATS else 8
    params = _encode_params(extension, quality)
    ok, encoded = cv2.imencode(extension, _to_cv_layout(_quantise(array, depth)), params)
    if not ok:
        raise InvalidInputError(f"{target}: could not encode the image as {extension}")
    # A view of the encoded buffer, not a copy: a 24 MP PNG is ~50–100 MB.
    write_atomically(target, encoded.data)


def _decode(path: Path, limits: ImageLimits, allow_damaged: bool) -> tuple[np.ndarray, int, str]:
    """The decoded samples (OpenCV's layout, uint8 or uint16), the EXIF orientation and any damage."""
    source = read_source(path, limits)
    with decoder_messages() as report:
        image = cv2.imdecode(np.frombuffer(source.data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise InvalidInputError(f"{path}: not an image or a corrupt one (cannot decode)")
    header = source.header
    if image.shape[:2] != (header.height, header.width):
        raise InvalidInputError(
            f"{path}: the file is corrupt (its header says {header.width} x {header.height} pixels, "
            f"its data {image.shape[1]} x {image.shape[0]})"
        )
    if image.dtype not in (np.uint8, np.uint16):
        raise InvalidInputError(f"{path}: unsupported sample type {image.dtype}")
    if report.damage and not allow_damaged:
        raise InvalidInputError(
            f"{path}: the file is damaged ({report.summary}); parts of the photo would be missing "
            "(the command line's --allow-damaged reads it anyway)"
        )
    return image, header.orientation, report.summary


def _apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    # EXIF orientations 2–8: mirror and/or rotate so that the stored pixels appear upright.
    operations = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1, :],
    }
    operation = operations.get(orientation)
    return np.ascontiguousarray(operation(image)) if operation else image


def _to_float(raw: np.ndarray) -> np.ndarray:
    scale = 65535.0 if raw.dtype == np.uint16 else 255.0
    return raw.astype(np.float32) / np.float32(scale)


def _quantise(array: np.ndarray, depth: int) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.ndim not in (2, 3) or array.size == 0:
        raise InvalidInputError("an image to write must be a non-empty (H, W), (H, W, 3) or (H, W, 4) array")
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        raise InvalidInputError(f"an image to write must have 3 or 4 channels, got {array.shape[2]}")
    peak = 65535.0 if depth == 16 else 255.0
    scaled = np.clip(np.asarray(array, np.float32), 0.0, 1.0) * np.float32(peak) + np.float32(0.5)
    return scaled.astype(np.uint16 if depth == 16 else np.uint8)


def _to_cv_layout(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        return array
    if array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    return cv2.cvtColor(array, cv2.COLOR_RGB2BGR)


def _encode_params(extension: str, quality: int) -> list[int]:
    quality = int(min(max(quality, 1), 100))
    if extension in (".jpg", ".jpeg"):
        return [cv2.IMWRITE_JPEG_QUALITY, quality]
    if extension == ".webp":
        return [cv2.IMWRITE_WEBP_QUALITY, quality]
    return []
