"""A corpus of hostile and broken input files, made cheaply for the tests.

Decompression bombs are real files of each format whose header claims a huge size while the file stays
tiny: a reader that trusts the header and decodes would allocate gigabytes, one that checks the header
first refuses at once. The other entries are the damage a photographer's disk can hold (cut, corrupt,
empty, another kind of file) and paths that are not files at all (a folder, a FIFO, a device).

``make_corpus(folder)`` writes every entry and returns ``{name: path}``; ``DEGENERATE`` lists photos
that are valid but awkward (one pixel wide, flat), which commands must handle in seconds.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

Maker = Callable[[Path], Path]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(path: Path, width: int, height: int, *, colour_type: int = 2, rows: bytes = b"") -> Path:
    """A PNG with a valid IHDR for ``width`` × ``height`` (8-bit) and only ``rows`` of compressed data."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    data = rows or zlib.compress(b"\0" * 64)
    payload = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data)
    path.write_bytes(payload + _png_chunk(b"IEND", b""))
    return path


def png_real_bomb(path: Path, side: int = 13_000) -> Path:
    """A real grey PNG of ``side`` × ``side`` zero pixels: every row is there, compressed ~1000:1."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + samples
    parts = [compressor.compress(row * 256) for _ in range(side // 256)]
    parts.append(compressor.compress(row * (side % 256)))
    parts.append(compressor.flush())
    return png_claiming(path, side, side, colour_type=0, rows=b"".join(parts))


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """An 8×8 JPEG whose frame header (SOF0) is patched to claim ``width`` × ``height``."""
    ok, encoded = cv2.imencode(".jpg", np.full((8, 8, 3), 128, np.uint8))
    assert ok
    data = bytearray(encoded.tobytes())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


def bmp_claiming(path: Path, width: int, height: int) -> Path:
    """A 24-bit BMP header claiming ``width`` × ``height`` with 64 bytes of pixels."""
    pixels = b"\0" * 64
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    path.write_bytes(header + info + pixels)
    return path


def tiff_claiming(path: Path, width: int, height: int) -> Path:
    """A little-endian grey TIFF whose tags claim ``width`` × ``height``, with one 64-byte strip."""
    strip = b"\0" * 64
    entries = [  # tag, type (3 SHORT, 4 LONG), count, value
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (277, 3, 1, 1),
        (278, 4, 1, height),
        (279, 4, 1, len(strip)),
    ]
    ifd_offset = 8 + len(strip)
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 0)
    path.write_bytes(struct.pack("<2sHI", b"II", 42, ifd_offset) + strip + ifd)
    return path


def webp_claiming(path: Path, width: int, height: int) -> Path:
    """A lossless WebP of 8×8 pixels whose VP8L header is patched to claim ``width`` × ``height``."""
    ok, encoded = cv2.imencode(".webp", np.full((8, 8, 3), 128, np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 101])
    assert ok
    data = bytearray(encoded.tobytes())
    start = data.find(b"VP8L") + 8  # chunk tag, size, then the 0x2f signature and 14-bit sizes − 1
    assert data[start] == 0x2F
    bits = int.from_bytes(data[start + 1 : start + 5], "little")
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    data[start + 1 : start + 5] = bits.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def jpeg_damaged(path: Path) -> Path:
    """A JPEG whose scan is cut short but which still ends with an end-of-image marker: it decodes,
    the decoder reports "premature end of data segment" and fills the rest with grey."""
    rng = np.random.default_rng(0)
    ok, encoded = cv2.imencode(".jpg", rng.integers(0, 256, (64, 96, 3), dtype=np.uint8))
    assert ok
    data = encoded.tobytes()
    scan = data.find(b"\xff\xda")
    path.write_bytes(data[: scan + 600] + b"\xff\xd9")
    return path


def _good_png(size: tuple[int, int] = (32, 48)) -> bytes:
    ok, encoded = cv2.imencode(".png", np.full((*size, 3), 90, np.uint8))
    assert ok
    return encoded.tobytes()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _symlink_loop(path: Path) -> Path:
    path.symlink_to(path.name)
    return path


def _png_bad_crc(path: Path) -> Path:
    data = bytearray(_good_png())
    data[-20] ^= 0xFF  # inside the IDAT chunk, before the IEND chunk's 12 bytes
    return _write(path, bytes(data))


FAULTS: dict[str, tuple[str, Maker]] = {
    # name: (file name, maker)
    "png-bomb-header": ("png-bomb.png", lambda p: png_claiming(p, 13_000, 13_000)),
    "png-bomb-real": ("png-real-bomb.png", png_real_bomb),
    "png-zero-size": ("png-zero.png", lambda p: png_claiming(p, 0, 10)),
    "png-one-by-million": ("png-long.png", lambda p: png_claiming(p, 1_000_000, 1)),
    "jpeg-bomb": ("jpeg-bomb.jpg", lambda p: jpeg_claiming(p, 32_767, 32_767)),
    "bmp-wide": ("bmp-wide.bmp", lambda p: bmp_claiming(p, 60_000, 10)),
    "bmp-bomb": ("bmp-bomb.bmp", lambda p: bmp_claiming(p, 30_000, 30_000)),
    "tiff-bomb": ("tiff-bomb.tif", lambda p: tiff_claiming(p, 20_000, 20_000)),
    "webp-bomb": ("webp-bomb.webp", lambda p: webp_claiming(p, 16_384, 16_384)),
    "jpeg-damaged": ("damaged.jpg", jpeg_damaged),
    "jpeg-truncated": ("cut.jpg", lambda p: _write(p, jpeg_damaged(p).read_bytes()[:-300])),
    "png-truncated": ("cut.png", lambda p: _write(p, _good_png()[:-30])),
    "png-bad-crc": ("crc.png", _png_bad_crc),
    "empty": ("empty.png", lambda p: _write(p, b"")),
    "text": ("text.png", lambda p: _write(p, b"not an image at all\n" * 10)),
    "gif": ("gif.png", lambda p: _write(p, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")),
    "folder": ("folder.png", _folder),
    "fifo": ("fifo.png", _fifo),
    "symlink-loop": ("loop.png", _symlink_loop),
    "missing": ("missing.png", lambda p: p),
}
DEVICE = Path("/dev/zero")  # Read forever by a reader that does not check the kind of file.


def make_corpus(folder: Path) -> dict[str, Path]:
    """Write every entry of ``FAULTS`` into ``folder``; ``/dev/zero`` is added as ``device``."""
    corpus = {name: maker(folder / file_name) for name, (file_name, maker) in FAULTS.items()}
    if DEVICE.exists():
        corpus["device"] = DEVICE
    return corpus


DEGENERATE: dict[str, Callable[[], np.ndarray]] = {
    # name: uint8 BGR photo
    "one-pixel": lambda: np.full((1, 1, 3), 200, np.uint8),
    "one-row": lambda: np.random.default_rng(1).integers(0, 256, (1, 500, 3), dtype=np.uint8),
    "one-column": lambda: np.random.default_rng(2).integers(0, 256, (500, 1, 3), dtype=np.uint8),
    "two-rows": lambda: np.random.default_rng(3).integers(0, 256, (2, 4000, 3), dtype=np.uint8),
    "three-by-three": lambda: np.random.default_rng(4).integers(0, 256, (3, 3, 3), dtype=np.uint8),
    "flat-white": lambda: np.full((440, 680, 3), 255, np.uint8),
    "flat-grey-small": lambda: np.full((220, 340, 3), 128, np.uint8),
    "periodic-dots": lambda: _periodic_dots(),
}


def _periodic_dots() -> np.ndarray:
    image = np.full((220, 340, 3), 230, np.uint8)
    image[::7, ::5] = 255  # Every region looks alike: GrabCut's two colour models come out the same.
    return image
