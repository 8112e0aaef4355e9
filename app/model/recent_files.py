"""The recent-files list behind File ▸ Open Recent: photos and projects, most recent first. No Qt here.

The list is kept in the settings as one JSON string (QSettings' INI backend hands a one-item list back
as a plain string and an empty one as nothing, so a list value does not round-trip). An entry knows
whether it is a photo or a project; a photo also remembers the role it was last opened as, which the
window offers first when the photo is opened again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RECENT_LIMIT = 10
KINDS = ("foreground", "background", "project")


@dataclass(frozen=True)
class RecentFile:
    """One entry: an absolute ``path`` and its ``kind`` (``foreground``, ``background`` or ``project``)."""

    path: str
    kind: str

    @property
    def is_project(self) -> bool:
        return self.kind == "project"

    def exists(self) -> bool:
        return Path(self.path).exists()


def added(
    entries: Sequence[RecentFile], path: str, kind: str, *, limit: int = RECENT_LIMIT
) -> list[RecentFile]:
    """``entries`` with ``path`` first (moved up if listed: one entry per file), at most ``limit`` long."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of recent file {kind!r}; known: {', '.join(KINDS)}")
    path = str(Path(path).absolute())
    kept = [entry for entry in entries if entry.path != path]
    return [RecentFile(path, kind), *kept][:limit]


def encode(entries: Sequence[RecentFile]) -> str:
    return json.dumps([{"path": entry.path, "kind": entry.kind} for entry in entries])


def decode(text: str, *, limit: int = RECENT_LIMIT) -> list[RecentFile]:
    """The entries stored in ``text``; what is not a well-formed entry is skipped, never an error."""
    try:
        raw = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(raw, list):
        return []
    entries = [
        RecentFile(item["path"], item["kind"])
        for item in raw
        if isinstance(item, dict) and isinstance(item.get("path"), str) and item.get("kind") in KINDS
    ]
    return entries[:limit]
