"""Projects on disk: a document's layers as 16-bit PNG files plus ``project.json``, in a folder or a .zip.

Qt-free, so tests and jobs call it directly. Every layer (photos, masks, trimap, alpha, composite, and the
cut-out's decontaminated foreground colours) is a 16-bit PNG. A matte whose values a 16-bit PNG cannot hold
exactly (a brush leaves values between the levels) is also stored as a float32 ``.npy`` beside its PNG, and
that copy is what opens, so every mask edit round-trips exactly. The trimap is snapped back to 0 / 0.5 / 1.
``project.json`` holds the format name and version, each layer's files and visibility, the photos' names
and original paths, and the placement.

Opening checks everything and raises one ``ProjectError`` naming what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import zipfile
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.compose import CompositingSettings
from app.document import PHOTO_ROLES, Document
from app.layers import LAYER_ORDER, MATTE_LAYERS
from classic.checks import InvalidInputError
from classic.imageio import read_image, read_matte, write_image
from classic.pipeline import Cutout
from classic.placement import Placement
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)

FORMAT_NAME = "compositor-project"
FORMAT_VERSION = 1
MANIFEST = "project.json"
PROJECT_EXTENSION = ".zip"
_COLOURS = "foreground colours"


class ProjectError(InvalidInputError):
    """A project that cannot be opened or saved; the message says which file and why."""


@dataclass
class ProjectState:
    """A snapshot of a document: layer images and visibility, photo names and paths, cut-out colours."""

    layers: dict[str, np.ndarray] = field(default_factory=dict)
    visible: dict[str, bool] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    background_bit_depth: int = 8
    foreground_colours: np.ndarray | None = None
    placement: Placement | None = None
    compositing: CompositingSettings | None = None  # The panel's settings; placement is kept above.


def snapshot(document: Document, *, kept: MutableMapping[str, np.ndarray] | None = None) -> ProjectState:
    """What ``save_project`` writes, unaffected by later edits of the document (for a save on a job).

    By default every array is copied. With ``kept``, only the mattes are: brushes, undo and re-solves
    change them in place, while photos, the composite and the cut-out's colours are only ever replaced,
    so sharing those arrays is safe and free (a 24 MP photo takes tens of ms to copy). ``kept`` maps a
    matte's name to a read-only copy taken earlier and still current; the caller removes a layer from it
    whenever that layer changes. Copies missing from it are taken and added, so a save after one stroke
    copies one matte.
    """
    state = ProjectState(background_bit_depth=document.background_bit_depth)
    for name in document.layers.names():
        layer = document.layers.layer(name)
        assert layer is not None
        state.layers[name] = layer.image.copy() if kept is None else _kept_copy(kept, name, layer.image)
        state.visible[name] = layer.visible
    for role in PHOTO_ROLES:
        shown, path = document.photo_source(role)
        if shown is not None:
            state.names[role] = shown
        if path is not None:
            state.paths[role] = path
    if document.cutout is not None:
        colours = document.cutout.foreground
        state.foreground_colours = colours.copy() if kept is None else colours
    return state


def _kept_copy(kept: MutableMapping[str, np.ndarray], name: str, image: np.ndarray) -> np.ndarray:
    if name not in MATTE_LAYERS:
        return image
    copy = kept.get(name)
    if copy is None or copy.shape != image.shape:
        copy = image.copy()
        copy.flags.writeable = False  # Shared by later saves: nothing may change it.
        kept[name] = copy
    return copy


def project_location(path: str | Path) -> Path | None:
    """The project a file or folder names (a .zip, a project folder, or the ``project.json`` inside
    one), for opening a dropped file; None when it is none of these. The contents are checked on opening."""
    source = Path(path)
    if source.name == MANIFEST and source.is_file():
        return source.parent
    if source.is_dir() and (source / MANIFEST).is_file():
        return source
    if source.suffix.lower() == PROJECT_EXTENSION and source.is_file():
        return source
    return None


def restore(document: Document, state: ProjectState) -> None:
    """Replace ``document``'s contents with ``state`` (photos first: they drop what was made from them)."""
    document.cutout = None
    document.layers.remove(*LAYER_ORDER)  # Nothing of the old document may survive the new one.
    for role in PHOTO_ROLES:
        if role in state.layers:
            setter = document.set_foreground if role == "foreground" else document.set_background
            kwargs: dict[str, Any] = {"name": state.names.get(role, role), "path": state.paths.get(role)}
            if role == "background":
                kwargs["bit_depth"] = state.background_bit_depth
            setter(state.layers[role], **kwargs)
    for name in LAYER_ORDER:
        if name in state.layers and name not in PHOTO_ROLES:
            document.layers.set_image(name, state.layers[name])
    for name, visible in state.visible.items():
        if name in document.layers:
            document.layers.set_visible(name, visible)
    cutout_layers = ("segmentation mask", "trimap", "alpha")
    if state.foreground_colours is not None and all(name in state.layers for name in cutout_layers):
        mask, trimap, alpha = (state.layers[name] for name in cutout_layers)
        document.cutout = Cutout(mask, trimap, alpha, state.foreground_colours)


