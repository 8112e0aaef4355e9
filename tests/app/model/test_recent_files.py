"""The recent-files list: most recent first, one entry per file, at most ten, and robust decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.model.recent_files import RECENT_LIMIT, RecentFile, added, decode, encode


def test_the_newest_comes_first_and_a_reopened_file_moves_up(tmp_path: Path) -> None:
    a, b = str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg")
    entries = added(added([], a, "foreground"), b, "background")
    assert [entry.path for entry in entries] == [b, a]
    entries = added(entries, a, "background")
    assert entries == [RecentFile(a, "background"), RecentFile(b, "background")]


def test_the_list_keeps_the_ten_newest(tmp_path: Path) -> None:
    entries: list[RecentFile] = []
    for number in range(RECENT_LIMIT + 3):
        entries = added(entries, str(tmp_path / f"{number}.png"), "foreground")
    assert len(entries) == RECENT_LIMIT
    assert Path(entries[0].path).name == f"{RECENT_LIMIT + 2}.png"
    assert Path(entries[-1].path).name == "3.png"


def test_paths_are_made_absolute_and_kinds_checked() -> None:
    assert Path(added([], "relative.png", "project")[0].path).is_absolute()
    with pytest.raises(ValueError, match="unknown kind"):
        added([], "x.png", "mask")


def test_encoding_round_trips_and_bad_text_gives_an_empty_list(tmp_path: Path) -> None:
    entries = [
        RecentFile(str(tmp_path / "p.zip"), "project"),
        RecentFile(str(tmp_path / "f.png"), "foreground"),
    ]
    assert decode(encode(entries)) == entries
    assert decode("") == [] and decode("{not json") == [] and decode('{"path": 1}') == []
    mixed = '[{"path": "/a.png", "kind": "foreground"}, {"path": 3, "kind": "project"}, "x", {"path": "/b"}]'
    assert decode(mixed) == [RecentFile("/a.png", "foreground")]
