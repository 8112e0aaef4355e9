"""How the editor feels (``python main.py benchmark --editor``), measured in an offscreen Qt application
with the real ``MainWindow`` driven by synthetic mouse events:

- **dabs**: one mouse move per dab of a 200-px brush on a 24 MP mask, timed from the event until the
  viewport has repainted (the dab, its dirty rectangle on the canvas, the paint), in the fitted view;
- **stroke → preview**: on a 1 MP photo after the automatic cut-out and composite, from the mouse
  release of a 200-px brush stroke across the subject's edge until the composite layer is replaced (the
  alpha re-solved around the stroke on the worker and pasted, then the composite remade);
- **stalls**: a 5 ms ``QTimer`` on the GUI thread records the gaps between its ticks while the 24 MP
  cut-out runs on the worker, from submitting the job until its result arrives (the window imports
  pymatting before its first job, see ``MainWindow``); the repeat shows what later jobs see. The
  GUI-thread time to show a new photo, to show the cut-out and to autosave are timed too;
- **24 MP editing**: on a 24 MP photo and background after the automatic cut-out and composite, a
  5 ms timer's gaps from the release of a 300-px eraser stroke across the subject's edge until all it
  set off is done (its undo step, the alpha re-solved on the worker and pasted as a second step, the
  composite remade), with the times to each; then the same from the release of a 300-px eraser stroke
  on the alpha in the overlay view (the photographer's touch-up after Composite: only the composite is
  remade); then from an edit of the placement panel's X field until the new preview has been painted;
- **undo memory** of a dab and of a diagonal stroke across a 24 MP mask (see ``app.gui.commands``).

Autosave is kept from firing during the timed runs and timed on its own. Each group runs in a fresh
process (as ``app.bench.benchmark`` does), so its peak memory is its own.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.gui.commands import StrokeCommand
from app.gui.editor_timing import EditorTiming, UndoMemoryRow
from app.gui.main_window import MainWindow
from app.gui.window_driver import (
    GuiTicks,
    HistoryClock,
    LayerClock,
    PaintClock,
    circle_path,
    close_window,
    edge_points,
    open_window,
    sample_photo,
    send_mouse,
    timed,
    use_brush,
)
from app.model.brush import SPACING, Brush, Stroke
from app.model.layers import LayerStack
from classic.pipeline import Cutout

MASK_SIZE = (6000, 4000)  # (width, height): 24 MP
PHOTO_SIZE = (1155, 866)  # 1 MP
BRUSH = 200.0
BIG_BRUSH = 300.0  # The eraser of the 24 MP editing rows.
DAB_TARGET_MS, STROKE_TARGET_MS, STALL_TARGET_MS = 16.0, 150.0, 50.0
RESPONSIVE_TARGET_MS = 100.0  # p95 of the GUI gaps while a big stroke or a placement change is handled.
_MIB = 1024.0**2


def size_label(size: tuple[int, int]) -> str:
    megapixels = size[0] * size[1] / 1e6
    return f"{megapixels:.0f}MP" if megapixels >= 1 else f"{size[0]}x{size[1]}"


def measure_dabs(
    *, size: tuple[int, int] = MASK_SIZE, brush: float = BRUSH, dabs: int = 200
) -> list[EditorTiming]:
    """Per-dab time (event → repainted viewport) along a circle on an empty mask, and the stroke's release."""
    width, height = size
    window = open_window()
    try:
        window.layers.set_image("segmentation mask", np.zeros((height, width), np.float32))
        use_brush(window, brush)
        path = circle_path(
            width, height, radius=min(width, height) / 2 - brush, step=SPACING * brush, count=dabs + 1
        )
        send_mouse(window, QEvent.Type.MouseButtonPress, *path[0])
        samples = [timed(partial(send_mouse, window, QEvent.Type.MouseMove, *point)) for point in path[1:]]
        release = timed(lambda: send_mouse(window, QEvent.Type.MouseButtonRelease, *path[-1]))
    finally:
        close_window(window)
    name = f"brush dab + canvas update ({brush:g} px)"
    return [
        EditorTiming.of(name, size_label(size), samples, target_ms=DAB_TARGET_MS, statistic="p95"),
        EditorTiming.of(f"release after {dabs} dabs (undo step, GUI thread)", size_label(size), [release]),
    ]


