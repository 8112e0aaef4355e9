"""ICC colour management through LittleCMS (Pillow's ``ImageCms``): photos are worked on in sRGB.

A photo's embedded profile says what its numbers mean. On load, ``to_srgb`` converts them to sRGB, the
one working space of the program (an untagged file is sRGB already); the source profile is kept with the
document so that an export can convert back (``from_srgb``) and embed it. A profile that describes sRGB
(within one 8-bit level on a 9³ probe of the cube) is treated as sRGB: nothing is converted.

Pillow's LittleCMS binding transforms 8-bit samples only, and rounds its results to 8 bits: three such
roundings in a load → export round trip cost about one ΔE00 by themselves. So the profiles photos
carry in practice, matrix/TRC profiles (Adobe RGB, Display P3, ProPhoto, sRGB look-alikes: three
colorants and three tone curves, no lookup tables), are evaluated here in floating point from their
tags, exactly as LittleCMS evaluates them: tone curve, 3 × 3 matrix to the D50 connection space, the
inverse of the other side. Profiles with lookup tables go through LittleCMS: 8-bit photos directly,
16-bit photos and float exports interpolated trilinearly between the transform's values at the eight
surrounding nodes of the 8-bit lattice, so a smooth 16-bit gradient stays smooth instead of collapsing
to 8-bit steps (the nodes themselves carry LittleCMS's 8-bit rounding, ±0.5/255).

The rendering intent is relative colorimetric: colours outside sRGB's gamut are clipped to its edge,
colours inside it are kept exactly, which is what a patch round trip measures. Masks and alphas are
never colour-converted: they are not colours.
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms

from classic.checks import InvalidInputError

_INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
_BAND_PIXELS = 1 << 20  # float transforms run in bands of about a megapixel to bound memory
SRGB_NAME = "sRGB"


@dataclass(frozen=True)
class ColourProfile:
    """An ICC profile's bytes and its description (``"Adobe RGB (1998)"``, ``"Display P3"``…)."""

    icc: bytes
    name: str

    def __repr__(self) -> str:
        return f"ColourProfile({self.name!r}, {len(self.icc)} bytes)"


