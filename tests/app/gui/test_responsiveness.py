"""The editor benchmark's functions on tiny sizes: sane figures (structure, positive values), no timing
assertions; the path and edge helpers; and the runner writing its section."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui import responsiveness
from app.gui.editor_timing import EditorTiming
from app.gui.window_driver import GuiTicks, circle_path, edge_points


def check_timing(row: EditorTiming, samples: int | None = None) -> None:
    assert row.samples >= 1 and (samples is None or row.samples == samples)
    assert 0.0 < row.median_ms <= row.p95_ms <= row.p99_ms <= row.max_ms
    assert math.isfinite(row.max_ms)


def test_dabs_give_one_sample_per_dab(qtbot: QtBot) -> None:
    dab, release = responsiveness.measure_dabs(size=(300, 200), brush=20.0, dabs=12)
    check_timing(dab, samples=12)
    check_timing(release, samples=1)
    assert dab.target_ms == responsiveness.DAB_TARGET_MS and dab.statistic == "p95" and dab.met is not None
    assert release.target_ms is None and release.met is None
    assert dab.size == "300x200"


def test_stroke_latency_waits_for_the_alpha_then_the_composite(qtbot: QtBot) -> None:
    alpha, composite = responsiveness.measure_stroke_latency(size=(160, 120), brush=16.0, strokes=2)
    check_timing(alpha, samples=2)
    check_timing(composite, samples=2)
    assert composite.max_ms >= alpha.max_ms  # the composite is remade after the alpha is pasted
    assert composite.target_ms == responsiveness.STROKE_TARGET_MS and composite.statistic == "median"


def test_job_stall_records_gaps_and_the_gui_thread_handling(qtbot: QtBot) -> None:
    rows = responsiveness.measure_job_stall(size=(160, 120), runs=2)
    measures = [row.measure for row in rows]
    assert measures == [
        "show a new photo (GUI thread)",
        "GUI gaps during the cut-out (first job)",
        "GUI gaps during the cut-out (repeat)",
        "show the cut-out (GUI thread)",
        "autosave (GUI thread)",
    ]
    for row in rows:
        check_timing(row)
    assert rows[3].samples == 2
    assert rows[1].target_ms == responsiveness.STALL_TARGET_MS and rows[1].statistic == "max"


def test_undo_memory_of_a_diagonal_is_far_below_its_bounding_box() -> None:
    dab, diagonal = responsiveness.measure_undo_memory(size=(900, 600), brush=30.0)
    assert diagonal.box == "900x600 of 900x600" and diagonal.tiles > 0
    assert diagonal.after_mib < 0.5 * diagonal.before_mib
    assert diagonal.before_mib == pytest.approx(2 * 900 * 600 * 4 / 1024**2)
    assert 0.0 < dab.after_mib <= dab.before_mib and dab.tiles >= 1


def test_circle_path_steps_just_over_the_spacing() -> None:
    points = np.asarray(circle_path(600, 400, radius=150.0, step=5.0, count=50))
    steps = np.hypot(*np.diff(points, axis=0).T)
    assert np.all(steps >= 5.0) and np.all(steps < 5.05)
    assert np.allclose(np.hypot(points[:, 0] - 300, points[:, 1] - 200), 150.0)


def test_edge_points_lie_on_the_mask_edge() -> None:
    mask = np.zeros((40, 60), np.float32)
    mask[10:30, 20:45] = 1.0
    points = edge_points(mask, 5)
    assert len(points) == 5
    for x, y in points:
        assert 10 <= y < 30 and x in (19.0, 44.0)  # the column left of a change between x and x + 1
    with pytest.raises(RuntimeError):
        edge_points(np.zeros((5, 5), np.float32), 2)


def test_editing_times_big_strokes_on_the_mask_and_alpha_and_a_placement_change(qtbot: QtBot) -> None:
    rows = responsiveness.measure_editing(
        size=(160, 120),
        background_size=(120, 90),
        brush=24.0,
        strokes=2,
        alpha_strokes=3,
        placements=2,
        timeout_s=60.0,
    )
    measures = [row.measure for row in rows]
    assert measures == [
        "GUI gaps, 24-px eraser stroke released → all done",
        "24-px eraser stroke released → its undo step (GUI thread)",
        "24-px eraser stroke released → re-solved alpha's undo step",
        "24-px eraser stroke released → composite remade (all done)",
        "GUI gaps, 24-px alpha eraser stroke released → composite remade",
        "24-px alpha eraser stroke released → composite remade",
        "GUI gaps, placement change → preview shown",
        "placement change → preview shown",
    ]
    gaps, step, alpha_step, done, alpha_gaps, alpha_done, placement_gaps, shown = rows
    for row in rows:
        check_timing(row)
    for row in (gaps, alpha_gaps, placement_gaps):
        assert row.samples > 2 and row.statistic == "p95"
        assert row.target_ms == responsiveness.RESPONSIVE_TARGET_MS and row.met is not None
    for row in (step, alpha_step, done):
        assert row.samples == 2 and row.target_ms is None
    assert step.max_ms <= alpha_step.max_ms <= done.max_ms  # the stroke's step, the alpha's, the composite
    assert alpha_done.samples == 3 and alpha_done.target_ms is None
    assert shown.samples == 2 and rows[0].size == "160x120"
    assert "24 MP editing" in responsiveness.GROUPS


def test_gui_ticks_time_out_loudly(qtbot: QtBot) -> None:
    ticks = GuiTicks(5)
    start, done, end = ticks.run_until(
        lambda: None, lambda: len(ticks.ticks) >= 3, timeout_s=5.0, settle_ms=20
    )
    assert start < done <= end and len(ticks.ticks) >= 3
    gaps = ticks.gaps(start, end)
    assert len(gaps) >= 4 and all(gap >= 0.0 for gap in gaps)
    assert sum(gaps) == pytest.approx(1e3 * (end - start))
    with pytest.raises(TimeoutError):
        ticks.run_until(lambda: None, lambda: False, timeout_s=0.05)
