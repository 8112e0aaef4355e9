"""A photo's EXIF and XMP, carried from the file it was read from to the files exported from it.

What is copied: the camera and lens, dates, exposure and the photographer's fields (the EXIF
directory whole, the first directory's descriptive tags), and the XMP packet. What is not: the EXIF
thumbnail and the first directory's layout tags (size, strips, compression), which described the old
file's pixels; the orientation is written as 1 because the pixels were turned upright when read. The
GPS directory, and XMP packets that mention a GPS position, are dropped unless ``keep_gps``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from PIL import Image

_EXIF_MARK = b"Exif\x00\x00"
_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
# First-directory tags that describe the photo rather than the file's pixel layout.
_DESCRIPTIVE = (
    0x010E,  # ImageDescription
    0x010F,  # Make
    0x0110,  # Model
    0x0131,  # Software
    0x0132,  # DateTime
    0x013B,  # Artist
    0x8298,  # Copyright
    0x011A,
    0x011B,
    0x0128,  # X/YResolution, ResolutionUnit
)
_PARSE_ERRORS = (SyntaxError, IndexError, TypeError, ValueError, OSError, EOFError, KeyError, struct.error)
_XMP_ORIENTATION = re.compile(rb'(tiff:Orientation(?:="|>))[1-8]')


@dataclass(frozen=True)
class PhotoMetadata:
    """The raw EXIF block (a TIFF structure, with or without the ``Exif\\0\\0`` mark), XMP packet and
    IPTC-IIM records (caption, keywords, credit, copyright…; no GPS position exists in IPTC-IIM)."""

    exif: bytes | None = None
    xmp: bytes | None = None
    iptc: bytes | None = None

    def __repr__(self) -> str:
        sizes = (len(block or b"") for block in (self.exif, self.xmp, self.iptc))
        return "PhotoMetadata(exif={} bytes, xmp={} bytes, iptc={} bytes)".format(*sizes)


NO_METADATA = PhotoMetadata()


def exif_for_export(metadata: PhotoMetadata, *, keep_gps: bool = False) -> bytes | None:
    """The EXIF block to embed (TIFF structure, no ``Exif\\0\\0`` mark), or None when there is nothing.

    An EXIF block that cannot be parsed is dropped: a damaged block must not stop an export.
    """
    if not metadata.exif:
        return None
    source = Image.Exif()
    try:
        source.load(metadata.exif)
        exif = Image.Exif()
        for tag in _DESCRIPTIVE:
            if tag in source:
                exif[tag] = source[tag]
        details = source.get_ifd(_EXIF_IFD)
        if details:
            exif.get_ifd(_EXIF_IFD).update(details)
        gps = source.get_ifd(_GPS_IFD) if keep_gps else {}
        if gps:
            exif.get_ifd(_GPS_IFD).update(gps)
        exif[_ORIENTATION] = 1
        block = exif.tobytes()
    except _PARSE_ERRORS:
        return None
    return block[len(_EXIF_MARK) :] if block.startswith(_EXIF_MARK) else block


def xmp_for_export(metadata: PhotoMetadata, *, keep_gps: bool = False) -> bytes | None:
    """The XMP packet to embed, its orientation set to 1; None when there is none, or when it holds a
    GPS position and ``keep_gps`` is off (XMP is free-form: removing the position reliably would need
    a full RDF parser, so the packet goes whole)."""
    packet = metadata.xmp
    if not packet:
        return None
    if not keep_gps and (b"GPSLatitude" in packet or b"GPSLongitude" in packet):
        return None
    return _XMP_ORIENTATION.sub(rb"\g<1>1", packet)


_PHOTOSHOP = b"Photoshop 3.0\x00"
_IPTC_RESOURCE = 0x0404


def iptc_from_photoshop(payload: bytes | None) -> bytes | None:
    """The IPTC-IIM records inside a JPEG's APP13 ``Photoshop 3.0`` segment (its 0x0404 resource)."""
    if not payload or not payload.startswith(_PHOTOSHOP):
        return None
    position = len(_PHOTOSHOP)
    while position + 12 <= len(payload) and payload[position : position + 4] == b"8BIM":
        resource = int.from_bytes(payload[position + 4 : position + 6], "big")
        name_length = payload[position + 6]
        position += 7 + name_length + ((name_length + 1) & 1)  # a Pascal string padded to even
        size = int.from_bytes(payload[position : position + 4], "big")
        data = payload[position + 4 : position + 4 + size]
        if resource == _IPTC_RESOURCE:
            return bytes(data) or None
        position += 4 + size + (size & 1)
    return None


def photoshop_iptc(iptc: bytes) -> bytes:
    """An APP13 payload holding ``iptc`` as its one resource."""
    padding = b"\x00" if len(iptc) & 1 else b""
    block = b"8BIM" + _IPTC_RESOURCE.to_bytes(2, "big") + b"\x00\x00" + len(iptc).to_bytes(4, "big")
    return _PHOTOSHOP + block + iptc + padding
