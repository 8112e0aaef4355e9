"""Projects on disk: a document's layers as 16-bit PNG files plus ``project.json``, in a folder or a .zip.

Qt-free, so tests and jobs call it directly. Every layer (photos, masks, trimap, alpha, composite, and the
cut-out's decontaminated foreground colours) is a 16-bit PNG. A matte whose values a 16-bit PNG cannot hold
exactly (a brush leaves values between the levels) is also stored as a float32 ``.npy`` beside its PNG, and
that copy is what opens, so every mask edit round-trips exactly. The trimap is snapped back to 0 / 0.5 / 1.
``project.json`` (``app.project.project_manifest``) holds the format name and version, each layer's files and
visibility, the photos' names and original paths, the placement and the compositing settings; where the
files go and how they are read safely is ``app.project.project_store``'s business.

Opening checks everything and raises one ``ProjectError`` naming what is wrong.
"""

from __future__ import annotations

import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.model.compositing_settings import CompositingSettings
from app.model.document import PHOTO_ROLES, PLATE, SOURCE_ROLES, Document
from app.model.export_options import PhotoOrigin
from app.model.layers import LAYER_ORDER, MATTE_LAYERS
from app.project.project_manifest import (
    FORMAT_NAME as FORMAT_NAME,  # Re-exported: callers know them from here.
)
from app.project.project_manifest import FORMAT_VERSION as FORMAT_VERSION
from app.project.project_manifest import MANIFEST, LayerEntry, Manifest, parse_manifest
from app.project.project_manifest import ProjectError as ProjectError
from app.project.project_store import PROJECT_EXTENSION as PROJECT_EXTENSION
from app.project.project_store import (
    extract_project,
    project_file,
    read_exact,
    read_manifest_text,
    store_project,
)
from classic.checks import InvalidInputError
from classic.image_source import DEFAULT_LIMITS, ImageLimits
from classic.imageio import as_matte, read_image, write_image
from classic.pipeline import Cutout
from classic.placement import Placement
from classic.plate_alignment import check_plate_framing
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)

_COLOURS = "foreground colours"


@dataclass
class ProjectState:
    """A snapshot of a document: layer images and visibility, photo names and paths, cut-out colours."""

    layers: dict[str, np.ndarray] = field(default_factory=dict)
    visible: dict[str, bool] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    background_bit_depth: int = 8
    foreground_bit_depth: int = 8
    plate_bit_depth: int = 8  # The clean plate's, when the ``clean plate`` layer is there.
    foreground_colours: np.ndarray | None = None
    placement: Placement | None = None
    compositing: CompositingSettings | None = None  # The panel's settings; placement is kept above.
    journal_epoch: int | None = None  # An autosave's: which edit journal continues it.
    origins: dict[str, PhotoOrigin] = field(default_factory=dict)  # each photo's profile and metadata


