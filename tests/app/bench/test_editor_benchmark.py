"""``benchmark --editor``'s runner: each group's rows printed and written as the page's editor section."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bench import benchmark
from app.bench.benchmark_report import EDITOR
from app.gui import responsiveness
from app.gui.editor_timing import EditorTiming, UndoMemoryRow


def test_the_runner_prints_and_writes_the_editor_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = {
        "dabs": [EditorTiming.of("brush dab", "24MP", [2.0, 3.0, 40.0], target_ms=16.0, statistic="p95")],
        "undo memory": [UndoMemoryRow("diagonal", "6000x4000", 154, 183.1, 19.0)],
    }
    monkeypatch.setattr(responsiveness, "GROUPS", dict.fromkeys(fake, lambda: []))
    monkeypatch.setattr(responsiveness, "run_group", lambda group: (fake[group], 700.0))
    page = tmp_path / "BENCHMARKS.md"
    page.write_text("# Benchmarks\n\n## Classic operations\n\n| a | b |\n")
    assert benchmark.main(["--editor", "--write", str(page)]) == 0
    printed = capsys.readouterr().out
    assert "| brush dab | 24MP | 3 | 3.0 |" in printed and "**no** | 700 |" in printed
    text = page.read_text()
    assert f"## {EDITOR}\n\nWritten by `python main.py benchmark --editor --write {page}`" in text
    assert "## Classic operations\n\n| a | b |" in text
    assert "| diagonal | 6000x4000 | 154 | 183.10 | 19.00 |" in text
