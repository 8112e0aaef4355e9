"""An image file's header, read without decoding a pixel, and checks of its container's structure.

PNG, JPEG, TIFF and BMP headers are parsed by Pillow's format plugins, called directly: ``Image.open``
would add Pillow's own pixel-count check, which refuses at Pillow's limit instead of ours and without
naming the size. WebP is parsed here, because Pillow's WebP plugin allocates the whole canvas when it
opens a file. Truncation is found by walking the container (JPEG markers, PNG chunks): decoders only
print a warning for a cut file and return an image that is partly grey.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from classic.checks import InvalidInputError
from classic.header import Header
from classic.photo_metadata import iptc_from_photoshop

# The kinds OpenCV decodes for us, by Pillow's format name.
PILLOW_FORMATS = ("PNG", "JPEG", "TIFF", "BMP")
HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
AVIF_BRANDS = (b"avif", b"avis")
RAW_EXTENSIONS = (
    ".dng",
    ".cr2",
    ".cr3",
    ".crw",
    ".nef",
    ".nrw",
    ".arw",
    ".srf",
    ".sr2",
    ".raf",
    ".orf",
    ".rw2",
    ".pef",
    ".srw",
    ".x3f",
    ".3fr",
    ".iiq",
    ".erf",
    ".kdc",
    ".mef",
    ".mos",
    ".mrw",
    ".raw",
    ".rwl",
)
_XMP_TAG = 700
_IPTC_TAG = 33723
_EXIF_ORIENTATION = 0x0112
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PARSE_ERRORS = (SyntaxError, IndexError, TypeError, ValueError, OSError, EOFError, UnidentifiedImageError)


def read_header(data: bytes, shown: Path) -> Header:
    """The header of the image file ``data`` (named ``shown`` in errors); ``InvalidInputError`` if none.

    Camera RAW files are recognised by their extension (most are TIFF inside, whose first image is
    often a small preview), HEIF and AVIF by their ``ftyp`` brand.
    """
    if shown.suffix.lower() in RAW_EXTENSIONS:
        from classic.camera_raw import raw_header

        return raw_header(data, shown)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_header(data, shown)
    brands = _ftyp_brands(data)
    is_avif = any(brand in AVIF_BRANDS for brand in brands)
    if not is_avif and any(brand in HEIF_BRANDS for brand in brands):
        from classic.heif import heif_header

        return heif_header(data, shown)
    Image.init()
    for name in (*PILLOW_FORMATS, *(("AVIF",) if is_avif else ())):
        if name not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[name]
        if accept is not None and accept(data[:16]) is not True:
            continue
        try:
            with factory(io.BytesIO(data), "") as image:
                width, height = image.size
                icc, exif, xmp = _metadata(image, data)
                orientation = _orientation(image, data)
                return Header(width, height, name, orientation, icc, exif, xmp, _iptc(image))
        except _PARSE_ERRORS:
            raise InvalidInputError(
                f"{shown}: not an image or a corrupt one (its header cannot be read)"
            ) from None
    raise InvalidInputError(
        f"{shown}: not an image of a supported kind (PNG, JPEG, TIFF, WebP, BMP, HEIC, AVIF or camera RAW)"
    )


def _ftyp_brands(data: bytes) -> list[bytes]:
    # An ISO media file starts with its ftyp box: size, "ftyp", the major brand, a version, then the
    # compatible brands, four bytes each.
    if data[4:8] != b"ftyp":
        return []
    size = min(int.from_bytes(data[:4], "big"), len(data), 4096)
    return [data[8:12], *(data[at : at + 4] for at in range(16, size - 3, 4))]


def _metadata(image: Image.Image, data: bytes) -> tuple[bytes | None, bytes | None, bytes | None]:
    """The ICC profile, EXIF and XMP blocks a Pillow header parse found (nothing is decoded)."""
    icc = image.info.get("icc_profile") or None
    exif = image.info.get("exif") or None
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or None
    try:
        if image.format == "PNG" and exif is None:
            exif = png_chunk(data, b"eXIf")
        if image.format == "TIFF":
            tiff_exif = image.getexif()
            exif = tiff_exif.tobytes() if len(tiff_exif) else None
            xmp = image.tag_v2.get(_XMP_TAG) or None  # type: ignore[attr-defined]
    except (*_PARSE_ERRORS, KeyError):
        exif = None
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    return (
        bytes(icc) if icc else None,
        bytes(exif) if exif else None,
        bytes(xmp) if isinstance(xmp, bytes | bytearray) else None,
    )


def _iptc(image: Image.Image) -> bytes | None:
    """IPTC-IIM records: a JPEG's APP13 Photoshop resource 0x0404, a TIFF's tag 33723."""
    if image.format == "JPEG":
        for marker, payload in getattr(image, "applist", []):
            found = iptc_from_photoshop(payload) if marker == "APP13" else None
            if found:
                return found
    if image.format == "TIFF":
        value = image.tag_v2.get(_IPTC_TAG)  # type: ignore[attr-defined]
        if isinstance(value, bytes | bytearray) and value:
            return bytes(value)
    return None


def _orientation(image: Image.Image, data: bytes) -> int:
    # Pillow finds a PNG's eXIf chunk after the pixel data only by decoding: look for it in the bytes.
    try:
        if image.format == "PNG" and "exif" not in image.info:
            return _exif_orientation(png_chunk(data, b"eXIf"))
        return _valid_orientation(image.getexif().get(_EXIF_ORIENTATION, 1))
    except (*_PARSE_ERRORS, KeyError):
        return 1


def _exif_orientation(payload: bytes | None) -> int:
    if not payload:
        return 1
    exif = Image.Exif()
    try:
        exif.load(payload)
        return _valid_orientation(exif.get(_EXIF_ORIENTATION, 1))
    except (*_PARSE_ERRORS, KeyError):
        return 1


def _valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _webp_header(data: bytes, shown: Path) -> Header:
    # The canvas size: VP8X holds it directly (24-bit, minus one), VP8L in 14-bit fields after its
    # signature byte 0x2f, lossy VP8 in its key frame header after the start code 9d 01 2a.
    chunks = dict(_riff_chunks(data))
    size = None
    if "VP8X" in chunks and len(chunks["VP8X"]) >= 10:
        payload = chunks["VP8X"]
        size = int.from_bytes(payload[4:7], "little") + 1, int.from_bytes(payload[7:10], "little") + 1
    elif "VP8L" in chunks and len(chunks["VP8L"]) >= 5 and chunks["VP8L"][0] == 0x2F:
        bits = int.from_bytes(chunks["VP8L"][1:5], "little")
        size = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif "VP8 " in chunks and chunks["VP8 "][3:6] == b"\x9d\x01\x2a":
        payload = chunks["VP8 "]
        size = (
            int.from_bytes(payload[6:8], "little") & 0x3FFF,
            int.from_bytes(payload[8:10], "little") & 0x3FFF,
        )
    if size is None:
        raise InvalidInputError(f"{shown}: not an image or a corrupt one (its WebP header cannot be read)")
    exif = chunks.get("EXIF")
    return Header(
        size[0], size[1], "WEBP", _exif_orientation(exif), chunks.get("ICCP"), exif, chunks.get("XMP ")
    )


def _riff_chunks(data: bytes) -> list[tuple[str, bytes]]:
    chunks, position = [], 12
    while position + 8 <= len(data):
        kind = data[position : position + 4].decode("latin-1")
        length = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 8 + length + (length & 1)
    return chunks


def is_truncated(data: bytes) -> bool:
    """True when a JPEG has no end marker after its scan or a PNG ends before its IEND chunk.

    Data appended after the end (a motion photo's video, say) is allowed.
    """
    if data[:3] == b"\xff\xd8\xff":
        return not _jpeg_complete(data)
    if data[:8] == _PNG_SIGNATURE:
        return png_chunk(data, b"IEND") is None
    return False


def png_checksums_ok(data: bytes) -> bool:
    """True when every chunk's CRC matches (libpng would only complain on stderr after decoding)."""
    factory, _ = Image.OPEN["PNG"]
    try:
        with factory(io.BytesIO(data), "") as image:
            image.verify()
    except _PARSE_ERRORS:
        return False
    return True


def _jpeg_complete(data: bytes) -> bool:
    # Skip the marker segments (APPn, DQT, SOF, DHT…) to the first start-of-scan; the end-of-image
    # marker must follow the scan. An EXIF thumbnail's own end marker lies before it and does not count.
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:
            return data.find(b"\xff\xd9", position + 2 + length) != -1
        position += 2 + length
    return False


def png_chunk(data: bytes, kind: bytes) -> bytes | None:
    """The payload of a PNG's first chunk of ``kind`` (before IEND, all chunks complete), or None."""
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        end = position + 12 + length
        if end > len(data):
            return None
        if data[position + 4 : position + 8] == kind:
            return data[position + 8 : position + 8 + length]
        if data[position + 4 : position + 8] == b"IEND":
            return None
        position = end
    return None
