"""Model versions: the user's fine-tuned networks beside the shipped defaults, and which one is in use.

A store is a folder (by default the per-user data folder, ``$COMPOSITOR_MODELS`` when set) holding, per
network kind, ``KIND/vN.pt`` checkpoints and ``KIND/index.json``: each version's number, date, note, what
it was trained from (``base``) and its metrics, plus the selected version (null: the shipped default).
The shipped defaults under ``resources/weights`` are only ever read: rolling back is selecting another
version or none. Version numbers are never reused, so a note or a report that says "v3" stays true.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classic.atomic_file import write_atomically, write_atomically_with
from classic.checks import InvalidInputError
from engine.weight_files import CHECKPOINT_NAMES, NETWORK_KINDS, WEIGHTS_FOLDER

MODELS_ENVIRONMENT = "COMPOSITOR_MODELS"
SHIPPED_DEFAULT = "shipped default"
INDEX_FORMAT = "compositor-models"
INDEX_VERSION = 1
_log = logging.getLogger(__name__)


class ModelStoreError(InvalidInputError):
    """A version that does not exist, a checkpoint the store refuses, or an unreadable index."""


@dataclass(frozen=True)
class ModelVersion:
    """One stored version of a ``kind`` network; ``date`` is ISO 8601 (UTC), ``base`` what it started from."""

    kind: str
    version: int
    path: Path
    date: str
    note: str
    base: str
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``v3``: how the user and the reports name it."""
        return f"v{self.version}"


def default_models_root() -> Path:
    """``$COMPOSITOR_MODELS``, else the platform's per-user data folder + ``compositor/models``."""
    override = os.environ.get(MODELS_ENVIRONMENT, "").strip()
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "compositor" / "models"


def _check_kind(kind: str) -> None:
    if kind not in NETWORK_KINDS:
        raise ModelStoreError(f"unknown network kind {kind!r}; choose one of {', '.join(NETWORK_KINDS)}")


