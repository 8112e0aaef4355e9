"""Reading and writing photos, masks and trimaps as interchange arrays.

Decoding goes through OpenCV (JPEG, PNG 8/16-bit, TIFF 8/16-bit, WebP, BMP; grey, palette and CMYK are
converted to RGB by the decoder); the EXIF orientation is read with Pillow and applied here because
OpenCV ignores it when asked for the unchanged bit depth. Every write is atomic: the encoded bytes go to a
temporary file in the destination folder, which is then renamed over the target.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from classic.checks import InvalidInputError, check_trimap

READ_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
WRITE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
_EXIF_ORIENTATION = 0x0112
_SIXTEEN_BIT_FORMATS = (".png", ".tif", ".tiff")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class LoadedImage:
    """A decoded photo: ``rgb`` float32 (H, W, 3) in [0, 1], ``alpha`` float32 (H, W) or None."""

    rgb: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int


def read_image(path: str | os.PathLike[str]) -> LoadedImage:
    """Read a photo, apply its EXIF orientation and return it as float32 RGB (plus alpha if any)."""
    raw = _decode(Path(path))
    raw = _apply_orientation(raw, _exif_orientation(Path(path)))
    bit_depth = 16 if raw.dtype == np.uint16 else 8
    values = _to_float(raw)
    if values.ndim == 2:
        return LoadedImage(np.repeat(values[:, :, None], 3, axis=2), None, bit_depth)
    channels = values.shape[2]
    if channels == 1:
        return LoadedImage(np.repeat(values, 3, axis=2), None, bit_depth)
    rgb = np.ascontiguousarray(values[:, :, 2::-1])
    alpha = np.ascontiguousarray(values[:, :, 3]) if channels == 4 else None
    return LoadedImage(rgb, alpha, bit_depth)


def read_matte(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a mask or alpha as float32 (H, W) in [0, 1] (colour files are converted to grey)."""
    loaded = read_image(path)
    rgb = loaded.rgb
    if np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 0], rgb[:, :, 2]):
        return np.ascontiguousarray(rgb[:, :, 0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def read_trimap(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a trimap file as float32 0 / 0.5 / 1.

    Black is background and white foreground; the unknown region is one grey level (128 by convention;
    some tools use another single grey, such as pymatting's 102). Any further grey level is an error.
    """
    values = np.round(read_matte(path) * 255.0)
    greys = np.unique(values[(values != 0) & (values != 255)])
    if greys.size > 1:
        shown = ", ".join(str(int(v)) for v in greys[:6])
        raise InvalidInputError(
            f"{path}: a trimap may only hold 0 (background), one grey level (unknown, usually 128) and 255 "
            f"(foreground); found the grey levels {shown}{', …' if greys.size > 6 else ''}"
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
    _write_atomically(target, encoded.data)


def _decode(path: Path) -> np.ndarray:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{path}: is a folder, not an image") from None
    except OSError as error:
        raise InvalidInputError(f"{path}: cannot read ({error.strerror})") from None
    if not data:
        raise InvalidInputError(f"{path}: the file is empty")
    if _is_truncated(data):
        raise InvalidInputError(f"{path}: the file is truncated or corrupt")
    if data[:8] == _PNG_SIGNATURE and not _png_checksums_ok(data):
        raise InvalidInputError(f"{path}: the file is corrupt (a PNG checksum does not match)")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise InvalidInputError(f"{path}: not an image or a corrupt one (cannot decode)")
    if image.dtype not in (np.uint8, np.uint16):
        raise InvalidInputError(f"{path}: unsupported sample type {image.dtype}")
    return image


def _is_truncated(data: bytes) -> bool:
    # Decoders may print to stderr, or (older OpenCV) return a partly grey image, for a cut file; walk
    # the container instead. Data appended after the end (e.g. a motion photo's video) is allowed.
    if data[:3] == b"\xff\xd8\xff":
        return not _jpeg_complete(data)
    if data[:8] == _PNG_SIGNATURE:
        return not _png_complete(data)
    return False


def _png_checksums_ok(data: bytes) -> bool:
    # libpng reports a damaged chunk on stderr before OpenCV returns; Pillow checks every chunk's CRC
    # without decoding, so damage is caught first and reported as one clear error.
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        return False
    return True


def _jpeg_complete(data: bytes) -> bool:
    # Skip the marker segments (APPn, DQT, SOF, DHT…) to the first start-of-scan; the end-of-image
    # marker must follow the scan. An EXIF thumbnail's own end marker lies before it and does not count.
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:
            return data.find(b"\xff\xd9", position + 2 + length) != -1
        position += 2 + length
    return False


def _png_complete(data: bytes) -> bool:
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        end = position + 12 + length
        if end > len(data):
            return False
        if data[position + 4 : position + 8] == b"IEND":
            return True
        position = end
    return False


def _exif_orientation(path: Path) -> int:
    try:
        with Image.open(path) as image:
            return int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return 1


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


def _write_atomically(target: Path, data: bytes | memoryview) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise InvalidInputError(f"{target}: cannot write ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInputError(f"{target}: cannot write ({error.strerror})") from None
