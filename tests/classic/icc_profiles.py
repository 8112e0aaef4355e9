"""Wide-gamut ICC profiles written by the tests, and an independent decoder of their colours.

``matrix_profile`` writes an ICC v2 matrix/TRC display profile (the structure of Adobe RGB (1998) and
Display P3 profiles) byte by byte; ``to_lab`` decodes RGB numbers of such a profile to CIELAB (D50)
with numpy alone, so the tests' judge of colour shares no code with LittleCMS or the program.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

_D50 = np.array([0.9642, 1.0, 0.8249])


@dataclass(frozen=True)
class MatrixProfile:
    """Colorants (columns: the XYZ D50 of red, green, blue) and a tone curve."""

    name: str
    colorants: np.ndarray  # (3, 3): rows X, Y, Z; columns R, G, B
    gamma: float | None  # a pure power law, or None for the sRGB curve

    def linear(self, encoded: np.ndarray) -> np.ndarray:
        v = np.clip(np.asarray(encoded, np.float64), 0.0, 1.0)
        if self.gamma is not None:
            return v**self.gamma
        return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)

    def encode(self, linear: np.ndarray) -> np.ndarray:
        v = np.clip(np.asarray(linear, np.float64), 0.0, 1.0)
        if self.gamma is not None:
            return v ** (1.0 / self.gamma)
        return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)

    def to_xyz(self, encoded: np.ndarray) -> np.ndarray:
        return self.linear(encoded) @ self.colorants.T

    def from_xyz(self, xyz: np.ndarray) -> np.ndarray:
        return self.encode(np.asarray(xyz) @ np.linalg.inv(self.colorants).T)


# Colorants adapted to D50 (Bradford), as in Adobe's and Apple's profiles and LittleCMS's sRGB.
ADOBE_RGB = MatrixProfile(
    "Test Adobe RGB (1998) compatible",
    np.array([[0.60974, 0.20528, 0.14919], [0.31111, 0.62567, 0.06322], [0.01947, 0.06087, 0.74457]]),
    563 / 256,
)
DISPLAY_P3 = MatrixProfile(
    "Test Display P3",
    np.array([[0.51512, 0.29198, 0.15710], [0.24120, 0.69225, 0.06657], [-0.00105, 0.04189, 0.78407]]),
    None,
)
SRGB = MatrixProfile(
    "sRGB",
    np.array([[0.43607, 0.38515, 0.14307], [0.22249, 0.71687, 0.06061], [0.01392, 0.09708, 0.71393]]),
    None,
)


def to_lab(xyz: np.ndarray) -> np.ndarray:
    """CIELAB relative to D50."""
    t = np.asarray(xyz) / _D50
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def matrix_profile(profile: MatrixProfile) -> bytes:
    """ICC v2 display profile bytes: desc, cprt, wtpt, rXYZ/gXYZ/bXYZ and rTRC/gTRC/bTRC."""
    if profile.gamma is not None:
        curve = b"curv" + bytes(4) + struct.pack(">IH", 1, round(profile.gamma * 256)) + bytes(2)
    else:
        ramp = profile.linear(np.linspace(0, 1, 1024))
        samples = np.round(ramp * 65535).astype(">u2")
        curve = b"curv" + bytes(4) + struct.pack(">I", samples.size) + samples.tobytes()
    name = profile.name.encode("ascii")
    tags = [
        (
            b"desc",
            b"desc" + bytes(4) + struct.pack(">I", len(name) + 1) + name + b"\0" + bytes(12) + bytes(67),
        ),
        (b"cprt", b"text" + bytes(4) + b"No copyright, test data\0"),
        (b"wtpt", _xyz(_D50)),
        (b"rXYZ", _xyz(profile.colorants[:, 0])),
        (b"gXYZ", _xyz(profile.colorants[:, 1])),
        (b"bXYZ", _xyz(profile.colorants[:, 2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, body = [struct.pack(">I", len(tags))], b""
    for signature, data in tags:
        table.append(signature + struct.pack(">II", offset + len(body), len(data)))
        body += data + bytes(-len(data) % 4)
    size = 128 + table_size + len(body)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(4)
        + bytes(4)
        + bytes(8)
        + bytes(8)
        + bytes(4)
        + _s15(_D50)
        + bytes(4)
        + bytes(44)
    )
    assert len(header) == 128
    return header + b"".join(table) + body


def _s15(values: np.ndarray) -> bytes:
    return b"".join(struct.pack(">i", round(float(v) * 65536)) for v in values)


def _xyz(values: np.ndarray) -> bytes:
    return b"XYZ " + bytes(4) + _s15(values)
