"""An append-only journal of committed in-place edits, so a crash loses at most the stroke in progress.

The autosave writes a whole snapshot of the document (``recovery.zip``) a few seconds after the edits
pause; writing 24 MP layers takes seconds more. Between two snapshots each committed edit that changes a
region of a layer in place (a brush stroke, an undo or redo, a local re-solve) is appended here as that
region's new values and flushed to disk before the next edit is taken. Journal ``e`` holds the edits
made since snapshot ``e`` was taken; the snapshot records its number (``journal_epoch`` in its manifest),
so recovery loads the snapshot and replays exactly its journal.

A change that replaces a whole layer (a new cut-out, an opened photo) is not journaled: it writes a
barrier, after which nothing is replayed, and the autosave that follows starts a new journal.

Record layout (little-endian): kind (1 byte: 1 patch, 2 barrier), name length (1), name (UTF-8), top,
bottom, left, right (4 × uint32), channels (1 byte: 0 for a matte, else 3), payload length (uint64),
payload (float32, C order), then a CRC-32 of all of it. A record cut short or failing its CRC (the write
the kill interrupted) ends the journal. No Qt here.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from app.model.layers import LAYER_ORDER

MAGIC = b"compositor-journal-1\n"
_PATCH, _BARRIER = 1, 2
_FIXED = struct.Struct("<4IBQ")  # top, bottom, left, right, channels, payload length
_EPOCH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


@dataclass(frozen=True)
class Patch:
    """New values ``values`` (float32 (h, w) or (h, w, 3)) of layer ``name`` at rows × cols ``region``."""

    name: str
    region: tuple[slice, slice]
    values: np.ndarray


def journal_path(snapshot: Path, epoch: int) -> Path:
    """Journal ``epoch`` beside the snapshot file ``snapshot``: ``STEM-EPOCH.journal``."""
    return snapshot.with_name(f"{snapshot.stem}-{epoch}.journal")


def journals_beside(snapshot: Path) -> dict[int, Path]:
    """Every journal beside ``snapshot``, by epoch."""
    pattern = re.compile(rf"^{re.escape(snapshot.stem)}-(\d{{1,18}})\.journal$")
    try:
        names = os.listdir(snapshot.parent)
    except OSError:
        return {}
    return {int(found.group(1)): snapshot.parent / name for name in names if (found := pattern.match(name))}


class EditJournal:
    """One journal file, open for appending; every record reaches the disk before ``append`` returns."""

    def __init__(self, path: Path, epoch: int, *, resume_at: int | None = None) -> None:
        """Start a new journal at ``path``, or with ``resume_at`` (the end of its last whole record, from
        ``read_journal``) go on appending to an existing one, dropping the torn record after it."""
        self.path = path
        self.epoch = epoch
        self.closed_by_barrier = False
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume_at is None:
            self._descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
            self._write(MAGIC + _EPOCH.pack(epoch))
        else:
            self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND)
            os.truncate(self._descriptor, resume_at)

    def append(self, name: str, region: tuple[slice, slice], values: np.ndarray) -> None:
        """Record that ``name``'s image at ``region`` (rows, cols, unit steps) now holds ``values``."""
        if self.closed_by_barrier:
            return
        rows, cols = region
        data = np.ascontiguousarray(values, "<f4")
        channels = 0 if data.ndim == 2 else data.shape[2]
        fixed = _FIXED.pack(rows.start, rows.stop, cols.start, cols.stop, channels, data.nbytes)
        self._record(_PATCH, name, fixed + data.tobytes())

    def barrier(self) -> None:
        """Nothing after this point can be replayed (a whole layer changed): stop recording."""
        if not self.closed_by_barrier:
            self._record(_BARRIER, "", b"")
            self.closed_by_barrier = True

    def close(self) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def _record(self, kind: int, name: str, body: bytes) -> None:
        encoded = name.encode("utf-8")
        record = bytes([kind, len(encoded)]) + encoded + body
        self._write(record + _CRC.pack(zlib.crc32(record)))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._descriptor, view)
            view = view[written:]
        os.fsync(self._descriptor)


@dataclass(frozen=True)
class JournalContents:
    """What ``read_journal`` found: the epoch, the replayable patches, where the last of them ends, and
    whether a barrier (or damage) ended them."""

    epoch: int
    patches: list[Patch]
    end: int
    complete: bool


def read_journal(path: Path, shapes: dict[str, tuple[int, ...]]) -> JournalContents | None:
    """The replayable patches of the journal at ``path``; None for a file that is not a journal.

    ``shapes`` gives each layer's image shape; a record for another layer or outside its image, a torn
    or damaged record, or a barrier ends the list.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(len(MAGIC) + _EPOCH.size)
            if len(head) != len(MAGIC) + _EPOCH.size or not head.startswith(MAGIC):
                return None
            epoch = _EPOCH.unpack(head[len(MAGIC) :])[0]
            patches: list[Patch] = []
            end = stream.tell()
            while (patch := _next_patch(stream, shapes)) is not None:
                patches.append(patch)
                end = stream.tell()
            stream.seek(end)
            complete = stream.read(1) == b""
    except OSError:
        return None
    return JournalContents(epoch, patches, end, complete)


def _next_patch(stream: BinaryIO, shapes: dict[str, tuple[int, ...]]) -> Patch | None:
    start = stream.read(2)
    if len(start) != 2 or start[0] != _PATCH:
        return None  # the end, a barrier, or something that is not a record
    encoded = stream.read(start[1])
    fixed = stream.read(_FIXED.size)
    if len(encoded) != start[1] or len(fixed) != _FIXED.size:
        return None
    top, bottom, left, right, channels, length = _FIXED.unpack(fixed)
    name = encoded.decode("utf-8", "replace")
    shape = shapes.get(name) if name in LAYER_ORDER else None
    if shape is None or not (0 <= top < bottom <= shape[0] and 0 <= left < right <= shape[1]):
        return None
    if channels != (shape[2] if len(shape) == 3 else 0):
        return None
    size = (bottom - top, right - left, *((channels,) if channels else ()))
    if length != int(np.prod(size)) * 4:
        return None
    payload = stream.read(length)
    crc = stream.read(_CRC.size)
    if len(payload) != length or len(crc) != _CRC.size:
        return None
    if zlib.crc32(start + encoded + fixed + payload) != _CRC.unpack(crc)[0]:
        return None
    values = np.frombuffer(payload, "<f4").reshape(size).astype(np.float32)
    return Patch(name, (slice(top, bottom), slice(left, right)), values)
