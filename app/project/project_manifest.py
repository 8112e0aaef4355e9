"""``project.json``: what a project holds, written by ``manifest_text`` and checked by ``parse_manifest``.

A manifest is read from a file the user may have edited, damaged or received from someone else, so every
field is checked for its JSON type and range before anything is used: an unknown or duplicated layer, a
file name that could reach outside the project, a placement of the wrong type or beyond the warp's
range, a nesting deep enough to exhaust the parser, an integer too long to convert. Each problem is one
``ProjectError`` that names the field. No Qt here.

Version 2 keeps a folder project's images in a ``layers-N`` subfolder (see ``app.project.project_store``);
version 1 kept them beside ``project.json``, as zip projects still do. Both are read.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.model.compositing_settings import CompositingSettings
from app.model.document import SOURCE_ROLES
from app.model.export_options import PhotoOrigin
from app.model.layers import LAYER_ORDER
from classic.checks import InvalidInputError
from classic.colour_profile import read_profile
from classic.photo_metadata import PhotoMetadata
from classic.placement import Placement

FORMAT_NAME = "compositor-project"
FORMAT_VERSION = 2
MANIFEST = "project.json"
MAX_MANIFEST_BYTES = 1 << 20  # A real manifest is a few kilobytes.
LAYER_FOLDER = re.compile(r"^layers-[0-9]{1,9}$")
_MAX_TEXT = 4096  # characters of a photo's name or path
_MAX_BLOCK = 256 * 1024  # bytes of a photo's ICC profile, EXIF or XMP kept in the manifest


class ProjectError(InvalidInputError):
    """A project that cannot be opened or saved; the message says which file and why."""


@dataclass(frozen=True)
class LayerEntry:
    """One layer: its name, its image file, whether it is shown, and its exact float32 copy (or None)."""

    name: str
    file: str
    visible: bool = True
    exact: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The checked contents of ``project.json``; file names are relative to the project."""

    layers: tuple[LayerEntry, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    background_bit_depth: int = 8
    foreground_bit_depth: int = 8  # What the cut-out and mattes are exported at unless asked.
    plate_bit_depth: int = 8  # The clean plate's (projects saved before plates: 8).
    foreground_colours: str | None = None
    placement: Placement | None = None
    compositing: CompositingSettings | None = None
    journal_epoch: int | None = (
        None  # An autosave's: the edit journal that continues it (``app.project.edit_journal``).
    )
    origins: dict[str, PhotoOrigin] = field(default_factory=dict)  # each photo's profile, EXIF, XMP

    def files(self) -> list[str]:
        """Every file the project owns besides ``project.json``."""
        owned = [entry.file for entry in self.layers]
        owned += [entry.exact for entry in self.layers if entry.exact is not None]
        return owned + ([self.foreground_colours] if self.foreground_colours else [])


def manifest_text(manifest: Manifest) -> str:
    """``manifest`` as the JSON text of ``project.json``."""
    compositing = None
    if manifest.compositing is not None:
        compositing = {k: v for k, v in dataclasses.asdict(manifest.compositing).items() if k != "placement"}
    data = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "background_bit_depth": manifest.background_bit_depth,
        "foreground_bit_depth": manifest.foreground_bit_depth,
        "plate_bit_depth": manifest.plate_bit_depth,
        "photos": {
            role: {
                "name": manifest.names.get(role),
                "path": manifest.paths.get(role),
                **_origin_fields(manifest.origins.get(role)),
            }
            for role in SOURCE_ROLES
            if role in manifest.names or role in manifest.paths or role in manifest.origins
        },
        "layers": [dataclasses.asdict(entry) for entry in manifest.layers],
        "foreground_colours": manifest.foreground_colours,
        "placement": None if manifest.placement is None else dataclasses.asdict(manifest.placement),
        "compositing": compositing,
    }
    if manifest.journal_epoch is not None:
        data["journal_epoch"] = manifest.journal_epoch
    return json.dumps(data, indent=2)


def parse_manifest(text: str, shown: object) -> Manifest:
    """The manifest in ``text`` (read from the project ``shown``), checked; ``ProjectError`` if unusable."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:  # ValueError: bad JSON, or an integer too long
        raise ProjectError(f"{shown}: {MANIFEST} is damaged ({_short(error)})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ProjectError(f"{shown}: {MANIFEST} does not describe a {FORMAT_NAME}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise ProjectError(
            f"{shown}: project format version {_short(version)} is not supported (1 to {FORMAT_VERSION})"
        )
    for key in ("layers", "photos", "background_bit_depth"):
        if key not in data:
            raise ProjectError(f"{shown}: {MANIFEST} lacks the entry {key!r}")
    try:
        return _manifest(data)
    except (InvalidInputError, TypeError, ValueError, OverflowError) as error:
        raise ProjectError(f"{shown}: {MANIFEST} is unusable: {_short(error)}") from None


def _bit_depth(data: dict[str, Any], key: str) -> int:
    depth = data.get(key, 8)
    if depth not in (8, 16) or not _is_int(depth):
        raise InvalidInputError(f"{key} must be 8 or 16, got {_short(depth)}")
    return int(depth)


def _manifest(data: dict[str, Any]) -> Manifest:
    depth = _bit_depth(data, "background_bit_depth")
    foreground_depth = _bit_depth(data, "foreground_bit_depth")  # Projects saved before it: 8.
    plate_depth = _bit_depth(data, "plate_bit_depth")  # Projects saved before clean plates: 8.
    names, paths = _photos(data["photos"])
    origins = _origins(data["photos"])
    colours = data.get("foreground_colours")
    if colours is not None and not is_project_file(colours):
        raise InvalidInputError(f"foreground_colours names a file outside the project: {_short(colours)}")
    return Manifest(
        layers=_layers(data["layers"]),
        names=names,
        paths=paths,
        background_bit_depth=depth,
        foreground_bit_depth=foreground_depth,
        plate_bit_depth=plate_depth,
        foreground_colours=colours,
        placement=_placement(data.get("placement")),
        compositing=_compositing(data.get("compositing")),
        journal_epoch=_journal_epoch(data.get("journal_epoch")),
        origins=origins,
    )


def _origin_fields(origin: PhotoOrigin | None) -> dict[str, str]:
    """A photo's ICC profile, EXIF, XMP and IPTC as base64 texts; a block over ``_MAX_BLOCK`` is left out (a
    large XMP packet of an editor's history: the manifest must stay small)."""
    if origin is None:
        return {}
    blocks = {
        "icc": origin.profile.icc if origin.profile is not None else None,
        "exif": origin.metadata.exif,
        "xmp": origin.metadata.xmp,
        "iptc": origin.metadata.iptc,
    }
    return {
        key: base64.b64encode(block).decode("ascii")
        for key, block in blocks.items()
        if block and len(block) <= _MAX_BLOCK
    }


