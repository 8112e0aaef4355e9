"""``docs/BENCHMARKS.md``: the writer on a tiny fake result, and ``main.py benchmark --write``."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import benchmark
from app.benchmark_report import BenchmarkRow, benchmarks_markdown, write_benchmarks

ROWS = [
    BenchmarkRow("matte closed-form", "1MP", 1.234, 456.7),
    BenchmarkRow("composite alpha", "24MP", 0.5, 2048),
]


def test_markdown_holds_the_machine_and_one_table_per_section() -> None:
    text = benchmarks_markdown({"Classic operations": ROWS}, command="python main.py benchmark")
    assert text.startswith("# Benchmarks\n")
    assert "`python main.py benchmark`" in text
    for field in ("CPU", "cores", "memory", "Python", "numpy", "OpenCV", "date"):
        assert f"- **{field}**: " in text
    assert "## Classic operations\n" in text
    assert "| matte closed-form | 1MP | 1.23 | 457 |" in text
    assert "| composite alpha | 24MP | 0.50 | 2048 |" in text


def test_writer_creates_the_folder_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "BENCHMARKS.md"
    section = "Classic operations"
    write_benchmarks(target, {section: ROWS}, command="x", notes={section: "A note."})
    assert "A note.\n\n| operation |" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["BENCHMARKS.md"]


def test_benchmark_command_writes_what_it_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(benchmark, "run_one", lambda name, size, repeat: (0.25, 300.0))
    target = tmp_path / "B.md"
    assert benchmark.main(["--sizes", "1MP", "--only", "composite alpha", "--write", str(target)]) == 0
    assert "| composite alpha | 1MP | 0.25 | 300 |" in capsys.readouterr().out
    text = target.read_text()
    assert "| composite alpha | 1MP | 0.25 | 300 |" in text
    assert "--only 'composite alpha'" in text


def test_a_partial_run_does_not_overwrite_the_docs_unless_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(benchmark, "run_one", lambda name, size, repeat: (0.25, 300.0))
    monkeypatch.setattr(benchmark, "write_benchmarks", lambda path, *args, **kwargs: calls.append(path))
    assert benchmark.main(["--sizes", "1MP", "--only", "composite alpha"]) == 0
    assert benchmark.main(["--sizes", "1MP", "--no-write"]) == 0
    assert calls == []