@functools.cache
def srgb_profile() -> ColourProfile:
    """LittleCMS's built-in sRGB profile (IEC 61966-2.1), embedded in exports by default."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return ColourProfile(profile.tobytes(), SRGB_NAME)


def read_profile(icc: bytes | None, shown: object) -> ColourProfile | None:
    """The embedded profile ``icc`` of the file ``shown``, or None when the pixels are sRGB already.

    None for no profile, a profile of another colour space than RGB (grey or CMYK: OpenCV has already
    turned the samples into RGB numbers, which are then taken as sRGB) and a profile equivalent to sRGB.
    ``InvalidInputError`` when LittleCMS rejects the profile: converting with a damaged profile would
    show wrong colours without a word.
    """
    if not icc:
        return None
    profile = _parse(icc, shown)
    if profile.profile.xcolor_space.strip() != "RGB":
        return None
    name = (ImageCms.getProfileDescription(profile) or "").strip() or "unnamed ICC profile"
    try:
        to_working = _transform(bytes(icc), True)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as error:
        raise InvalidInputError(
            f"{shown}: its embedded colour profile ({name}) cannot be used by LittleCMS ({error})"
        ) from None
    probe = np.stack(
        np.meshgrid(*[np.linspace(0, 255, 9).round().astype(np.uint8)] * 3, indexing="ij"), axis=-1
    ).reshape(27, 27, 3)
    mapped = _apply8(probe, to_working)
    if np.abs(mapped.astype(np.int16) - probe.astype(np.int16)).max() <= 1:
        return None
    return ColourProfile(bytes(icc), name)


def to_srgb(samples: np.ndarray, profile: ColourProfile) -> np.ndarray:
    """uint8 or uint16 RGB (H, W, 3) in ``profile`` → float32 sRGB (H, W, 3) in [0, 1]."""
    peak = np.float32(255.0 if samples.dtype == np.uint8 else 65535.0)
    source, srgb = _matrix_shaper(profile.icc), _matrix_shaper(srgb_profile().icc)
    if source is not None and srgb is not None:
        return _convert_float(samples, source, srgb)
    transform = _transform(profile.icc, True)
    if samples.dtype == np.uint8:
        return _apply8(samples, transform).astype(np.float32) / peak
    return _apply_float(samples.astype(np.float32) / peak, transform)


def from_srgb(rgb: np.ndarray, profile: ColourProfile) -> np.ndarray:
    """float32 sRGB (H, W, 3) in [0, 1] → float32 (H, W, 3) in [0, 1], encoded in ``profile``."""
    target, srgb = _matrix_shaper(profile.icc), _matrix_shaper(srgb_profile().icc)
    if target is not None and srgb is not None:
        return _convert_float(np.asarray(rgb, np.float32), srgb, target)
    return _apply_float(rgb, _transform(profile.icc, False))


@dataclass(frozen=True)
class _MatrixShaper:
    """A matrix/TRC profile: ``curves`` maps each encoded channel, sampled at ``_GRID``, to linear light;
    ``matrix`` (rows X, Y, Z; columns R, G, B) takes linear RGB to XYZ (D50)."""

    curves: np.ndarray  # (3, len(_GRID)), non-decreasing
    matrix: np.ndarray

    def linear(self, encoded: np.ndarray, channel: int) -> np.ndarray:
        """Encoded samples (uint8, uint16, or float in [0, 1]) → linear light, float32, by table."""
        if encoded.dtype in (np.uint8, np.uint16):
            return self._decode_table(encoded.dtype.itemsize, channel)[encoded]
        index = (np.clip(encoded, 0.0, 1.0) * np.float32(_STEPS) + np.float32(0.5)).astype(np.int32)
        return self._decode_table(2, channel)[index]

    def encode(self, linear: np.ndarray, channel: int) -> np.ndarray:
        """Linear light in [0, 1] → encoded, float32. The table is indexed by √linear: power-law curves
        are steepest near black, where √ spreads the entries out (the error stays below 1/20000)."""
        root = np.sqrt(np.clip(linear, 0.0, 1.0))
        index = (root * np.float32(_STEPS) + np.float32(0.5)).astype(np.int32)
        return self._encode_table(channel)[index]

    @functools.cached_property
    def _decode_tables(self) -> dict[tuple[int, int], np.ndarray]:
        return {}

    def _decode_table(self, itemsize: int, channel: int) -> np.ndarray:
        key = (itemsize, channel)
        if key not in self._decode_tables:
            peak = 255 if itemsize == 1 else _STEPS
            levels = np.arange(peak + 1) / peak
            self._decode_tables[key] = np.interp(levels, _GRID, self.curves[channel]).astype(np.float32)
        return self._decode_tables[key]

    @functools.cached_property
    def _encode_tables(self) -> list[np.ndarray]:
        squares = np.linspace(0.0, 1.0, _STEPS + 1) ** 2
        return [np.interp(squares, curve, _GRID).astype(np.float32) for curve in self.curves]

    def _encode_table(self, channel: int) -> np.ndarray:
        return self._encode_tables[channel]


_GRID = np.linspace(0.0, 1.0, 4097)
_STEPS = 65535
_LUT_TAGS = (b"A2B0", b"A2B1", b"A2B2", b"B2A0", b"B2A1", b"B2A2")


@functools.lru_cache(maxsize=16)
def _matrix_shaper(icc: bytes) -> _MatrixShaper | None:
    """The profile's colorants and tone curves, or None for a profile with lookup tables (or tags this
    reader does not know), which LittleCMS then converts."""
    try:
        tags = _tag_table(icc)
        if any(tag in tags for tag in _LUT_TAGS):
            return None
        matrix = np.array([_xyz_tag(tags[name]) for name in (b"rXYZ", b"gXYZ", b"bXYZ")]).T
        curves = np.array([_curve(tags[name]) for name in (b"rTRC", b"gTRC", b"bTRC")])
    except (KeyError, ValueError, IndexError, struct.error):
        return None
    if not (np.all(np.isfinite(curves)) and abs(np.linalg.det(matrix)) > 1e-6):
        return None
    return _MatrixShaper(np.maximum.accumulate(curves, axis=1), matrix)


def _tag_table(icc: bytes) -> dict[bytes, bytes]:
    (count,) = struct.unpack_from(">I", icc, 128)
    tags = {}
    for index in range(min(count, 200)):
        signature, offset, size = struct.unpack_from(">4sII", icc, 132 + 12 * index)
        if offset + size > len(icc):
            raise ValueError("a tag lies past the end of the profile")
        tags[signature] = icc[offset : offset + size]
    return tags


def _xyz_tag(data: bytes) -> list[float]:
    if data[:4] != b"XYZ ":
        raise ValueError("not an XYZ tag")
    return [value / 65536.0 for value in struct.unpack_from(">3i", data, 8)]


def _curve(data: bytes) -> np.ndarray:
    """A ``curv`` (identity, gamma or sampled) or ``para`` (ICC parametric types 0–4) tag at ``_GRID``."""
    x = _GRID
    if data[:4] == b"curv":
        (count,) = struct.unpack_from(">I", data, 8)
        if count == 0:
            return x.copy()
        if count == 1:
            return x ** (struct.unpack_from(">H", data, 12)[0] / 256.0)
        table = np.frombuffer(data, ">u2", count, 12).astype(np.float64) / 65535.0
        return np.interp(x, np.linspace(0.0, 1.0, count), table)
    if data[:4] == b"para":
        (kind,) = struct.unpack_from(">H", data, 8)
        counts = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}
        g, a, b, c, d, e, f = [
            *(v / 65536.0 for v in struct.unpack_from(f">{counts[kind]}i", data, 12)),
            0,
            0,
            0,
            0,
            0,
            0,
        ][:7]
        if kind == 0:
            return x**g
        if kind == 1:
            return np.where(x >= -b / a, np.maximum(a * x + b, 0.0) ** g, 0.0)
        if kind == 2:
            return np.where(x >= -b / a, np.maximum(a * x + b, 0.0) ** g + c, c)
        if kind == 3:
            return np.where(x >= d, np.maximum(a * x + b, 0.0) ** g, c * x)
        return np.where(x >= d, np.maximum(a * x + b, 0.0) ** g + e, c * x + f)
    raise ValueError("an unknown curve type")


def _convert_float(samples: np.ndarray, source: _MatrixShaper, target: _MatrixShaper) -> np.ndarray:
    """Matrix/TRC to matrix/TRC in float32: linearise, through XYZ (D50), clip to the target's gamut,
    encode. Relative colorimetric: both matrices are already adapted to the connection space's D50."""
    height, width = samples.shape[:2]
    combined = (np.linalg.inv(target.matrix) @ source.matrix).astype(np.float32)
    out = np.empty((height, width, 3), np.float32)
    rows = max(1, _BAND_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        band = samples[top : top + rows, :, :3]
        linear = np.empty(band.shape, np.float32)
        for k in range(3):
            linear[:, :, k] = source.linear(band[:, :, k], k)
        mixed = cv2.transform(linear, combined)  # the 3 × 3 matrix on every pixel
        for k in range(3):
            out[top : top + rows, :, k] = target.encode(mixed[:, :, k], k)
    return out


def _parse(icc: bytes, shown: object) -> ImageCms.ImageCmsProfile:
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as error:
        raise InvalidInputError(
            f"{shown}: its embedded colour profile is damaged; LittleCMS rejects it ({error})"
        ) from None


@functools.lru_cache(maxsize=16)
def _transform(icc: bytes, to_working: bool) -> ImageCms.ImageCmsTransform:
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    srgb = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile().icc))
    ends = (source, srgb) if to_working else (srgb, source)
    return ImageCms.buildTransform(*ends, "RGB", "RGB", renderingIntent=_INTENT)