def _file_name(name: str, suffix: str = ".png") -> str:
    return name.replace(" ", "_") + suffix


def _png_levels(name: str, image: np.ndarray) -> np.ndarray:
    """What ``image`` reads back as from a 16-bit PNG, rounded as ``classic.imageio`` writes it."""
    stored = (np.clip(image, 0.0, 1.0) * np.float32(65535.0) + np.float32(0.5)).astype(np.uint16)
    back = stored.astype(np.float32) / np.float32(65535.0)
    return _snap_trimap(back) if name == "trimap" else back


def _snap_trimap(image: np.ndarray) -> np.ndarray:
    return (np.round(image * 2.0) / 2.0).astype(np.float32)


def _needs_exact_copy(name: str, image: np.ndarray) -> bool:
    # A brush leaves values between the 16-bit levels: such a matte also goes in float32, so edits survive.
    return name in MATTE_LAYERS and not np.array_equal(_png_levels(name, image), image)


def save_project(
    state: ProjectState,
    path: str | Path,
    *,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> str:
    """Write ``state`` to ``path``: a .zip archive when it ends in .zip, else a folder. Returns the path.

    The project is assembled in a temporary folder first, so a failed or cancelled save leaves an
    existing project at ``path`` as it was.
    """
    target = Path(path)
    images = dict(state.layers)
    if state.foreground_colours is not None:
        images[_COLOURS] = state.foreground_colours
    manifest: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "background_bit_depth": state.background_bit_depth,
        "photos": {
            role: {"name": state.names.get(role), "path": state.paths.get(role)} for role in state.names
        },
        "layers": [
            {
                "name": name,
                "file": _file_name(name),
                "visible": state.visible.get(name, True),
                "exact": _file_name(name, ".npy") if _needs_exact_copy(name, image) else None,
            }
            for name, image in state.layers.items()
        ],
        "foreground_colours": _file_name(_COLOURS) if state.foreground_colours is not None else None,
        "placement": None if state.placement is None else dataclasses.asdict(state.placement),
        "compositing": None
        if state.compositing is None
        else {
            key: value for key, value in dataclasses.asdict(state.compositing).items() if key != "placement"
        },
    }
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".project.", dir=parent) as work:
        staging = Path(work) / "project"
        staging.mkdir()
        for done, (name, image) in enumerate(images.items()):
            raise_if_cancelled(is_cancelled)
            progress(done / (len(images) + 1), f"Saving the {name}")
            write_image(staging / _file_name(name), image, bit_depth=16)
            if name in state.layers and _needs_exact_copy(name, image):
                np.save(staging / _file_name(name, ".npy"), np.ascontiguousarray(image, np.float32))
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        raise_if_cancelled(is_cancelled)
        if target.suffix.lower() == PROJECT_EXTENSION:
            archive = Path(work) / "project.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:  # PNG is compressed already.
                for file in sorted(staging.iterdir()):
                    packed = zipfile.ZIP_DEFLATED if file.suffix == ".npy" else zipfile.ZIP_STORED
                    bundle.write(file, file.name, compress_type=packed)
            archive.replace(target)
        else:
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
    progress(1.0, "Saved")
    return str(target)


