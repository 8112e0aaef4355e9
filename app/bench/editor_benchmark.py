"""``python main.py benchmark --editor``: run each group of ``app.gui.responsiveness`` in a fresh process,
print the tables, and write the editor section of ``docs/BENCHMARKS.md``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.bench.benchmark_report import EDITOR, editor_markdown, write_section
from app.gui import responsiveness
from app.gui.editor_timing import EditorTiming, UndoMemoryRow


def run_editor_benchmarks(*, write: Path | None, command: str) -> int:
    """Run every group in a fresh process, print the tables, and write the page's editor section."""
    timings: list[EditorTiming] = []
    memory: list[UndoMemoryRow] = []
    for group in responsiveness.GROUPS:
        rows, peak_mib = responsiveness.run_group(group)
        for row in rows:
            if isinstance(row, EditorTiming):
                timings.append(replace(row, peak_mib=peak_mib))
            else:
                memory.append(row)
        print(f"{group}: done (peak {peak_mib:.0f} MiB)", flush=True)
    body = editor_markdown(timings, memory, command=command, note=_NOTE)
    print(body)
    if write is not None:
        write_section(write, EDITOR, body)
        print(f"written to {write}", flush=True)
    return 0


_NOTE = (
    "Offscreen Qt with the real main window (1200×800, the image fitted in view), driven by synthetic "
    "mouse events; autosave is kept out of the timed runs and timed on its own. A dab is timed from its "
    "mouse event until the viewport has repainted; a stroke (three dabs, 100 px down across the "
    "subject's edge) from its release until the composite layer is replaced; GUI gaps are the intervals "
    "between ticks of a 5 ms timer from submitting the cut-out until its result arrives, for the first "
    "job of a process (the window imports pymatting before it) and a repeat. The 24 MP editing rows "
    "(photo and background both 6000×4000, after the automatic composite): GUI gaps of the same timer "
    "from the release of a 300-px eraser stroke (13 dabs, 900 px across the subject's edge, on the "
    "segmentation mask) until its undo step, the re-solved alpha's undo step and the remade composite "
    "are all in, plus 100 ms; then the same stroke on the alpha in the overlay view (the touch-up after "
    "Composite, which only remakes the composite) from its release until the composite is remade, plus "
    "100 ms; and from an edit of the placement panel's X field until the new preview "
    "is painted in the after view. Peak MiB is the measuring process's (each group runs in its "
    "own), photos and Qt included."
)