def _apply8(samples: np.ndarray, transform: ImageCms.ImageCmsTransform) -> np.ndarray:
    image = Image.fromarray(np.ascontiguousarray(samples), "RGB")
    return np.asarray(transform.apply(image))


def _apply_float(rgb: np.ndarray, transform: ImageCms.ImageCmsTransform) -> np.ndarray:
    # Trilinear interpolation on the 8-bit lattice: v = (lo + t) / 255 per channel, and the result is
    # the sum over the 8 corners c ∈ {0, 1}³ of f(lo + c) · Π (t if c else 1 − t).
    height, width = rgb.shape[:2]
    out = np.empty((height, width, 3), np.float32)
    rows = max(1, _BAND_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        band = np.clip(rgb[top : top + rows, :, :3], 0.0, 1.0) * np.float32(255.0)
        low = np.minimum(np.floor(band), 254.0)
        fraction = band - low
        low = low.astype(np.uint8)
        total = np.zeros(band.shape, np.float32)
        for corner in itertools.product((0, 1), repeat=3):
            weight = np.ones(band.shape[:2], np.float32)
            for channel, step in enumerate(corner):
                part = fraction[:, :, channel]
                weight *= part if step else 1.0 - part
            mapped = _apply8(low + np.array(corner, np.uint8), transform)
            total += weight[:, :, None] * mapped
        out[top : top + rows] = total / np.float32(255.0)
    return out


def describe(profile: ColourProfile | None) -> str:
    """The profile's name for messages: ``"sRGB"`` for None."""
    return SRGB_NAME if profile is None else profile.name


def profile_from_file(path: str | os.PathLike[str], shown: object) -> ColourProfile:
    """An ICC profile file (``--profile FILE.icc``), checked by LittleCMS; it must be an RGB profile."""
    from classic.image_source import read_regular_file

    icc = read_regular_file(Path(path), max_bytes=16 * 2**20, what="an ICC profile")
    profile = _parse(icc, shown)
    if profile.profile.xcolor_space.strip() != "RGB":
        raise InvalidInputError(
            f"{shown}: not an RGB colour profile ({profile.profile.xcolor_space.strip()})"
        )
    name = (ImageCms.getProfileDescription(profile) or "").strip() or "unnamed ICC profile"
    return ColourProfile(icc, name)