def _origins(value: object) -> dict[str, PhotoOrigin]:
    """Each photo's profile and metadata; the profile is checked by LittleCMS again."""
    origins: dict[str, PhotoOrigin] = {}
    assert isinstance(value, dict)  # checked by _photos
    for role, photo in value.items():
        blocks: dict[str, bytes | None] = {}
        for key in ("icc", "exif", "xmp", "iptc"):
            text = photo.get(key)
            if text is None:
                blocks[key] = None
                continue
            if not isinstance(text, str) or len(text) > 2 * _MAX_BLOCK:
                raise InvalidInputError(
                    f"the {role}'s {key} must be a base64 text of at most {_MAX_BLOCK} bytes"
                )
            try:
                blocks[key] = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInputError(f"the {role}'s {key} is not base64") from None
        if any(blocks.values()):
            profile = read_profile(blocks["icc"], f"the {role}'s icc") if blocks["icc"] else None
            metadata = PhotoMetadata(blocks["exif"], blocks["xmp"], blocks["iptc"])
            origins[role] = PhotoOrigin(profile, metadata)
    return origins


def _journal_epoch(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise InvalidInputError(f"journal_epoch must be a whole number, got {_short(value)}")
    return value


def _layers(value: object) -> tuple[LayerEntry, ...]:
    if not isinstance(value, list) or len(value) > len(LAYER_ORDER):
        raise InvalidInputError(f"layers must be a list of at most {len(LAYER_ORDER)} entries")
    entries: list[LayerEntry] = []
    for item in value:
        if not isinstance(item, dict):
            raise InvalidInputError(f"a layer entry must be an object, got {_short(item)}")
        name, file, visible, exact = (item.get(k) for k in ("name", "file", "visible", "exact"))
        if name not in LAYER_ORDER or any(entry.name == name for entry in entries):
            raise InvalidInputError(f"unknown or repeated layer {_short(name)}")
        if (
            not isinstance(file, str)
            or not is_project_file(file)
            or not (exact is None or is_project_file(exact))
        ):
            raise InvalidInputError(f"the {name} layer names a file outside the project")
        if not isinstance(visible, bool):
            raise InvalidInputError(f"the {name} layer's visibility must be true or false")
        entries.append(LayerEntry(name, file, visible, exact))
    return tuple(entries)


def _photos(value: object) -> tuple[dict[str, str], dict[str, str]]:
    if not isinstance(value, dict):
        raise InvalidInputError("photos must be an object")
    names: dict[str, str] = {}
    paths: dict[str, str] = {}
    for role, photo in value.items():
        if role not in SOURCE_ROLES or not isinstance(photo, dict):
            raise InvalidInputError(f"photos may only describe the {', '.join(SOURCE_ROLES)}, as objects")
        for key, found in (("name", names), ("path", paths)):
            text = photo.get(key)
            if text is not None and (not isinstance(text, str) or len(text) > _MAX_TEXT):
                raise InvalidInputError(f"the {role}'s {key} must be a text")
            if text:
                found[role] = text
    return names, paths


def _placement(value: object) -> Placement | None:
    if value is None:
        return None
    try:
        if not isinstance(value, dict):
            raise InvalidInputError("not an object")
        return Placement(**value)
    except (InvalidInputError, TypeError, ValueError, OverflowError) as error:
        raise InvalidInputError(f"the placement is unusable ({_short(error)})") from None


def _compositing(value: object) -> CompositingSettings | None:
    """The saved compositing settings; None for projects saved before they were kept (defaults apply)."""
    if value is None:
        return None
    try:
        if not isinstance(value, dict) or "placement" in value:
            raise InvalidInputError("not an object without a placement")
        return CompositingSettings(**value)
    except (InvalidInputError, TypeError, ValueError, OverflowError) as error:
        raise InvalidInputError(f"the compositing settings are unusable ({_short(error)})") from None


def is_project_file(value: object) -> bool:
    """A file name inside the project: a plain name, or one inside a ``layers-N`` folder; never a path that
    could reach outside it (``..``, absolute, a drive, a backslash)."""
    if not isinstance(value, str) or not value or "\\" in value or len(value) > 255:
        return False
    parts = value.split("/")
    if len(parts) == 2 and not LAYER_FOLDER.match(parts[0]):
        return False
    name = parts[-1]
    return len(parts) <= 2 and Path(name).name == name and name not in (".", "..") and ":" not in name


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: object) -> str:
    text = repr(value) if not isinstance(value, BaseException) else str(value)
    return text if len(text) <= 120 else text[:117] + "…"
