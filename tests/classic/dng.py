"""A small real DNG written by the tests: a Bayer (RGGB) mosaic with the tags LibRaw needs.

The camera's colour matrix is sRGB's XYZ → linear RGB matrix, so the camera's raw values are linear
sRGB and a scene's colours can be checked after LibRaw's demosaicing.
"""

from __future__ import annotations

import io

import numpy as np
import tifffile

# XYZ (D65) → linear sRGB, the DNG ColorMatrix1 of a camera whose channels are sRGB's.
_XYZ_TO_SRGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])


def _rationals(values: np.ndarray, denominator: int = 10000) -> tuple[int, ...]:
    return tuple(int(v) for value in values.ravel() for v in (round(float(value) * denominator), denominator))


def dng_bytes(
    linear_rgb: np.ndarray, *, orientation: int = 1, make: str = "Test", model: str = "Mosaic"
) -> bytes:
    """A DNG of ``linear_rgb`` (H, W, 3) in [0, 1], H and W even, mosaicked RGGB, 16-bit, stored as is."""
    height, width = linear_rgb.shape[:2]
    mosaic = np.empty((height, width), np.float64)
    mosaic[0::2, 0::2] = linear_rgb[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = linear_rgb[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = linear_rgb[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = linear_rgb[1::2, 1::2, 2]
    raw = np.round(np.clip(mosaic, 0, 1) * 65535).astype(np.uint16)
    tags = [
        (274, "H", 1, orientation, True),
        (271, "s", 0, make, True),
        (272, "s", 0, model, True),
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: R G / G B
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50708, "s", 0, f"{make} {model}", True),  # UniqueCameraModel
        (50714, "H", 1, 0, True),  # BlackLevel
        (50717, "I", 1, 65535, True),  # WhiteLevel
        (50721, 10, 9, _rationals(_XYZ_TO_SRGB), True),  # ColorMatrix1 (SRATIONAL)
        (50728, 5, 3, _rationals(np.ones(3)), True),  # AsShotNeutral (RATIONAL)
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    ]
    stream = io.BytesIO()
    tifffile.imwrite(stream, raw, photometric=32803, extratags=tags, software=None, metadata=None)
    return stream.getvalue()
