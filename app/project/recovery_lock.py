"""One autosave per window: which recovery snapshot a window owns, and which ones their owners left behind.

Each window autosaves to its own snapshot in the recovery folder (``recovery.zip``, ``recovery-w2.zip``…)
and holds a lock beside it (``recovery.lock``…) that names its process. A snapshot whose lock names a
process that no longer runs (or that has no lock) was left by a crash: only those are offered for
recovery, and only those may be removed when the user declines. A second window, in this process or
another, never sees the first one's autosave as a crash. No Qt here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from pathlib import Path

from classic.atomic_file import process_alive

STEM = "recovery"
SNAPSHOT = re.compile(rf"^{STEM}(-w\d{{1,9}})?\.zip$")
# The locks this process holds, by path, with the token of the window that holds each (several windows
# of one process share its id, so the id alone cannot tell them apart).
_HELD: dict[str, object] = {}


def lock_path(snapshot: Path) -> Path:
    """The lock beside ``snapshot``: ``recovery.zip`` → ``recovery.lock``."""
    return snapshot.with_suffix(".lock")


def owner_alive(snapshot: Path) -> bool:
    """Whether a running window owns ``snapshot`` (its lock names a live process, or a live window here)."""
    lock = lock_path(snapshot)
    try:
        pid = int(lock.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):  # No lock, or a torn one: nobody holds it.
        return False
    if pid == os.getpid():
        return str(lock) in _HELD
    return process_alive(pid)


def take(snapshot: Path, owner: object) -> bool:
    """Make ``owner`` (a window's token) the owner of ``snapshot``; False when a live owner holds it."""
    lock = lock_path(snapshot)
    for _attempt in range(2):
        try:
            handle = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if owner_alive(snapshot):
                return _HELD.get(str(lock)) is owner
            with contextlib.suppress(OSError):  # Its owner is gone: the lock is stale.
                lock.unlink()
            continue
        except OSError:
            return False
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(f"{os.getpid()}\n")
        _HELD[str(lock)] = owner
        return True
    return False


def owns(snapshot: Path, owner: object) -> bool:
    """Whether ``owner`` holds the lock of ``snapshot``."""
    lock = lock_path(snapshot)
    return _HELD.get(str(lock)) is owner and lock.exists()


def release(snapshot: Path, owner: object) -> None:
    """``owner`` gives ``snapshot`` up: its lock goes (a lock it does not hold stays)."""
    lock = lock_path(snapshot)
    if _HELD.get(str(lock)) is owner:
        del _HELD[str(lock)]
        with contextlib.suppress(OSError):
            lock.unlink()


def claim(folder: Path, owner: object) -> Path:
    """The first snapshot path in ``folder`` that no live window owns and no crash left a snapshot at,
    now owned by ``owner``."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):  # No lock can be written: the autosave will say why it fails.
        return folder / f"{STEM}.zip"
    for number in itertools.count(1):
        path = folder / (f"{STEM}.zip" if number == 1 else f"{STEM}-w{number}.zip")
        if path.exists() or owner_alive(path):
            continue  # A running window's, or a crash's (to be offered): not ours to write over.
        if take(path, owner):
            return path
    raise AssertionError("unreachable")


def orphans(folder: Path) -> list[Path]:
    """Snapshots in ``folder`` whose owner is gone (left by a crash), the newest first."""
    try:
        found = [folder / name for name in os.listdir(folder) if SNAPSHOT.match(name)]
    except OSError:
        return []
    left = [path for path in found if not owner_alive(path)]

    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(left, key=modified, reverse=True)
