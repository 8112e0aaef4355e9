"""``docs/BENCHMARKS.md``: the machine, then one table of median time and peak memory per benchmark
section (classic and engine operations), and the editor's responsiveness section, which
``python main.py benchmark --editor`` writes on its own without touching the others."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.evaluation.machine import describe_machine, machine_markdown
from app.gui.editor_timing import EditorTiming, UndoMemoryRow
from classic.atomic_file import write_atomically

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "BENCHMARKS.md"
EDITOR = "Editor responsiveness"
# Sections another command writes, each saying how and when it was made: a rewrite of the page keeps them.
SELF_CONTAINED_SECTIONS = (EDITOR,)


@dataclass(frozen=True)
class BenchmarkRow:
    """One measured operation: its name, the photo size, the median seconds and the peak MiB."""

    operation: str
    size: str
    seconds: float
    peak_mib: float


def benchmarks_markdown(
    sections: Mapping[str, Sequence[BenchmarkRow]], *, command: str, notes: Mapping[str, str] | None = None
) -> str:
    """The Markdown page: how it was made, the machine, and a table per section (with its note)."""
    parts = [
        "# Benchmarks",
        f"Written by `{command}`; rerun it to update this page. Times are medians of the timed runs.",
        f"## Machine\n\n{machine_markdown()}",
    ]
    for title, rows in sections.items():
        lines = ["| operation | size | median s | peak MiB |", "|---|---|---:|---:|"]
        lines += [f"| {r.operation} | {r.size} | {r.seconds:.2f} | {r.peak_mib:.0f} |" for r in rows]
        note = (notes or {}).get(title)
        parts.append(f"## {title}\n\n" + (f"{note}\n\n" if note else "") + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def editor_markdown(
    timings: Sequence[EditorTiming], memory: Sequence[UndoMemoryRow], *, command: str, note: str = ""
) -> str:
    """The body of the editor section: provenance, note, the timing table and the undo-memory table."""
    machine = describe_machine()
    lines = [
        f"Written by `{command}` on {machine['date']} ({machine['CPU']}, {machine['cores']} cores)."
        + (f" {note}" if note else ""),
        "",
        "| measure | size | n | median ms | p95 ms | p99 ms | max ms | target | met | peak MiB |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    lines += [_timing_line(t) for t in timings]
    if memory:
        lines += [
            "",
            "Undo memory per stroke: before, the stroke's bounding box with its old and new float32 patches; "
            "now, only the tiles of that box the stroke changed.",
            "",
            "| stroke | bounding box | tiles kept | before MiB | now MiB |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| {m.stroke} | {m.box} | {m.tiles} | {m.before_mib:.2f} | {m.after_mib:.2f} |" for m in memory
        ]
    return "\n".join(lines)


def _timing_line(t: EditorTiming) -> str:
    target = "" if t.target_ms is None else f"{t.statistic} ≤ {t.target_ms:g} ms"
    met = {None: "", True: "yes", False: "**no**"}[t.met]
    return (
        f"| {t.measure} | {t.size} | {t.samples} | {t.median_ms:.1f} | {t.p95_ms:.1f} | {t.p99_ms:.1f} "
        f"| {t.max_ms:.1f} | {target} | {met} | {t.peak_mib:.0f} |"
    )


def write_benchmarks(
    path: Path,
    sections: Mapping[str, Sequence[BenchmarkRow]],
    *,
    command: str,
    notes: Mapping[str, str] | None = None,
) -> None:
    """Write ``benchmarks_markdown`` to ``path`` atomically (its folder is created if needed), keeping the
    page's ``SELF_CONTAINED_SECTIONS``."""
    text = benchmarks_markdown(sections, command=command, notes=notes)
    old = _split_sections(path.read_text(encoding="utf-8"))[1] if path.exists() else {}
    preamble, new = _split_sections(text)
    for title in SELF_CONTAINED_SECTIONS:
        if title in old and title not in new:
            new[title] = old[title]
    _write_atomically(path, _join_sections(preamble, new))


def write_section(path: Path, title: str, body: str) -> None:
    """Put section ``## title`` with ``body`` into the page at ``path``, replacing one of that title and
    keeping every other section; a missing page is started with a heading and the machine."""
    if path.exists():
        preamble, sections = _split_sections(path.read_text(encoding="utf-8"))
    else:
        preamble, sections = "# Benchmarks\n", {"Machine": machine_markdown()}
    sections[title] = body
    _write_atomically(path, _join_sections(preamble, sections))


def _split_sections(text: str) -> tuple[str, dict[str, str]]:
    """The text before the first ``## `` heading, and each section's title → body (in page order)."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    sections = {}
    for part in parts[1:]:
        title, _newline, body = part.partition("\n")
        sections[title.strip()] = body.strip("\n")
    return parts[0], sections


def _join_sections(preamble: str, sections: Mapping[str, str]) -> str:
    parts = [preamble.strip("\n"), *(f"## {title}\n\n{body}" for title, body in sections.items())]
    return "\n\n".join(parts) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"))
