"""The project's licence and the third-party notice: every dependency pyproject.toml declares is listed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_project_is_mit_licensed() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "MIT"}


def test_the_notice_lists_every_declared_dependency_and_the_model_files() -> None:
    notice = (ROOT / "THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8")
    listed = {_key(row.split("|")[1].strip()) for row in notice.splitlines() if row.startswith("| ")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {_key(re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0]) for requirement in declared}
    assert names <= listed, f"not in THIRD_PARTY_NOTICES.md: {sorted(names - listed)}"
    for weights in ("segmentation.pt", "refinement.pt", "matting.pt", "fusion.pt"):
        assert weights in notice
