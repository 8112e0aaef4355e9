"""What an image file's header says (``classic.image_header`` reads it; the HEIF and camera RAW readers
fill it in their own way), in a module of its own so that those readers and the header dispatch do not
import each other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Header:
    """Width and height as stored (before the EXIF orientation), the kind and the EXIF orientation (1–8)."""

    width: int
    height: int
    format: str
    orientation: int = 1
    icc: bytes | None = None  # the embedded ICC profile
    exif: bytes | None = None  # the EXIF block (a TIFF structure, with or without the "Exif\0\0" mark)
    xmp: bytes | None = None
    iptc: bytes | None = None  # IPTC-IIM records (a JPEG's APP13 resource, a TIFF's IPTC-NAA tag)