def measure_stroke_latency(
    *, size: tuple[int, int] = PHOTO_SIZE, brush: float = BRUSH, strokes: int = 7, timeout_s: float = 300.0
) -> list[EditorTiming]:
    """Mouse release → alpha re-solved and → composite replaced, for strokes across the subject's edge."""
    window = open_window()
    try:
        clock, mask = _composited(window, size, size, timeout_s)
        use_brush(window, brush)
        to_alpha, to_composite = [], []
        for x, y in edge_points(mask, strokes):
            step = SPACING * brush  # one dab at each event: a stroke of three dabs down across the edge
            send_mouse(window, QEvent.Type.MouseButtonPress, x, y - step)
            send_mouse(window, QEvent.Type.MouseMove, x, y)
            released = time.perf_counter()
            send_mouse(window, QEvent.Type.MouseButtonRelease, x, y + step)
            to_composite.append(1e3 * (clock.wait("composite", released, timeout_s) - released))
            if clock.times["alpha"] <= released:
                raise RuntimeError("the stroke did not re-solve the alpha")
            to_alpha.append(1e3 * (clock.times["alpha"] - released))
    finally:
        close_window(window)
    size_name, stroke = size_label(size), f"{brush:g}-px stroke"
    return [
        EditorTiming.of(f"{stroke} → alpha re-solved", size_name, to_alpha),
        EditorTiming.of(
            f"{stroke} → composite updated", size_name, to_composite,
            target_ms=STROKE_TARGET_MS, statistic="median",
        ),
    ]  # fmt: skip


def measure_editing(
    *,
    size: tuple[int, int] = MASK_SIZE,
    background_size: tuple[int, int] = MASK_SIZE,
    brush: float = BIG_BRUSH,
    strokes: int = 2,
    alpha_strokes: int = 2,
    placements: int = 3,
    interval_ms: int = 5,
    timeout_s: float = 600.0,
) -> list[EditorTiming]:
    """GUI-thread gaps and latencies on a big photo after the automatic cut-out and composite: an eraser
    stroke across the subject's edge, from its release until all it set off is done (its undo step, the
    alpha re-solved and pasted as a second step, the composite remade); then an eraser stroke on the
    alpha in the overlay view, from its release until the composite is remade from it; then a placement
    field edited, until the new preview is painted. A composite counts as remade once the window's own
    listeners (the canvas's re-render included) have handled the replaced layer."""
    window = open_window()
    try:
        clock, mask = _composited(window, size, background_size, timeout_s)
        use_brush(window, brush, "subtract")
        ticks, history = GuiTicks(interval_ms), HistoryClock(window.undo_stack)
        stroke_gaps: list[float] = []
        to_step, to_alpha_step, to_done = [], [], []
        for x, y in edge_points(mask, strokes):
            start, _done, end = _erase_across(window, ticks, clock, brush, x, y, timeout_s)
            stroke_gaps += ticks.gaps(start, end)
            step, alpha_step = history.first("Erase", start), history.first("Re-solve alpha", start)
            if step is None or alpha_step is None:
                raise RuntimeError("the stroke or its re-solved alpha left no undo step")
            to_step.append(1e3 * (step - start))
            to_alpha_step.append(1e3 * (alpha_step - start))
            to_done.append(1e3 * (clock.times["composite"] - start))
        alpha = _paint_alpha(window)
        alpha_gaps: list[float] = []
        alpha_to_done = []
        for x, y in edge_points(alpha, alpha_strokes):
            start, _done, end = _erase_across(window, ticks, clock, brush, x, y, timeout_s)
            alpha_gaps += ticks.gaps(start, end)
            if history.first("Erase", start) is None or clock.times.get("alpha", -np.inf) <= start:
                raise RuntimeError("the alpha stroke left no undo step")
            if history.first("Re-solve alpha", start) is not None:
                raise RuntimeError("the stroke painted the segmentation mask, not the alpha")
            alpha_to_done.append(1e3 * (clock.times["composite"] - start))
        placement_gaps, to_preview = _change_placements(window, ticks, placements, timeout_s)
    finally:
        close_window(window)
    size_name, stroke = size_label(size), f"{brush:g}-px eraser stroke released"
    alpha_stroke = f"{brush:g}-px alpha eraser stroke released"
    held = partial(EditorTiming.of, target_ms=RESPONSIVE_TARGET_MS, statistic="p95")
    return [
        held(f"GUI gaps, {stroke} → all done", size_name, stroke_gaps),
        EditorTiming.of(f"{stroke} → its undo step (GUI thread)", size_name, to_step),
        EditorTiming.of(f"{stroke} → re-solved alpha's undo step", size_name, to_alpha_step),
        EditorTiming.of(f"{stroke} → composite remade (all done)", size_name, to_done),
        held(f"GUI gaps, {alpha_stroke} → composite remade", size_name, alpha_gaps),
        EditorTiming.of(f"{alpha_stroke} → composite remade", size_name, alpha_to_done),
        held("GUI gaps, placement change → preview shown", size_name, placement_gaps),
        EditorTiming.of("placement change → preview shown", size_name, to_preview),
    ]


