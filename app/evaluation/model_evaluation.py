"""Evaluating one model version (Qt-free): ``python main.py evaluate``'s runner and report, with the task's
network pinned to the chosen weights file for the job's thread only (``engine.weights.pinned_weights``),
so the version in use does not change while it is being judged.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.evaluation.cli import task_named
from app.evaluation.report import write_report
from app.evaluation.runner import evaluate, summary
from app.evaluation.task import Metric
from classic.progress import CancelCallback, ProgressCallback, never_cancelled, no_progress, wrap_progress
from engine.weights import pinned_weights

# Per evaluation task: the network kind it judges and the method name that runs it.
TASK_NETWORKS = {
    "matting": ("matting", "network"),
    "segmentation": ("segmentation", "network"),
    "compositing": ("fusion", "fusion"),
}


@dataclass(frozen=True)
class ModelEvaluation:
    """The report written and the mean scores, ``summary[method][metric]``; ``metrics`` in report order."""

    report: Path
    summary: dict[str, dict[str, float]]
    metrics: tuple[Metric, ...]


def default_methods(task: str) -> tuple[str, ...]:
    """The network and the classic method it must beat (the issue's targets) for ``task``."""
    reference = {"matting": "closed-form", "segmentation": "grabcut", "compositing": "alpha"}[task]
    return (TASK_NETWORKS[task][1], reference)


def default_report_folder(root: Path, task: str) -> Path:
    """``root/evaluations/TASK-YYYYmmdd-HHMMSS``: a new folder per run, beside the model versions (``-2``,
    ``-3``… after it when a run of the same second has it)."""
    stamped = root / "evaluations" / f"{task}-{datetime.now():%Y%m%d-%H%M%S}"
    folder, number = stamped, 1
    while folder.exists():
        number += 1
        folder = stamped.with_name(f"{stamped.name}-{number}")
    return folder


def evaluate_model(
    task: str,
    data: Path,
    out: Path,
    *,
    methods: Sequence[str],
    weights: Path | None = None,
    label: str = "",
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> ModelEvaluation:
    """Run ``methods`` of ``task`` on the set ``data``, the network from ``weights`` (None: the model in
    use), and write the report under ``out``. ``label`` names the model in the report (``v3``)."""
    chosen = task_named(task)
    kind, _ = TASK_NETWORKS[task]
    pin = pinned_weights(kind, weights) if weights is not None else contextlib.nullcontext()
    with pin:
        evaluation = evaluate(
            chosen, data, methods, out, progress=wrap_progress(progress, 0.0, 0.95), is_cancelled=is_cancelled
        )
    progress(0.95, "Writing the report")
    words = ["python", "main.py", "evaluate", task, "--data", str(data)]
    words += [word for method in dict.fromkeys(methods) for word in ("--method", method)]
    words += ["--out", str(out), "--no-robustness"]
    model = f"  # {kind} network: {label or 'the one in use'}" + (f" ({weights})" if weights else "")
    report = write_report(evaluation, out, command=shlex.join(words) + model)
    progress(1.0, "Evaluation done")
    return ModelEvaluation(report, summary(evaluation), chosen.metrics)
