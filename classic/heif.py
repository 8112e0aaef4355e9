"""HEIC / HEIF photos (iPhones and many Android phones) through libheif (the ``pillow-heif`` wheel).

The library is imported only when a HEIF file is read, so start-up does not pay for it. libheif
applies the container's rotation and mirror (``irot`` / ``imir``) itself, so the size it reports is the
upright one and the EXIF orientation, which only repeats those transforms, is not applied again. The
colours are described by an embedded ICC profile or by ``nclx`` code points (``classic.nclx_profile``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from classic.checks import InvalidInputError
from classic.header import Header
from classic.nclx_profile import nclx_profile

_ERRORS = (ValueError, RuntimeError, OSError, EOFError, SyntaxError, KeyError, IndexError, TypeError)


def _open(data: bytes, shown: Path) -> Any:
    try:
        import pillow_heif
    except ImportError:
        raise InvalidInputError(
            f"{shown}: HEIC/HEIF photos need the pillow-heif package (pip install pillow-heif)"
        ) from None
    try:
        return pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=False)
    except _ERRORS as error:
        raise InvalidInputError(f"{shown}: not a HEIF image or a damaged one ({_words(error)})") from None


def heif_header(data: bytes, shown: Path) -> Header:
    """Size (upright), ICC profile, EXIF and XMP of the primary image; no pixel is decoded."""
    heif = _open(data, shown)
    width, height = heif.size
    info = heif.info
    # An embedded profile wins; else the nclx code points (Display P3 on many phones) make one.
    icc = info.get("icc_profile") or nclx_profile(info.get("nclx_profile"))
    return Header(width, height, "HEIF", 1, icc or None, info.get("exif") or None, info.get("xmp") or None)


def decode_heif(data: bytes, shown: Path) -> np.ndarray:
    """The primary image as uint8 or uint16 RGB(A) (H, W, 3|4), upright; 10- and 12-bit come as uint16."""
    heif = _open(data, shown)
    try:
        samples = np.asarray(heif)
    except _ERRORS as error:
        raise InvalidInputError(
            f"{shown}: the HEIF image is damaged or truncated ({_words(error)})"
        ) from None
    if samples.dtype not in (np.uint8, np.uint16) or samples.ndim != 3 or samples.shape[2] not in (3, 4):
        raise InvalidInputError(f"{shown}: unsupported HEIF sample layout {samples.shape} {samples.dtype}")
    bits = heif.info.get("bit_depth", 8)
    if samples.dtype == np.uint16 and isinstance(bits, int) and 8 < bits < 16:
        samples = _full_range(samples, bits)
    return samples


def _full_range(samples: np.ndarray, bits: int) -> np.ndarray:
    # pillow-heif shifts 10- and 12-bit samples left into 16 bits, so white is 65472, not 65535 (0.1 %
    # darker): spread them over the whole range, v · 65535 / (2^bits − 1), band by band.
    peak = (1 << bits) - 1
    shift = 16 - bits
    out = np.empty_like(samples)
    for top in range(0, samples.shape[0], 256):
        band = (samples[top : top + 256] >> shift).astype(np.uint32)
        out[top : top + 256] = (band * 65535 + peak // 2) // peak
    return out


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
