"""Atomic writes: the umask's mode, stale temporary files of dead writers, interrupted writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from classic import atomic_file
from classic.atomic_file import process_alive, remove_stale_parts, write_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_atomically(tmp_path / "a.png", b"data")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "a.png") == 0o640
    assert (tmp_path / "a.png").read_bytes() == b"data"


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"old")
    target.chmod(0o604)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o604


def _dead_pid() -> int:
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(process.stdout)


@pytest.mark.skipif(os.name == "nt", reason="process ids are not checked on Windows")
def test_parts_left_by_a_dead_writer_go_and_others_stay(tmp_path: Path) -> None:
    dead = _dead_pid()
    assert not process_alive(dead)
    stale = tmp_path / f".a.png.{dead}.xyz.part"
    mine = tmp_path / f".a.png.{os.getpid()}.abc.part"
    other_target = tmp_path / f".b.png.{dead}.xyz.part"
    user_file = tmp_path / "a.png.part"
    for path in (stale, mine, other_target, user_file):
        path.write_bytes(b"x")
    assert remove_stale_parts(tmp_path, "a.png") == [stale]
    write_atomically(tmp_path / "b.png", b"data")  # a write cleans its own target's leftovers
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, user_file.name, "b.png"])


def test_an_interrupted_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(_descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_file.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "a.png", b"data")
    assert list(tmp_path.iterdir()) == []


def test_writes_in_progress_can_be_removed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def stop_here(_descriptor: int) -> None:
        seen.append(os.listdir(tmp_path))
        atomic_file.remove_writes_in_progress()  # what the signal handler does before exiting
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_file.os, "fsync", stop_here)
    with pytest.raises(KeyboardInterrupt):
        atomic_file.write_atomically(tmp_path / "a.png", b"data")
    assert len(seen[0]) == 1 and seen[0][0].endswith(".part") and os.listdir(tmp_path) == []
