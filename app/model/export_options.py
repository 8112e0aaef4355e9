"""How a photo is exported: colour profile, metadata and JPEG options, from the command line or Preferences.

One place turns the user's choices (``--profile``, ``--jpeg-subsampling``, ``--keep-gps``; the GUI's
*Export* preferences) and the photo the result comes from (its profile, EXIF and XMP) into
``classic.imageio.PhotoExport``. The composite comes from the background photo (it has the background's
size and scene), a cut-out from the foreground photo. No Qt here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from classic.colour_profile import ColourProfile, profile_from_file
from classic.imageio import CHROMA_SUBSAMPLING, LoadedImage, PhotoExport
from classic.photo_metadata import NO_METADATA, PhotoMetadata

PROFILE_CHOICES = ("srgb", "source")
PROFILE_HELP = (
    "colour profile of the exported photo: srgb (the default: converted to sRGB, which every viewer "
    "shows right), source (converted back to the source photo's embedded profile, e.g. Adobe RGB or "
    "Display P3, and that profile embedded; sRGB when the source had none) or the path of an RGB .icc/.icm "
    "file to convert to"
)


def add_export_options(parser: argparse.ArgumentParser, *, jpeg: bool = True) -> None:
    """``--profile``, ``--keep-gps`` and (for commands that write JPEG) ``--jpeg-subsampling``."""
    parser.add_argument("--profile", default="srgb", metavar="srgb|source|FILE.icc", help=PROFILE_HELP)
    parser.add_argument(
        "--keep-gps",
        action="store_true",
        help="keep the source photo's GPS position in the exported EXIF (default: removed)",
    )
    if jpeg:
        parser.add_argument(
            "--jpeg-subsampling",
            choices=tuple(CHROMA_SUBSAMPLING),
            default="4:2:0",
            help="JPEG chroma subsampling: 4:2:0 (the default, smallest), 4:2:2, or 4:4:4 (full colour "
            "resolution, for fine coloured detail)",
        )


def chosen_profile(choice: str) -> ColourProfile | str:
    """``"srgb"``, ``"source"`` or the checked profile of an ICC file (``InvalidInputError`` if bad).

    Called before any slow work, so a profile that LittleCMS rejects stops the command at once."""
    if choice in PROFILE_CHOICES:
        return choice
    return profile_from_file(Path(choice), f"--profile {choice}")


@dataclass(frozen=True)
class PhotoOrigin:
    """What an export keeps of the photo it comes from: its colour profile (None: sRGB) and metadata.
    The document holds one per photo, without the pixels."""

    profile: ColourProfile | None = None
    metadata: PhotoMetadata = NO_METADATA

    @classmethod
    def of(cls, loaded: LoadedImage) -> PhotoOrigin:
        return cls(loaded.profile, loaded.metadata)


def photo_export(
    source: LoadedImage | PhotoOrigin | None,
    *,
    profile: ColourProfile | str = "srgb",
    keep_gps: bool = False,
    chroma_subsampling: str = "4:2:0",
) -> PhotoExport:
    """The ``PhotoExport`` for a result made from ``source`` (None: no source photo, sRGB and no EXIF)."""
    if isinstance(profile, ColourProfile):
        target: ColourProfile | None = profile
    elif profile == "source" and source is not None:
        target = source.profile
    else:
        target = None
    return PhotoExport(
        profile=target,
        metadata=source.metadata if source is not None else NO_METADATA,
        keep_gps=keep_gps,
        chroma_subsampling=chroma_subsampling,
    )


def from_arguments(args: argparse.Namespace, source: LoadedImage | None) -> PhotoExport:
    """``photo_export`` with the command's ``--profile``, ``--keep-gps`` and ``--jpeg-subsampling``."""
    return photo_export(
        source,
        profile=chosen_profile(getattr(args, "profile", "srgb")),
        keep_gps=bool(getattr(args, "keep_gps", False)),
        chroma_subsampling=getattr(args, "jpeg_subsampling", "4:2:0"),
    )
