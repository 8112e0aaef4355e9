"""An ICC profile for a HEIF or AVIF photo that states its colours as CICP code points (an ``nclx`` box:
primaries, transfer curve) instead of embedding a profile, as many Android phones and AVIF encoders do.

The code points of ITU-T H.273 that photos use are turned into an ICC v2 matrix/TRC display profile:
the primaries' chromaticities give the RGB → XYZ matrix (white D65), adapted to the D50 connection space
with the Bradford transform, and the transfer curve becomes an ICC parametric curve. sRGB itself
(BT.709 primaries, sRGB curve) and what is not described here (HDR curves: PQ, HLG) give None: the
photo is taken as sRGB.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import numpy as np

_D50 = np.array([0.9642, 1.0, 0.8249])
_D65_XY = (0.3127, 0.3290)
# colour_primaries → (name, red, green, blue chromaticities)
_PRIMARIES = {
    1: ("BT.709", (0.640, 0.330), (0.300, 0.600), (0.150, 0.060)),
    9: ("BT.2020", (0.708, 0.292), (0.170, 0.797), (0.131, 0.046)),
    12: ("Display P3", (0.680, 0.320), (0.265, 0.690), (0.150, 0.060)),
}
# transfer_characteristics → (name, ICC parametric curve type 3: g, a, b, c, d)
_SRGB_CURVE = ("sRGB", (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
_BT709_CURVE = ("BT.709", (1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081))
_TRANSFERS = {13: _SRGB_CURVE, 1: _BT709_CURVE, 6: _BT709_CURVE, 14: _BT709_CURVE, 15: _BT709_CURVE}
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def nclx_profile(nclx: Mapping[str, object] | None) -> bytes | None:
    """ICC bytes for the code points in ``nclx`` (pillow-heif's ``nclx_profile`` mapping), or None."""
    if not nclx:
        return None
    primaries, transfer = nclx.get("color_primaries"), nclx.get("transfer_characteristics")
    if primaries not in _PRIMARIES or transfer not in _TRANSFERS or (primaries, transfer) == (1, 13):
        return None
    name, *colours = _PRIMARIES[primaries]
    curve_name, curve = _TRANSFERS[transfer]
    return matrix_trc_profile(f"{name} primaries, {curve_name} curve (from nclx)", colours, curve)


def _xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def _colorants(colours: list[tuple[float, float]]) -> np.ndarray:
    """RGB → XYZ (D50) with the primaries ``colours`` and white D65, Bradford-adapted (columns R, G, B)."""
    primaries = np.stack([_xyz(xy) for xy in colours], axis=1)
    white = _xyz(_D65_XY)
    to_d65 = primaries * np.linalg.solve(primaries, white)  # scale so that R = G = B = 1 is the white
    cone = _BRADFORD @ _D50 / (_BRADFORD @ white)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(cone) @ _BRADFORD
    return adapt @ to_d65


def matrix_trc_profile(
    description: str, colours: list[tuple[float, float]], curve: tuple[float, float, float, float, float]
) -> bytes:
    """An ICC v2 display profile: desc, wtpt, rXYZ/gXYZ/bXYZ and one parametric curve (type 3) for
    rTRC/gTRC/bTRC, which LittleCMS and ``classic.colour_profile`` both read."""
    colorants = _colorants(colours)
    para = b"para" + bytes(4) + struct.pack(">H", 3) + bytes(2) + _s15(np.array(curve))
    text = description.encode("ascii", "replace")
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text) + 1) + text + b"\0" + bytes(12) + bytes(67)
    tags = [
        (b"desc", desc),
        (b"wtpt", b"XYZ " + bytes(4) + _s15(_D50)),
        *(
            (name, b"XYZ " + bytes(4) + _s15(colorants[:, k]))
            for k, name in enumerate((b"rXYZ", b"gXYZ", b"bXYZ"))
        ),
        (b"rTRC", para),
        (b"gTRC", para),
        (b"bTRC", para),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = [struct.pack(">I", len(tags))], b""
    for signature, data in tags:
        table.append(signature + struct.pack(">II", offset + len(body), len(data)))
        body += data + bytes(-len(data) % 4)
    size = offset + len(body)
    header = (
        struct.pack(">I", size) + bytes(4) + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
        + bytes(12) + b"acsp" + bytes(24) + bytes(4) + _s15(_D50) + bytes(48)
    )  # fmt: skip
    return header + b"".join(table) + body


def _s15(values: np.ndarray) -> bytes:
    return b"".join(struct.pack(">i", round(float(v) * 65536)) for v in values)
