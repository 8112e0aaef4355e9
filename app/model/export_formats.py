"""What each export format allows (bit depth, quality, chroma subsampling) and the choices of one export
of the composite, from the File ▸ Export Composite… dialog. No Qt here.

The format follows the file's extension; a name without a known extension takes the format chosen in
the dialog. ``classic.imageio.write_image`` writes them: 16-bit for PNG and TIFF only, quality for JPEG
and WebP (WebP 100 is lossless), chroma subsampling for JPEG only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    extensions: tuple[str, ...]  # The first is the one a new name gets.
    depths: tuple[int, ...] = (8,)
    has_quality: bool = False
    has_subsampling: bool = False

    @property
    def extension(self) -> str:
        return self.extensions[0]


FORMATS: dict[str, ExportFormat] = {
    fmt.key: fmt
    for fmt in (
        ExportFormat("png", "PNG", (".png",), depths=(8, 16)),
        ExportFormat("tif", "TIFF", (".tif", ".tiff"), depths=(8, 16)),
        ExportFormat("jpg", "JPEG", (".jpg", ".jpeg"), has_quality=True, has_subsampling=True),
        ExportFormat("webp", "WebP", (".webp",), has_quality=True),
        ExportFormat("bmp", "BMP", (".bmp",)),
    )
}
FORMAT_KEYS = tuple(FORMATS)
# The save dialog's filter: one entry per format; the options dialog asks the rest.
FORMAT_FILTER = ";;".join(
    f"{fmt.label} ({' '.join('*' + extension for extension in fmt.extensions)})" for fmt in FORMATS.values()
)


def format_of(path: str, chosen_filter: str = "", default: str = "png") -> str:
    """The format key of ``path``'s extension, else of the dialog filter chosen, else ``default``."""
    extension = Path(path).suffix.lower()
    for fmt in FORMATS.values():
        if extension in fmt.extensions:
            return fmt.key
    for fmt in FORMATS.values():
        if chosen_filter.startswith(fmt.label + " "):
            return fmt.key
    return default


def with_format(path: str, key: str) -> str:
    """``path`` with the extension of format ``key`` (kept when it is one of its extensions already)."""
    fmt = FORMATS[key]
    target = Path(path)
    if target.suffix.lower() in fmt.extensions:
        return path
    known = any(target.suffix.lower() in other.extensions for other in FORMATS.values())
    return str(target.with_suffix(fmt.extension) if known else target.with_name(target.name + fmt.extension))


def filter_of(key: str) -> str:
    """The entry of ``FORMAT_FILTER`` for format ``key``, to preselect it in the save dialog."""
    return next(part for part in FORMAT_FILTER.split(";;") if part.startswith(FORMATS[key].label + " "))


@dataclass(frozen=True)
class CompositeExportChoices:
    """One export of the composite: where, in which format, and how (see the module's docstring).

    ``bit_depth`` is ``"source"`` (the background photo's), ``"8"`` or ``"16"``, and ``profile``
    ``"srgb"`` or ``"source"`` (the background photo's embedded profile), as their settings are."""

    path: str
    format: str = "png"
    bit_depth: str = "source"
    quality: int = 95
    profile: str = "srgb"
    keep_gps: bool = False
    chroma_subsampling: str = "4:2:0"

    def depth(self, source_depth: int) -> int:
        """The bit depth written: the chosen one, 8 where the format has no 16-bit."""
        depth = source_depth if self.bit_depth == "source" else int(self.bit_depth)
        return depth if depth in FORMATS[self.format].depths else 8

    def target(self) -> str:
        """The path written: the chosen one with the format's extension."""
        return with_format(self.path, self.format)
