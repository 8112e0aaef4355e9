"""A project's files on disk: saved so that nothing but the project's own files is ever touched, and read
so that nothing outside the project and nothing beyond the size limits is read.

A **zip** project is assembled in a hidden temporary folder beside it (``.NAME.PID.RANDOM.saving``) and
renamed over the old archive: the archive is the old one or the whole new one.

A **folder** project may share its folder with the user's own files (the photos it was made from, notes),
so the folder itself is never replaced. Each save writes its images into a new ``layers-N`` subfolder,
then replaces ``project.json`` atomically: that rename is the moment the new project takes effect. Only
then are the files the previous manifest listed removed, and ``layers-N`` folders that hold nothing but
layer files (left by a save that was killed before its rename). A kill at any moment leaves either the
old project or the new one, complete.

Opening checks each zip entry's declared size before extracting it (``zipfile`` never inflates an entry
beyond its declared size), resolves every file inside the project folder, and reads the exact float32
copies only after their header matches the layer's size. No Qt here.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.model.layers import LAYER_ORDER
from app.project.project_manifest import (
    LAYER_FOLDER,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    Manifest,
    ProjectError,
    manifest_text,
    parse_manifest,
)
from classic.atomic_file import PART_SUFFIX, remove_stale_parts, write_atomically
from classic.checks import InvalidInputError
from classic.image_source import ImageLimits, read_regular_file

PROJECT_EXTENSION = ".zip"
SAVING_SUFFIX = ".saving"
_LAYER_FILE = re.compile(r"^[a-z_]+\.(png|npy)$")

# Writes a project's images into a folder, naming them with a prefix ("" or "layers-N/"), and returns
# the manifest that lists them.
FileWriter = Callable[[Path, str], Manifest]


def store_project(target: Path, write_files: FileWriter) -> None:
    """Save a project at ``target``: a .zip archive when it ends in .zip, else a folder (see above)."""
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProjectError(f"{target}: cannot create the folder {parent} ({error.strerror})") from None
    remove_leftovers(target)
    if target.suffix.lower() == PROJECT_EXTENSION:
        _store_zip(target, parent, write_files)
    else:
        _store_folder(target, write_files)


def remove_leftovers(target: Path) -> None:
    """Remove what saves of ``target`` left behind when killed (their process no longer runs)."""
    parent = target.parent if str(target.parent) else Path(".")
    for suffix in (SAVING_SUFFIX, PART_SUFFIX):
        remove_stale_parts(parent, target.name, suffix=suffix)
    if target.is_dir() and (target / MANIFEST).is_file():
        remove_stale_parts(target, MANIFEST)


def _store_zip(target: Path, parent: Path, write_files: FileWriter) -> None:
    if target.is_dir():
        raise ProjectError(f"{target}: is a folder; a .zip project must be a file")
    prefix = f".{target.name}.{os.getpid()}."
    with tempfile.TemporaryDirectory(prefix=prefix, suffix=SAVING_SUFFIX, dir=parent) as work:
        staging = Path(work) / "project"
        staging.mkdir()
        manifest = write_files(staging, "")
        (staging / MANIFEST).write_text(manifest_text(manifest), encoding="utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:  # PNG is compressed already.
            for file in sorted(staging.iterdir()):
                packed = zipfile.ZIP_DEFLATED if file.suffix == ".npy" else zipfile.ZIP_STORED
                bundle.write(file, file.name, compress_type=packed)
        write_atomically(target, buffer.getbuffer())


def _store_folder(target: Path, write_files: FileWriter) -> None:
    if target.exists() and not target.is_dir():
        raise ProjectError(f"{target}: is a file; a project folder needs a folder (or a name ending in .zip)")
    previous = _previous_manifest(target)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    layer_folder = _fresh_layer_folder(target)
    staging = target / layer_folder
    staging.mkdir()
    try:
        manifest = write_files(staging, f"{layer_folder}/")
        write_atomically(target / MANIFEST, manifest_text(manifest).encode("utf-8"))  # The new project.
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            _remove_if_empty(target)
        raise
    _remove_old_files(target, previous, keep=set(manifest.files()), keep_folder=layer_folder)


def _previous_manifest(target: Path) -> Manifest | None:
    """The manifest already in ``target`` (its files are the project's to replace), or None."""
    if not (target / MANIFEST).exists():
        return None
    try:
        return parse_manifest(read_manifest_text(target, target), target)
    except InvalidInputError as error:
        raise ProjectError(
            f"{target}: already holds a {MANIFEST} this program cannot read, so saving here could lose "
            f"someone's work; choose another folder ({error})"
        ) from None


def _fresh_layer_folder(target: Path) -> str:
    numbers = [int(p.name.split("-")[1]) for p in target.iterdir() if LAYER_FOLDER.match(p.name)]
    return f"layers-{max(numbers, default=0) + 1}"


def _remove_old_files(target: Path, previous: Manifest | None, *, keep: set[str], keep_folder: str) -> None:
    # Best effort: the new project is complete already; a file that cannot go stays.
    for name in [] if previous is None else previous.files():
        if name not in keep:
            _unlink_inside(target, name)
    for folder in target.iterdir():
        if folder.name != keep_folder and LAYER_FOLDER.match(folder.name) and folder.is_dir():
            _remove_layer_folder(folder)


def _remove_layer_folder(folder: Path) -> None:
    """Remove a ``layers-N`` folder that holds only layer files this program writes; else leave it."""
    with contextlib.suppress(OSError):  # A file that cannot go keeps its folder.
        entries = list(folder.iterdir())
        if all(p.is_file() and not p.is_symlink() and _ours(p.name) for p in entries):
            for entry in entries:
                entry.unlink()
            folder.rmdir()


def _ours(name: str) -> bool:
    return bool(_LAYER_FILE.match(name)) or (name.startswith(".") and name.endswith(".part"))


def _unlink_inside(folder: Path, name: str) -> None:
    path = folder / name
    if path.is_symlink() or not inside(path, folder):
        return
    try:
        path.unlink(missing_ok=True)
    except OSError:
        return
    if path.parent != folder:
        _remove_if_empty(path.parent)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # Not empty, or already gone.
        folder.rmdir()


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` resolves (links followed) to a place inside ``folder``."""
    resolved, container = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return container in resolved.parents


def project_file(folder: Path, name: str, shown: object) -> Path:
    """``folder / name``, refused when it leads outside the project (through a symbolic link, say)."""
    path = folder / name
    if not inside(path, folder):
        raise ProjectError(f"{shown}: {name} lies outside the project")
    return path


def read_manifest_text(folder: Path, shown: object) -> str:
    """The text of ``folder``'s ``project.json`` (a regular file of at most 1 MiB, UTF-8)."""
    path = folder / MANIFEST
    if not path.exists() and not path.is_symlink():
        raise ProjectError(f"{shown}: not a project (no {MANIFEST})")
    path = project_file(folder, MANIFEST, shown)
    try:
        data = read_regular_file(path, max_bytes=MAX_MANIFEST_BYTES, what="a project manifest")
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProjectError(f"{shown}: {MANIFEST} is damaged ({error})") from None
    except InvalidInputError as error:
        raise ProjectError(f"{shown}: {error}") from None


def extract_project(source: Path, work: Path, limits: ImageLimits) -> None:
    """Extract the zip project ``source`` into ``work``, checking each entry before it is inflated."""
    try:
        with zipfile.ZipFile(source) as bundle:
            entries = bundle.infolist()
            if len(entries) > 2 * len(LAYER_ORDER) + 2:
                raise ProjectError(f"{source}: the archive holds {len(entries)} files, more than a project")
            for entry in entries:
                _check_entry(source, entry, limits)
            for entry in entries:
                bundle.extract(entry, work)
    except zipfile.BadZipFile:
        raise ProjectError(f"{source}: not a project (not a readable .zip archive)") from None
    except (OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise ProjectError(f"{source}: the archive cannot be read ({error})") from None


def _check_entry(source: Path, entry: zipfile.ZipInfo, limits: ImageLimits) -> None:
    name = entry.filename
    if "/" in name or "\\" in name or name.startswith(".") or ":" in name or entry.is_dir():
        raise ProjectError(f"{source}: unexpected entry {name!r} in the project archive")
    largest = MAX_MANIFEST_BYTES if name == MANIFEST else limits.max_file_bytes
    if entry.file_size > largest:
        raise ProjectError(
            f"{source}: the entry {name} would take {entry.file_size / 2**20:.0f} MiB, more than a "
            f"project's file within the limits ({largest / 2**20:.0f} MiB)"
        )


def read_exact(path: Path, shape: tuple[int, ...], shown: object, what: str) -> np.ndarray:
    """A float32 ``.npy`` array of ``shape``; its header is checked before any data is read."""
    try:
        data = read_regular_file(path, max_bytes=int(np.prod(shape)) * 4 + 4096, what="an exact layer copy")
        stream = io.BytesIO(data)
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):  # (shape, Fortran order, dtype); a header over 10 kB is refused
            header = np.lib.format.read_array_header_1_0(stream)
        else:
            header = np.lib.format.read_array_header_2_0(stream)
        matches = tuple(header[0]) == tuple(shape) and not header[1] and header[2] == np.dtype("<f4")
        array = (
            np.frombuffer(data, "<f4", count=int(np.prod(shape)), offset=stream.tell()) if matches else None
        )
    except (InvalidInputError, ValueError, OSError, SyntaxError, EOFError, TypeError) as error:
        raise ProjectError(f"{shown}: the exact copy of the {what} layer cannot be read ({error})") from None
    if array is None:
        raise ProjectError(f"{shown}: the exact copy of the {what} layer does not match its PNG")
    return array.reshape(shape).astype(np.float32)