def snapshot(document: Document, *, kept: MutableMapping[str, np.ndarray] | None = None) -> ProjectState:
    """What ``save_project`` writes, unaffected by later edits of the document (for a save on a job).

    By default every array is copied. With ``kept``, only the mattes are: brushes, undo and re-solves
    change them in place, while photos, the composite and the cut-out's colours are only ever replaced,
    so sharing those arrays is safe and free (a 24 MP photo takes tens of ms to copy). ``kept`` maps a
    matte's name to a read-only copy taken earlier and still current; the caller removes a layer from it
    whenever that layer changes. Copies missing from it are taken and added, so a save after one stroke
    copies one matte.
    """
    state = ProjectState(
        background_bit_depth=document.background_bit_depth,
        foreground_bit_depth=document.foreground_bit_depth,
        plate_bit_depth=document.plate_bit_depth,
        origins=dict(document.origins),
    )
    for name in document.layers.names():
        layer = document.layers.layer(name)
        assert layer is not None
        state.layers[name] = layer.image.copy() if kept is None else _kept_copy(kept, name, layer.image)
        state.visible[name] = layer.visible
    for role in SOURCE_ROLES:
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
    """Replace ``document``'s contents with ``state`` (photos first: they drop what was made from them,
    then the foreground's clean plate)."""
    document.cutout = None
    document.remove_clean_plate()
    document.layers.remove(*LAYER_ORDER)  # Nothing of the old document may survive the new one.
    for role in PHOTO_ROLES:
        if role in state.layers:
            setter = document.set_foreground if role == "foreground" else document.set_background
            kwargs: dict[str, Any] = {"name": state.names.get(role, role), "path": state.paths.get(role)}
            kwargs["bit_depth"] = (
                state.background_bit_depth if role == "background" else state.foreground_bit_depth
            )
            setter(state.layers[role], origin=state.origins.get(role), **kwargs)
    if PLATE in state.layers:  # ``_check_sizes`` made sure there is a foreground it belongs to.
        document.set_clean_plate(
            state.layers[PLATE],
            name=state.names.get(PLATE, PLATE),
            path=state.paths.get(PLATE),
            bit_depth=state.plate_bit_depth,
            origin=state.origins.get(PLATE),
        )
    for name in LAYER_ORDER:
        if name in state.layers and name not in SOURCE_ROLES:
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

    A failed or cancelled save leaves an existing project at ``path`` as it was, and a folder save touches
    no file the project does not own (see ``app.project.project_store``).
    """
    target = Path(path)
    images = dict(state.layers)
    if state.foreground_colours is not None:
        images[_COLOURS] = state.foreground_colours

    def write_files(folder: Path, prefix: str) -> Manifest:
        layers = []
        for done, (name, image) in enumerate(images.items()):
            raise_if_cancelled(is_cancelled)
            progress(done / (len(images) + 1), f"Saving the {name}")
            write_image(folder / _file_name(name), image, bit_depth=16)
            exact = None
            if name in state.layers and _needs_exact_copy(name, image):
                exact = _file_name(name, ".npy")
                np.save(folder / exact, np.ascontiguousarray(image, np.float32))
            if name in state.layers:
                layers.append(
                    LayerEntry(
                        name,
                        prefix + _file_name(name),
                        state.visible.get(name, True),
                        exact and prefix + exact,
                    )
                )
        raise_if_cancelled(is_cancelled)
        return Manifest(
            layers=tuple(layers),
            names=dict(state.names),
            paths=dict(state.paths),
            background_bit_depth=state.background_bit_depth,
            foreground_bit_depth=state.foreground_bit_depth,
            plate_bit_depth=state.plate_bit_depth,
            foreground_colours=None if state.foreground_colours is None else prefix + _file_name(_COLOURS),
            placement=state.placement,
            compositing=state.compositing,
            journal_epoch=state.journal_epoch,
            origins=dict(state.origins),
        )

    try:
        store_project(target, write_files)
    except OSError as error:
        raise ProjectError(f"{target}: cannot save the project ({error.strerror or error})") from None
    progress(1.0, "Saved")
    return str(target)


def load_project(
    path: str | Path,
    *,
    limits: ImageLimits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> ProjectState:
    """Read a project written by ``save_project`` (a folder or a .zip); ``ProjectError`` if it is bad.

    Every manifest field is checked (``app.project.project_manifest``), every image goes through the same size
    limits as a photo, and nothing outside the project is read.
    """
    source = Path(path)
    if source.is_dir():
        return _load_folder(source, source, limits, progress, is_cancelled)
    if not source.is_file():
        raise ProjectError(f"{source}: no such project")
    with tempfile.TemporaryDirectory(prefix="project.") as work:
        extract_project(source, Path(work), limits)
        return _load_folder(Path(work), source, limits, progress, is_cancelled)


def _load_folder(
    folder: Path, shown: Path, limits: ImageLimits, progress: ProgressCallback, is_cancelled: CancelCallback
) -> ProjectState:
    manifest = parse_manifest(read_manifest_text(folder, shown), shown)
    state = ProjectState(
        background_bit_depth=manifest.background_bit_depth,
        foreground_bit_depth=manifest.foreground_bit_depth,
        plate_bit_depth=manifest.plate_bit_depth,
        names=dict(manifest.names),
        paths=dict(manifest.paths),
        placement=manifest.placement,
        compositing=manifest.compositing,
        journal_epoch=manifest.journal_epoch,
        origins=dict(manifest.origins),
    )
    for done, entry in enumerate(manifest.layers):
        raise_if_cancelled(is_cancelled)
        progress(done / max(len(manifest.layers), 1), f"Reading the {entry.name}")
        image = _read_layer(project_file(folder, entry.file, shown), entry.name, shown, limits)
        if entry.exact:
            image = read_exact(project_file(folder, entry.exact, shown), image.shape, shown, entry.name)
        state.layers[entry.name] = image
        state.visible[entry.name] = entry.visible
    if manifest.foreground_colours:
        file = project_file(folder, manifest.foreground_colours, shown)
        state.foreground_colours = _read_layer(file, _COLOURS, shown, limits)
    _check_sizes(state, shown)
    progress(1.0, "Read")
    return state


def _read_layer(file: Path, name: str, shown: Path, limits: ImageLimits) -> np.ndarray:
    try:
        loaded = read_image(file, limits=limits, manage_colour=name not in MATTE_LAYERS)
    except InvalidInputError as error:
        raise ProjectError(f"{shown}: the {name} layer cannot be read ({error})") from None
    image = as_matte(loaded) if name in MATTE_LAYERS else loaded.rgb
    if name == "trimap":  # 0.5 is not on the 16-bit grid: snap back to the trimap's three levels.
        image = _snap_trimap(image)
    return np.ascontiguousarray(image, dtype=np.float32)


def _check_sizes(state: ProjectState, shown: Path) -> None:
    """Mattes and the cut-out's colours have the foreground's size, the composite the background's; a
    clean plate (any size: it is aligned when used) needs the foreground it belongs to, and its framing."""
    if PLATE in state.layers and "foreground" not in state.layers:
        raise ProjectError(f"{shown}: the clean plate layer has no foreground photo to belong to")
    if PLATE in state.layers:
        try:
            check_plate_framing(state.layers["foreground"].shape, state.layers[PLATE].shape)
        except InvalidInputError as error:
            raise ProjectError(f"{shown}: {error}") from None
    sizes = {role: state.layers[role].shape[:2] for role in PHOTO_ROLES if role in state.layers}
    images = dict(state.layers)
    if state.foreground_colours is not None:
        images[_COLOURS] = state.foreground_colours
    for name, image in images.items():
        role = "background" if name == "composite" else "foreground"
        size = sizes.get(role)
        if (name in MATTE_LAYERS or name in (_COLOURS, "composite")) and size and image.shape[:2] != size:
            raise ProjectError(
                f"{shown}: the {name} layer is {image.shape[1]} x {image.shape[0]}, "
                f"the {role} {size[1]} x {size[0]}"
            )
