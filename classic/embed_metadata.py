"""Putting an ICC profile, EXIF and XMP into encoded JPEG, PNG and WebP bytes.

OpenCV encodes the pixels (8- and 16-bit, with the JPEG options photographers ask for) but writes no
metadata, so the blocks are spliced into its output by each container's own rules:

* JPEG: APP1 ``Exif\\0\\0`` and APP1 XMP segments, APP2 ``ICC_PROFILE`` segments (a profile over
  64 KB is split and numbered) and an APP13 ``Photoshop 3.0`` segment for IPTC right after the JFIF
  segment;
* PNG: ``iCCP`` (deflated), ``eXIf`` and an ``iTXt`` ``XML:com.adobe.xmp`` chunk right after ``IHDR``;
* WebP: the simple ``VP8 `` / ``VP8L`` file becomes an extended one (``VP8X`` with the ICC, EXIF, XMP
  and alpha flags), with ``ICCP`` before the image and ``EXIF`` / ``XMP `` after it.
"""

from __future__ import annotations

import struct
import zlib

from classic.photo_metadata import photoshop_iptc

_ICC_MARK = b"ICC_PROFILE\x00"
_XMP_MARK = b"http://ns.adobe.com/xap/1.0/\x00"
_SEGMENT_MAX = 65533  # a JPEG segment's payload, after its two length bytes


def embed_jpeg(
    encoded: bytes,
    *,
    icc: bytes | None,
    exif: bytes | None,
    xmp: bytes | None,
    iptc: bytes | None = None,
) -> bytes:
    """``encoded`` (a JPEG from OpenCV) with the given blocks as APP1 / APP2 / APP13 segments."""
    segments = []
    if exif:
        segments.append(_segment(0xE1, b"Exif\x00\x00" + exif))
    if xmp and len(_XMP_MARK) + len(xmp) <= _SEGMENT_MAX:
        segments.append(_segment(0xE1, _XMP_MARK + xmp))
    if icc:
        room = _SEGMENT_MAX - len(_ICC_MARK) - 2
        pieces = [icc[at : at + room] for at in range(0, len(icc), room)]
        for number, piece in enumerate(pieces, start=1):
            segments.append(_segment(0xE2, _ICC_MARK + bytes([number, len(pieces)]) + piece))
    if iptc and len(iptc) <= _SEGMENT_MAX - 40:
        segments.append(_segment(0xED, photoshop_iptc(iptc)))
    position = 2
    if encoded[2:4] == b"\xff\xe0":  # keep JFIF's APP0 first, as its specification asks
        position = 4 + int.from_bytes(encoded[4:6], "big")
    return encoded[:position] + b"".join(segments) + encoded[position:]


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) > _SEGMENT_MAX:
        raise ValueError("a JPEG segment holds at most 65533 bytes")
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def embed_png(encoded: bytes, *, icc: bytes | None, exif: bytes | None, xmp: bytes | None) -> bytes:
    """``encoded`` (a PNG from OpenCV) with ``iCCP``, ``eXIf`` and XMP ``iTXt`` chunks after ``IHDR``."""
    chunks = []
    if icc:
        chunks.append(_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc, 9)))
    if exif:
        chunks.append(_chunk(b"eXIf", exif))
    if xmp:
        chunks.append(_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp))
    header_end = 8 + 12 + int.from_bytes(encoded[8:12], "big")  # signature, then IHDR
    return encoded[:header_end] + b"".join(chunks) + encoded[header_end:]


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def embed_webp(
    encoded: bytes,
    *,
    width: int,
    height: int,
    has_alpha: bool,
    icc: bytes | None,
    exif: bytes | None,
    xmp: bytes | None,
) -> bytes:
    """``encoded`` (a WebP from OpenCV) as an extended WebP holding the given blocks."""
    if not (icc or exif or xmp):
        return encoded
    chunks = _riff_chunks(encoded)
    image = [
        (kind, payload) for kind, payload in chunks if kind in (b"ALPH", b"VP8 ", b"VP8L", b"ANIM", b"ANMF")
    ]
    alpha = has_alpha or any(kind == b"ALPH" for kind, _ in image)
    flags = (0x20 if icc else 0) | (0x10 if alpha else 0) | (0x08 if exif else 0) | (0x04 if xmp else 0)
    vp8x = struct.pack("<I", flags) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = [(b"VP8X", vp8x)]
    if icc:
        body.append((b"ICCP", icc))
    body.extend(image)
    if exif:
        body.append((b"EXIF", exif))
    if xmp:
        body.append((b"XMP ", xmp))
    payload = b"WEBP" + b"".join(_riff_chunk(kind, data) for kind, data in body)
    return b"RIFF" + len(payload).to_bytes(4, "little") + payload


def _riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, position = [], 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        length = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 8 + length + (length & 1)
    return chunks


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "little") + payload + (b"\x00" if len(payload) & 1 else b"")


def embed_tiff_exif(tiff: bytes, exif: bytes | None) -> bytes:
    """``tiff`` (a little-endian classic TIFF from tifffile) with the EXIF block's EXIF and GPS
    directories added as sub-directories of its first directory.

    tifffile writes the first directory's own tags (make, model, date…) but no sub-directories, so the
    EXIF directory (exposure, lens, date taken) and the GPS one are appended, and a copy of the first
    directory with their two pointers is appended after them; the header then points to the copy. No
    byte of the image moves, so every offset of the original entries stays valid.
    """
    from PIL import Image, TiffImagePlugin

    if not exif or tiff[:4] != b"II*\x00":
        return tiff
    fields = Image.Exif()
    fields.load(exif)
    first = int.from_bytes(tiff[4:8], "little")
    count = int.from_bytes(tiff[first : first + 2], "little")
    entries = {
        int.from_bytes(tiff[at : at + 2], "little"): tiff[at : at + 12]
        for at in range(first + 2, first + 2 + 12 * count, 12)
    }
    following = tiff[first + 2 + 12 * count : first + 6 + 12 * count]
    out = bytearray(tiff)
    for tag in (_EXIF_IFD, _GPS_IFD):
        values = fields.get_ifd(tag)
        entries.pop(tag, None)
        if not values:
            continue
        out += bytes(len(out) & 1)  # directories start on a word boundary
        directory = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"II")
        for key, value in values.items():
            directory[key] = value
        where = len(out)
        out += directory.tobytes(where)
        entries[tag] = struct.pack("<HHII", tag, 4, 1, where)  # type LONG: the directory's offset
    if len(entries) == count and all(tag not in entries for tag in (_EXIF_IFD, _GPS_IFD)):
        return tiff
    out += bytes(len(out) & 1)
    where = len(out)
    out += len(entries).to_bytes(2, "little") + b"".join(entries[tag] for tag in sorted(entries)) + following
    out[4:8] = where.to_bytes(4, "little")
    return bytes(out)


_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