def _composited(
    window: MainWindow, size: tuple[int, int], background_size: tuple[int, int], timeout_s: float
) -> tuple[LayerClock, np.ndarray]:
    """Open the sample photos, composite automatically (cut-out included), and show the segmentation mask
    alone for the brush to paint; the layer clock and the mask."""
    window.document.set_foreground(sample_photo("astronaut", size))
    window.document.set_background(sample_photo("coffee", background_size))
    clock = LayerClock(window.layers)
    start = time.perf_counter()
    if not window.run_composite():
        raise RuntimeError("the composite did not start")
    clock.wait("composite", start, timeout_s)
    for name in ("composite", "alpha", "trimap", "refined mask"):
        if name in window.layers:
            window.layers.set_visible(name, False)
    mask = window.layers.get("segmentation mask")
    if mask is None or window.painter.target() != "segmentation mask":
        raise RuntimeError("the cut-out left no segmentation mask to paint on")
    return clock, mask


def _paint_alpha(window: MainWindow) -> np.ndarray:
    """Show the overlay view of the alpha (selected in the layer panel), as after Composite the brush
    paints it there; the alpha. Untimed: the overlay of a 24 MP photo is rendered here."""
    names = window.layers.names()
    view = window.layer_view
    view.setCurrentIndex(view.model().index(names.index("alpha"), 0))
    window.editor.set_mode("overlay")
    QApplication.processEvents()
    alpha = window.layers.get("alpha")
    if alpha is None or window.painter.target() != "alpha":
        raise RuntimeError("the overlay view does not let the brush paint the alpha")
    return alpha


def _erase_across(
    window: MainWindow, ticks: GuiTicks, clock: LayerClock, brush: float, x: float, y: float, timeout_s: float
) -> tuple[float, float, float]:
    """A stroke on the layer the brush paints from 1.5 brush widths left of (x, y) to as far right, one
    dab per move, ticking from its release until the composite is remade and no job runs;
    ``GuiTicks.run_until``'s moments."""
    width = window.canvas.image_size[0]
    step = SPACING * brush
    xs = np.clip(np.arange(x - 1.5 * brush, x + 1.5 * brush + step, step), 0.0, width - 1.0)
    send_mouse(window, QEvent.Type.MouseButtonPress, float(xs[0]), y)
    for column in xs[1:-1]:
        send_mouse(window, QEvent.Type.MouseMove, float(column), y)
    marks: dict[str, float] = {}

    def release() -> None:
        marks["released"] = time.perf_counter()
        send_mouse(window, QEvent.Type.MouseButtonRelease, float(xs[-1]), y)

    def done() -> bool:
        remade = clock.times.get("composite", -np.inf) > marks["released"]
        return remade and not window.jobs.is_busy

    return ticks.run_until(release, done, timeout_s=timeout_s)


def _change_placements(
    window: MainWindow, ticks: GuiTicks, count: int, timeout_s: float
) -> tuple[list[float], list[float]]:
    """Edit the placement panel's X field ``count`` times (as typing a value and Enter does), each time
    ticking until the new preview has arrived and been painted; the gaps and the ms to each painting."""
    editor, panel = window.editor, window.editor.placement_panel
    editor.set_mode("after")  # Where a placement is judged; not timed.
    QApplication.processEvents()
    paints, arrivals = PaintClock(window.canvas.viewport()), []
    editor.compositing_panel.preview_ready.connect(lambda _image: arrivals.append(time.perf_counter()))
    shift = 0.02 * window.canvas.image_size[0]
    gaps, shown = [], []
    for run in range(count):
        value = panel.x_field.value() + (shift if run % 2 == 0 else -shift)
        start = time.perf_counter()

        def arrived(start: float = start) -> bool:
            return any(moment > start for moment in arrivals) and not editor.compositing_panel.runner.is_busy

        begun, _done, end = ticks.run_until(
            partial(panel.x_field.setValue, value), arrived, timeout_s=timeout_s
        )
        arrival = next(moment for moment in arrivals if moment > begun)
        painted = paints.first(arrival)
        gaps += ticks.gaps(begun, end)
        shown.append(1e3 * ((painted if painted is not None and painted < end else arrival) - begun))
    return gaps, shown


