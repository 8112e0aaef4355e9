"""Camera RAW files (CR2, CR3, NEF, ARW, RAF, ORF, RW2, DNG…) through LibRaw (the ``rawpy`` wheel).

LibRaw parses the file and reports the output size before anything is demosaiced, so the image limits
apply first. Demosaicing uses the camera's white balance as shot, writes 16-bit sRGB (the sRGB tone
curve: gamma 2.4 with a linear toe of slope 12.92) and turns the image upright from the file's own
orientation. The library is imported only when a RAW file is read.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from classic.checks import InvalidInputError
from classic.header import Header

_PARSE_ERRORS = (SyntaxError, IndexError, TypeError, ValueError, OSError, EOFError, KeyError)


def _rawpy() -> Any:
    try:
        import rawpy
    except ImportError:
        raise InvalidInputError("camera RAW files need the rawpy package (pip install rawpy)") from None
    return rawpy


def _open(data: bytes, shown: Path) -> Any:
    rawpy = _rawpy()
    try:
        return rawpy.imread(io.BytesIO(data))
    except (rawpy.LibRawError, *_PARSE_ERRORS) as error:
        raise InvalidInputError(_refusal(shown, error)) from None


def raw_header(data: bytes, shown: Path) -> Header:
    """The demosaiced image's upright size and the file's EXIF block; nothing is demosaiced."""
    with _open(data, shown) as raw:
        sizes = raw.sizes
        width, height = int(sizes.width), int(sizes.height)
        if int(sizes.flip) in (5, 6):  # LibRaw's codes for a quarter turn
            width, height = height, width
    return Header(width, height, "RAW", 1, None, _tiff_exif(data), None)


def decode_raw(data: bytes, shown: Path) -> np.ndarray:
    """uint16 sRGB (H, W, 3), upright, white-balanced as shot."""
    rawpy = _rawpy()
    with _open(data, shown) as raw:
        try:
            return np.asarray(
                raw.postprocess(
                    use_camera_wb=True,
                    output_bps=16,
                    output_color=rawpy.ColorSpace.sRGB,
                    gamma=(2.4, 12.92),
                )
            )
        except (rawpy.LibRawError, *_PARSE_ERRORS) as error:
            raise InvalidInputError(_refusal(shown, error)) from None


def _refusal(shown: Path, error: BaseException) -> str:
    words = " ".join(str(error).split()) or type(error).__name__
    return (
        f"{shown}: LibRaw cannot read this camera RAW file (an unsupported camera or a damaged file: {words})"
    )


def _tiff_exif(data: bytes) -> bytes | None:
    # CR2, NEF, ARW, DNG, PEF… are TIFF inside: their first directory holds the camera's make and model
    # and points to the EXIF directory (exposure, lens, date). Other kinds keep no EXIF here.
    if data[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    exif = Image.Exif()
    try:
        exif.load(data)
        return exif.tobytes() if len(exif) else None
    except (*_PARSE_ERRORS, KeyError):
        return None