def load_project(
    path: str | Path,
    *,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> ProjectState:
    """Read a project written by ``save_project`` (a folder or a .zip); ``ProjectError`` if it is bad."""
    source = Path(path)
    if source.is_dir():
        return _load_folder(source, source, progress, is_cancelled)
    if not source.is_file():
        raise ProjectError(f"{source}: no such project")
    try:
        with tempfile.TemporaryDirectory(prefix="project.") as work, zipfile.ZipFile(source) as bundle:
            for member in bundle.namelist():
                if "/" in member or "\\" in member or member.startswith("."):
                    raise ProjectError(f"{source}: unexpected entry {member!r} in the project archive")
            bundle.extractall(work)
            return _load_folder(Path(work), source, progress, is_cancelled)
    except zipfile.BadZipFile:
        raise ProjectError(f"{source}: not a project (not a readable .zip archive)") from None


def _load_folder(
    folder: Path, shown: Path, progress: ProgressCallback, is_cancelled: CancelCallback
) -> ProjectState:
    manifest = _read_manifest(folder, shown)
    state = ProjectState(background_bit_depth=manifest["background_bit_depth"])
    for role, photo in manifest["photos"].items():
        if photo.get("name"):
            state.names[role] = str(photo["name"])
        if photo.get("path"):
            state.paths[role] = str(photo["path"])
    entries = manifest["layers"]
    for done, entry in enumerate(entries):
        raise_if_cancelled(is_cancelled)
        progress(done / max(len(entries), 1), f"Reading the {entry['name']}")
        image = _read_layer(folder / entry["file"], entry["name"], shown)
        if entry.get("exact"):
            image = _read_exact(folder / entry["exact"], entry["name"], image.shape, shown)
        state.layers[entry["name"]] = image
        state.visible[entry["name"]] = bool(entry["visible"])
    if manifest.get("foreground_colours"):
        state.foreground_colours = _read_layer(folder / manifest["foreground_colours"], _COLOURS, shown)
    _check_sizes(state, shown)
    state.placement = _read_placement(manifest.get("placement"), shown)
    state.compositing = _read_compositing(manifest.get("compositing"), shown)
    progress(1.0, "Read")
    return state


def _read_manifest(folder: Path, shown: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{shown}: not a project (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProjectError(f"{shown}: {MANIFEST} is damaged ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ProjectError(f"{shown}: {MANIFEST} does not describe a {FORMAT_NAME}")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ProjectError(
            f"{shown}: project format version {version!r} is not supported (up to {FORMAT_VERSION})"
        )
    try:
        layers = manifest["layers"]
        ok = isinstance(layers, list) and all(
            isinstance(e, dict) and e.get("name") in LAYER_ORDER and _plain_name(e.get("file"))
            and (e.get("exact") is None or _plain_name(e["exact"])) for e in layers
        )  # fmt: skip
        ok = ok and isinstance(manifest["photos"], dict) and manifest["background_bit_depth"] in (8, 16)
    except KeyError as missing:
        raise ProjectError(f"{shown}: {MANIFEST} lacks the entry {missing}") from None
    if not ok:
        raise ProjectError(f"{shown}: {MANIFEST} lists layers, photos or a bit depth this program cannot use")
    return manifest


def _plain_name(file: object) -> bool:
    """A file name inside the project, not a path that could reach outside it."""
    return isinstance(file, str) and bool(file) and Path(file).name == file and file not in (".", "..")


def _read_layer(file: Path, name: str, shown: Path) -> np.ndarray:
    try:
        image = read_matte(file) if name in MATTE_LAYERS else read_image(file).rgb
    except InvalidInputError as error:
        raise ProjectError(f"{shown}: the {name} layer cannot be read ({error})") from None
    if name == "trimap":  # 0.5 is not on the 16-bit grid: snap back to the trimap's three levels.
        image = _snap_trimap(image)
    return np.ascontiguousarray(image, dtype=np.float32)


def _read_exact(file: Path, name: str, shape: tuple[int, ...], shown: Path) -> np.ndarray:
    try:
        image = np.load(file, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ProjectError(f"{shown}: the exact copy of the {name} layer cannot be read ({error})") from None
    if not isinstance(image, np.ndarray) or image.dtype != np.float32 or image.shape != shape:
        raise ProjectError(f"{shown}: the exact copy of the {name} layer does not match its PNG")
    return image


def _check_sizes(state: ProjectState, shown: Path) -> None:
    foreground_size = None if "foreground" not in state.layers else state.layers["foreground"].shape[:2]
    for name, image in state.layers.items():
        if name in MATTE_LAYERS and foreground_size is not None and image.shape[:2] != foreground_size:
            raise ProjectError(
                f"{shown}: the {name} layer is {image.shape[1]} x {image.shape[0]}, "
                f"the foreground {foreground_size[1]} x {foreground_size[0]}"
            )


def _read_placement(entry: object, shown: Path) -> Placement | None:
    if entry is None:
        return None
    try:
        assert isinstance(entry, dict)
        return Placement(**entry)
    except (AssertionError, TypeError, InvalidInputError) as error:
        raise ProjectError(f"{shown}: the placement in {MANIFEST} is unusable ({error})") from None


def _read_compositing(entry: object, shown: Path) -> CompositingSettings | None:
    """The saved compositing settings; None for projects saved before they were kept (defaults apply)."""
    if entry is None:
        return None
    try:
        assert isinstance(entry, dict) and "placement" not in entry
        return CompositingSettings(**entry)
    except (AssertionError, TypeError, InvalidInputError) as error:
        raise ProjectError(
            f"{shown}: the compositing settings in {MANIFEST} are unusable ({error})"
        ) from None
