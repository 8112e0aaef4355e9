"""The layer rule app → engine → classic, checked at run time too (import-linter checks it statically), and
no import cycles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
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
    assert "PySide6" not in _modules_loaded_by("import app.cli.cli")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module: each is at least one import cycle."""
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in order:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], order[imported])
        if lowest[module] == order[module]:
            group = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    return groups


def test_no_module_imports_itself_back_at_run_time() -> None:
    """No import cycle anywhere among the modules Python actually imports (imports made only for type
    checking, under ``TYPE_CHECKING``, do not run; engine/ and classic/ are acyclic even with them, by
    import-linter's contract)."""
    graph = grimp.build_graph(
        "app", "engine", "classic", include_external_packages=False, exclude_type_checking_imports=True
    )
    assert _cycles(graph) == []
