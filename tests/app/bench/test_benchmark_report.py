"""``docs/BENCHMARKS.md``: the writer on a tiny fake result, ``main.py benchmark --write``, and the editor's
section written beside the others."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.bench import benchmark
from app.bench.benchmark_report import (
    EDITOR,
    BenchmarkRow,
    benchmarks_markdown,
    editor_markdown,
    write_benchmarks,
    write_section,
)
from app.gui.editor_timing import EditorTiming, UndoMemoryRow

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


def test_editor_timing_summarises_and_judges_its_statistic() -> None:
    timing = EditorTiming.of("dab", "24MP", [1.0, 2.0, 3.0, 100.0], target_ms=16.0, statistic="median")
    assert (timing.samples, timing.median_ms, timing.max_ms) == (4, 2.5, 100.0)
    assert timing.p95_ms > 3.0 and timing.met is True
    assert replace(timing, statistic="max").met is False
    assert EditorTiming.of("release", "24MP", [5.0]).met is None
    with pytest.raises(ValueError):
        EditorTiming.of("nothing", "1MP", [])


def test_editor_section_is_added_replaced_and_kept_by_a_classic_rewrite(tmp_path: Path) -> None:
    page = tmp_path / "BENCHMARKS.md"
    write_benchmarks(page, {"Classic operations": ROWS}, command="python main.py benchmark")
    timings = [EditorTiming.of("dab", "24MP", [3.0, 4.0], target_ms=16.0, statistic="p95")]
    memory = [UndoMemoryRow("diagonal", "6000x4000", 154, 183.1, 19.0)]
    write_section(page, EDITOR, editor_markdown(timings, memory, command="first", note="N."))
    write_section(page, EDITOR, editor_markdown(timings, memory, command="second"))
    text = page.read_text()
    assert text.count(f"## {EDITOR}") == 1 and "`second`" in text and "`first`" not in text
    assert "| dab | 24MP | 2 | 3.5 |" in text and "| p95 ≤ 16 ms | yes |" in text
    assert "| diagonal | 6000x4000 | 154 | 183.10 | 19.00 |" in text
    assert "| matte closed-form | 1MP | 1.23 | 457 |" in text  # the classic section is untouched
    write_benchmarks(page, {"Classic operations": ROWS[:1]}, command="python main.py benchmark")
    rewritten = page.read_text()
    assert f"## {EDITOR}\n\nWritten by `second`" in rewritten and "| composite alpha |" not in rewritten
    assert rewritten.index("## Machine") < rewritten.index("## Classic operations") < rewritten.index(EDITOR)


def test_editor_section_starts_a_missing_page(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "BENCHMARKS.md"
    write_section(page, EDITOR, "body")
    text = page.read_text()
    assert text.startswith("# Benchmarks\n\n## Machine\n\n- **CPU**: ")
    assert text.endswith(f"## {EDITOR}\n\nbody\n")
