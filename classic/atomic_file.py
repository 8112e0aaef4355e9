"""Writing a file so that it is either the old one or the whole new one, never a part.

The bytes go to a hidden temporary file beside the target (``.NAME.PID.RANDOM.part``), are flushed to
disk, and the temporary file is renamed over the target. A new file gets the mode the umask allows
(``tempfile`` alone would leave it readable by its owner only); a replaced file keeps its own mode.
A temporary file left by a process that was killed mid-write is removed by the next write to the same
target: its name carries the writer's process id, and a file whose writer no longer runs is stale.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from classic.checks import InvalidInputError

PART_SUFFIX = ".part"
_UMASK_LOCK = threading.Lock()
_IN_PROGRESS: set[str] = set()  # Temporary files being written now, for ``remove_writes_in_progress``.


def write_atomically(target: Path, data: bytes | memoryview) -> None:
    """Write ``data`` to ``target`` atomically; ``InvalidInputError`` (naming ``target``) if it cannot."""
    write_atomically_with(target, lambda stream: stream.write(data))


def write_atomically_with(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Like ``write_atomically``, with the bytes written by ``write`` into the open temporary file (a
    checkpoint is serialised straight to disk instead of into memory first)."""
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_parts(folder, target.name)
    mode = _mode_for(target)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=PART_SUFFIX, dir=folder
        )
    except OSError as error:
        raise InvalidInputError(f"{target}: cannot write ({error.strerror or error})") from None
    _IN_PROGRESS.add(temporary)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInputError(f"{target}: cannot write ({error.strerror or error})") from None
    except BaseException:  # Interrupted (Ctrl+C) or the writer failed: the half-written file goes.
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        _IN_PROGRESS.discard(temporary)


def remove_writes_in_progress() -> None:
    """Remove the temporary files of writes in progress (a process about to end at once calls this)."""
    for temporary in list(_IN_PROGRESS):
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def remove_stale_parts(folder: Path, name: str, *, suffix: str = PART_SUFFIX) -> list[Path]:
    """Remove ``folder``'s temporary files or folders for ``name`` (``.NAME.PID.*SUFFIX``) whose writing
    process has ended; returns what was removed."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)\..+{re.escape(suffix)}$")
    removed: list[Path] = []
    try:
        candidates = list(folder.iterdir())
    except OSError:
        return removed
    for path in candidates:
        found = pattern.match(path.name)
        if not found or process_alive(int(found.group(1))) or path.is_symlink():
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    """True when a process with this id runs (or may run: one of another user's answers "no permission")."""
    if pid == os.getpid() or os.name == "nt":  # On Windows os.kill would end the process: assume it runs.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # Elsewhere it can only be read by setting it: put it straight back.
        mask = os.umask(0o022)
        os.umask(mask)
    return mask