class ModelStore:
    """Versions under ``root`` (None: ``default_models_root()``); shipped weights are read in ``shipped``."""

    def __init__(self, root: Path | None = None, *, shipped: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_models_root()
        self.shipped = Path(shipped) if shipped is not None else WEIGHTS_FOLDER
        self._lock = threading.Lock()

    def versions(self, kind: str) -> list[ModelVersion]:
        """The stored versions of ``kind``, oldest first."""
        index = self._read_index(kind)
        return [self._version(kind, entry) for entry in index["versions"]]

    def version(self, kind: str, number: int) -> ModelVersion:
        """Version ``number`` of ``kind``; ``ModelStoreError`` when there is none."""
        for version in self.versions(kind):
            if version.version == number:
                return version
        raise ModelStoreError(f"there is no {kind} model v{number} in {self.root}")

    def selected(self, kind: str) -> ModelVersion | None:
        """The selected version of ``kind``, or None when the shipped default is in use."""
        number = self._read_index(kind)["selected"]
        return None if number is None else self.version(kind, number)

    def shipped_path(self, kind: str) -> Path | None:
        """The shipped default weights of ``kind`` when installed (never written by the store)."""
        _check_kind(kind)
        path = self.shipped / f"{kind}.pt"
        return path if path.is_file() else None

    def active_path(self, kind: str) -> Path | None:
        """The weights the pipeline uses: the selected version, else the shipped default, else None.

        A selection that can no longer be read (index damaged, file deleted) falls back to the shipped
        default with a warning in the log, so a damaged store never stops the classic-free pipeline.
        """
        try:
            selected = self.selected(kind)
        except ModelStoreError as error:
            _log.warning("using the shipped %s network: %s", kind, error)
            selected = None
        if selected is not None:
            if selected.path.is_file():
                return selected.path
            _log.warning(
                "%s model %s is missing (%s); using the shipped one", kind, selected.label, selected.path
            )
        return self.shipped_path(kind)

    def add(
        self,
        kind: str,
        checkpoint: Path,
        *,
        note: str,
        base: str = "",
        metrics: dict[str, float] | None = None,
    ) -> ModelVersion:
        """Copy ``checkpoint`` in as the next version of ``kind`` (not selected) and return it.

        The checkpoint must load (``engine.checkpoint.load_checkpoint``) and hold a ``kind`` network,
        else ``ModelStoreError`` and nothing is written. ``metrics`` default to the checkpoint's own.
        """
        from engine.checkpoint import load_checkpoint  # Deferred: torch only when a version is added.

        _check_kind(kind)
        try:
            _, info = load_checkpoint(checkpoint, map_location="cpu")
        except InvalidInputError as error:
            raise ModelStoreError(f"not added: {error}") from None
        if info.name not in CHECKPOINT_NAMES[kind]:
            raise ModelStoreError(
                f"not added: {checkpoint} holds a {info.name!r} network, not a {kind} network"
            )
        with self._lock:
            index = self._read_index(kind)
            folder = self.root / kind
            folder.mkdir(parents=True, exist_ok=True)
            number = self._next_number(index, folder)
            file = f"v{number}.pt"
            entry: dict[str, Any] = {
                "version": number,
                "file": file,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": str(note),
                "base": str(base),
                "metrics": {
                    str(k): float(v) for k, v in (info.metrics if metrics is None else metrics).items()
                },
            }
            _copy_atomically(Path(checkpoint), folder / file)
            index["versions"].append(entry)
            self._write_index(kind, index)
        return self._version(kind, entry)

    def select(self, kind: str, version: int | None) -> None:
        """Use version ``version`` of ``kind`` from now on; None goes back to the shipped default."""
        with self._lock:
            index = self._read_index(kind)
            if version is not None and all(entry["version"] != version for entry in index["versions"]):
                raise ModelStoreError(f"there is no {kind} model v{version} in {self.root}")
            index["selected"] = version
            self._write_index(kind, index)

    def _index_path(self, kind: str) -> Path:
        return self.root / kind / "index.json"

    def _read_index(self, kind: str) -> dict[str, Any]:
        _check_kind(kind)
        path = self._index_path(kind)
        if not path.is_file():
            return {"format": INDEX_FORMAT, "format_version": INDEX_VERSION, "selected": None, "versions": []}
        try:
            index = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelStoreError(f"{path} cannot be read: {error}") from None
        if not _well_formed(index):
            raise ModelStoreError(f"{path} is not a {INDEX_FORMAT} index (version {INDEX_VERSION})")
        return dict(index)

    def _write_index(self, kind: str, index: dict[str, Any]) -> None:
        path = self._index_path(kind)
        write_atomically(path, (json.dumps(index, indent=2) + "\n").encode("utf-8"))

    def _version(self, kind: str, entry: dict[str, Any]) -> ModelVersion:
        return ModelVersion(
            kind=kind,
            version=int(entry["version"]),
            path=self.root / kind / str(entry["file"]),
            date=str(entry.get("date", "")),
            note=str(entry.get("note", "")),
            base=str(entry.get("base", "")),
            metrics={str(k): float(v) for k, v in dict(entry.get("metrics") or {}).items()},
        )

    @staticmethod
    def _next_number(index: dict[str, Any], folder: Path) -> int:
        # Files left by an index that was lost count too: a number is never given twice.
        numbers = [int(entry["version"]) for entry in index["versions"]]
        numbers += [int(p.stem[1:]) for p in folder.glob("v*.pt") if p.stem[1:].isdigit()]
        return max(numbers, default=0) + 1


def _well_formed(index: object) -> bool:
    """True for an index dict of this format whose versions all have a whole number and a file name."""
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
        return False
    if index.get("format_version") != INDEX_VERSION or not isinstance(index.get("versions"), list):
        return False
    selected = index.get("selected")
    if selected is not None and type(selected) is not int:
        return False
    return all(
        isinstance(entry, dict)
        and type(entry.get("version")) is int
        and isinstance(entry.get("file"), str)
        and Path(entry["file"]).name == entry["file"]  # a plain name: the index never points elsewhere
        for entry in index["versions"]
    )


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temporary sibling, so a version file is whole or absent."""
    with open(source, "rb") as stream:
        write_atomically_with(target, lambda file: shutil.copyfileobj(stream, file))