def measure_job_stall(
    *, size: tuple[int, int] = MASK_SIZE, runs: int = 2, interval_ms: int = 5, timeout_s: float = 600.0
) -> list[EditorTiming]:
    """GUI-thread gaps while the cut-out runs (first job, then repeats), and the GUI-thread handling times."""
    window = open_window()
    rows, shown = [], []
    try:
        photo, size_name = sample_photo("astronaut", size), size_label(size)
        opened = timed(lambda: window.document.set_foreground(photo))
        rows.append(EditorTiming.of("show a new photo (GUI thread)", size_name, [opened]))
        for run in range(runs):
            gaps, showing = _gaps_during_cutout(window, interval_ms, timeout_s)
            which = "first job" if run == 0 else "repeat"
            rows.append(
                EditorTiming.of(
                    f"GUI gaps during the cut-out ({which})", size_name, gaps, target_ms=STALL_TARGET_MS
                )
            )
            shown.append(showing)
        rows.append(EditorTiming.of("show the cut-out (GUI thread)", size_name, shown))
        window.project.modified = True
        rows.append(EditorTiming.of("autosave (GUI thread)", size_name, [timed(window.project.autosave)]))
    finally:
        close_window(window)
    return rows


def measure_undo_memory(*, size: tuple[int, int] = MASK_SIZE, brush: float = BRUSH) -> list[UndoMemoryRow]:
    """What the undo step of a single dab and of a corner-to-corner diagonal stroke holds."""
    width, height = size
    strokes = {"one dab": [(width / 2, height / 2)], "diagonal": [(0.0, 0.0), (width - 1.0, height - 1.0)]}
    rows = []
    for name, points in strokes.items():
        layers = LayerStack()
        layers.set_image("segmentation mask", np.zeros((height, width), np.float32))
        mask = layers.get("segmentation mask")
        assert mask is not None
        stroke = Stroke(mask, Brush(size=brush, hardness=0.8))
        for point in points:
            stroke.move_to(*point)
        bbox, old, new = stroke.finish()
        command = StrokeCommand(layers, "segmentation mask", bbox, old, new)
        box = f"{bbox.right - bbox.left}x{bbox.bottom - bbox.top} of {width}x{height}"
        before = (old.nbytes + new.nbytes) / _MIB
        rows.append(
            UndoMemoryRow(
                f"{name}, {brush:g}-px brush", box, len(command.tiles), before, command.nbytes / _MIB
            )
        )
    return rows


GROUPS: dict[str, Callable[[], Sequence[EditorTiming | UndoMemoryRow]]] = {
    "dabs": measure_dabs,
    "strokes": measure_stroke_latency,
    "stalls": measure_job_stall,
    "24 MP editing": measure_editing,
    "undo memory": measure_undo_memory,
}


def run_group(group: str) -> tuple[Sequence[EditorTiming | UndoMemoryRow], float]:
    """The rows of one of ``GROUPS``, measured in a fresh process, and that process's peak MiB."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_measure_group, group).result()


def _measure_group(group: str) -> tuple[Sequence[EditorTiming | UndoMemoryRow], float]:
    # A fresh process: offscreen Qt, and settings and the recovery file away from the user's own.
    folder = tempfile.mkdtemp(prefix="editor-benchmark-")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["COMPOSITOR_RECOVERY_DIR"] = str(Path(folder) / "recovery")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    rows = GROUPS[group]()
    return rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _gaps_during_cutout(window: MainWindow, interval_ms: int, timeout_s: float) -> tuple[list[float], float]:
    """Gaps (ms) between timer ticks from submitting the cut-out until its result arrives; ms to show it."""
    ticks: list[float] = []
    marks: dict[str, float] = {}
    loop = QEventLoop()
    show = window.document.set_cutout

    def timed_show(cutout: Cutout) -> None:
        marks["result"] = time.perf_counter()
        show(cutout)
        marks["shown"] = time.perf_counter()
        loop.quit()

    window.document.set_cutout = timed_show  # type: ignore[method-assign]  # run_cutout's result comes here
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    QTimer.singleShot(round(timeout_s * 1000), loop.quit)
    try:
        start = time.perf_counter()
        if window.run_cutout():
            loop.exec()
    finally:
        timer.stop()
        delattr(window.document, "set_cutout")
    if "shown" not in marks:
        raise RuntimeError("the cut-out did not finish")
    moments = [start, *(t for t in ticks if start < t < marks["result"]), marks["result"]]
    return np.diff(np.asarray(moments) * 1e3).tolist(), 1e3 * (marks["shown"] - marks["result"])
