"""``docs/BENCHMARKS.md``: the machine, then one table of median time and peak memory per benchmark
section (classic operations now; engine and editor benchmarks add their own sections)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.machine import machine_markdown

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


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


def write_benchmarks(
    path: Path,
    sections: Mapping[str, Sequence[BenchmarkRow]],
    *,
    command: str,
    notes: Mapping[str, str] | None = None,
) -> None:
    """Write ``benchmarks_markdown`` to ``path`` atomically (its folder is created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(benchmarks_markdown(sections, command=command, notes=notes))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
