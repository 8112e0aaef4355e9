"""The layer rule app → engine → classic, checked at run time too (import-linter checks it statically)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in output.stdout.split()}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("classic", {"torch", "PySide6", "app", "engine"}), ("engine", {"PySide6", "app"})],
)
def test_lower_layers_never_load_upper_ones(package: str, forbidden: set[str]) -> None:
    modules = [p.stem for p in (ROOT / package).glob("*.py") if p.stem != "__init__"]
    statement = "; ".join(f"import {package}.{module}" for module in modules)
    assert not forbidden & _modules_loaded_by(statement)


def test_the_command_line_does_not_load_qt() -> None:
    assert "PySide6" not in _modules_loaded_by("import app.cli")
