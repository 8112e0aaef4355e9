"""Everything checked about an image file before it is decoded: kind of file, size on disk, header.

Decoding a photo costs memory in proportion to the pixel count its header claims, and a file of a few
hundred kilobytes can claim 13000 × 13000 pixels (a decompression bomb). So ``read_source`` first makes
sure the path is a regular file (a FIFO would block forever, ``/dev/zero`` never ends), reads at most
the bytes a photo within the limits can take, and reads the header without decoding any pixel
(``classic.image_header``). Only when the width, height and pixel count are within ``ImageLimits`` does
the caller decode. Cut files and PNG checksum errors are refused here too.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from classic.checks import InvalidInputError
from classic.image_header import Header, is_truncated, png_checksums_ok, read_header

# Above every camera but medium-format backs. Peak memory of the automatic composite is about 3.2 times its
# decoded photos (12 bytes a pixel each) plus 0.4 GB: two 100 MP photos took 7.9 GB, so two photos at this
# limit need about 9.5 GB. A 13000 x 13000 PNG of a few hundred kilobytes (169 MP) is refused.
DEFAULT_MAX_MEGAPIXELS = 120.0
# OpenCV's remap, used to bring mattes back to full size, takes sides below 32767 pixels.
MAX_SIDE = 32_000
_BYTES_PER_PIXEL = 8  # 16-bit RGBA, the largest uncompressed sample a supported file can hold
_METADATA_BYTES = 64 * 2**20  # EXIF, ICC profiles, embedded previews, a motion photo's video…
_LIMIT_HINT = "raise the limit in Preferences or with --max-megapixels"


@dataclass(frozen=True)
class ImageLimits:
    """The largest image that is decoded: ``max_megapixels`` in all and ``max_side`` pixels a side."""

    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    max_side: int = MAX_SIDE

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_megapixels) and 0.0 < self.max_megapixels <= 10_000.0):
            raise InvalidInputError(
                f"the megapixel limit must lie in (0, 10000], got {self.max_megapixels:g}"
            )
        if not 1 <= self.max_side <= MAX_SIDE:
            raise InvalidInputError(f"the side limit must lie in [1, {MAX_SIDE}] pixels, got {self.max_side}")

    @property
    def max_file_bytes(self) -> int:
        """A file larger than this cannot be a photo within the limits, whatever its format."""
        return math.ceil(self.max_megapixels * 1e6) * _BYTES_PER_PIXEL + _METADATA_BYTES

    def check_size(self, shown: object, width: int, height: int) -> None:
        """Raise ``InvalidInputError``, naming the size and the limit, for an image beyond the limits."""
        megapixels = width * height / 1e6
        if width <= 0 or height <= 0:
            raise InvalidInputError(f"{shown}: the header claims an empty image ({width} x {height} pixels)")
        if width > self.max_side or height > self.max_side:
            raise InvalidInputError(
                f"{shown}: the image is {width} x {height} pixels; this program opens at most "
                f"{self.max_side} pixels a side"
            )
        if megapixels > self.max_megapixels:
            raise InvalidInputError(
                f"{shown}: the image is {width} x {height} pixels ({megapixels:.1f} MP), more than the "
                f"limit of {self.max_megapixels:g} MP ({_LIMIT_HINT})"
            )


DEFAULT_LIMITS = ImageLimits()


@dataclass(frozen=True)
class ImageSource:
    """An image file's bytes and what its header says (size, kind, EXIF orientation)."""

    data: bytes
    header: Header


def read_source(path: str | os.PathLike[str], limits: ImageLimits = DEFAULT_LIMITS) -> ImageSource:
    """Read an image file's bytes and header, refusing anything that must not be decoded.

    Raises ``InvalidInputError`` for a missing or unreadable path, a folder, a FIFO, device or socket,
    an empty, oversized, truncated or corrupt file, a file of another kind, or a header beyond ``limits``.
    """
    shown = Path(path)
    data = read_regular_file(shown, max_bytes=limits.max_file_bytes, what="an image")
    if not data:
        raise InvalidInputError(f"{shown}: the file is empty")
    if is_truncated(data):
        raise InvalidInputError(f"{shown}: the file is truncated or corrupt")
    header = read_header(data, shown)
    limits.check_size(shown, header.width, header.height)
    if header.format == "PNG" and not png_checksums_ok(data):
        raise InvalidInputError(f"{shown}: the file is corrupt (a PNG checksum does not match)")
    return ImageSource(data, header)


def read_regular_file(path: Path, *, max_bytes: int, what: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``; else ``InvalidInputError``.

    The file is opened without blocking (a FIFO with no writer would block ``open`` itself) and its type
    is checked on the open descriptor, so the check and the read concern the same file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{path}: is a folder, not {what}") from None
    except OSError as error:
        raise InvalidInputError(f"{path}: cannot read ({error.strerror})") from None
    too_large = InvalidInputError(
        f"{path}: the file is larger than {max_bytes / 2**20:.0f} MiB, more than {what} within the "
        f"limits can take ({_LIMIT_HINT})"
    )
    status = os.fstat(descriptor)
    refusal = None
    if stat.S_ISDIR(status.st_mode):
        refusal = InvalidInputError(f"{path}: is a folder, not {what}")
    elif not stat.S_ISREG(status.st_mode):
        refusal = InvalidInputError(f"{path}: is not a regular file (a device, pipe or socket), not {what}")
    elif status.st_size > max_bytes:
        refusal = too_large
    if refusal is not None:
        os.close(descriptor)
        raise refusal
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(max_bytes + 1)  # At most one byte more: the file may be growing.
        except OSError as error:
            raise InvalidInputError(f"{path}: cannot read ({error.strerror})") from None
    if len(data) > max_bytes:
        raise too_large
    return data
