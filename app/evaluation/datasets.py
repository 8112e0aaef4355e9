"""Evaluation sets on disk: one folder per role (``image/``, ``trimap/``, ``alpha/``…) holding files of
the same names; a sample is one name with its file in each folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from classic.checks import InvalidInputError
from classic.imageio import READ_EXTENSIONS

_SHOWN = 5  # names listed in an error message


@dataclass(frozen=True)
class Sample:
    """One image of a set: its name (the file stem) and its file for each role."""

    name: str
    files: Mapping[str, Path]


def find_samples(
    root: Path, folders: Mapping[str, str], *, optional: Mapping[str, str] | None = None
) -> list[Sample]:
    """The samples of ``root``, sorted by name.

    ``folders`` maps each role to its folder name; every folder must exist and hold the same names.
    ``optional`` folders join when present and must then hold the same names too.
    """
    if not root.is_dir():
        raise InvalidInputError(f"{root}: not a folder")
    present = {role: name for role, name in (optional or {}).items() if (root / name).is_dir()}
    missing = [name for name in folders.values() if not (root / name).is_dir()]
    if missing:
        expected = ", ".join(f"{name}/" for name in folders.values())
        raise InvalidInputError(f"{root}: no {', '.join(missing)} folder (this kind of set holds {expected})")
    roles = {**folders, **present}
    listings = {role: _images(root / name) for role, name in roles.items()}
    names = _common_names(root, {roles[role]: files for role, files in listings.items()})
    return [Sample(name, {role: files[name] for role, files in listings.items()}) for name in names]


def make_folder(folder: Path) -> Path:
    """Create ``folder`` and its parents if needed, with a clear error when that is not possible."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInputError(f"{folder}: cannot create the folder ({error.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise InvalidInputError(f"{folder}: cannot write there (permission denied)")
    return folder


def _images(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in READ_EXTENSIONS:
            continue
        if path.stem in files:
            raise InvalidInputError(
                f"{folder}: two images are named {path.stem} ({files[path.stem].name}, {path.name})"
            )
        files[path.stem] = path
    if not files:
        raise InvalidInputError(f"{folder}: no images ({', '.join(READ_EXTENSIONS)}) in this folder")
    return files


def _common_names(root: Path, listings: Mapping[str, dict[str, Path]]) -> list[str]:
    every = set().union(*(set(files) for files in listings.values()))
    problems = []
    for folder, files in listings.items():
        lacking = sorted(every - set(files))
        if lacking:
            shown = ", ".join(lacking[:_SHOWN]) + (", …" if len(lacking) > _SHOWN else "")
            problems.append(f"{folder}/ lacks {shown}")
    if problems:
        raise InvalidInputError(f"{root}: the folders do not hold the same names: {'; '.join(problems)}")
    return sorted(every)
