"""Run methods on every sample of a set: time and peak memory per image, the prediction written as the
8-bit PNG other tools can re-score, and its scores (computed on exactly the written values)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.evaluation.datasets import Sample, find_samples, make_folder
from app.evaluation.measure import measure, memory_measure
from app.evaluation.task import Inputs, Predict, Task, quantised
from classic.checks import InvalidInputError
from classic.imageio import write_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)

Scores = dict[str, float]


@dataclass(frozen=True)
class Evaluation:
    """Everything a report shows. ``scores[method][image]`` holds each metric plus ``seconds`` and
    ``peak_mib``; ``robustness[method][d]`` the mean metrics with the inputs varied by ``d``."""

    task: Task
    data: Path
    samples: list[Sample]
    methods: tuple[str, ...]
    scores: dict[str, dict[str, Scores]]
    robustness: dict[str, dict[int, Scores]]
    memory_measure: str


def prediction_path(out: Path, method: str, name: str) -> Path:
    return out / "predictions" / method / f"{name}.png"


def check_methods(task: Task, methods: Sequence[str]) -> tuple[str, ...]:
    """The methods without repeats; raises for a name the task does not know."""
    choices = ", ".join(task.methods)
    if not methods:
        raise InvalidInputError(f"no method given; choose one or more of {choices}")
    for method in methods:
        if method not in task.methods:
            raise InvalidInputError(f"unknown {task.name} method {method!r}; choose from {choices}")
    return tuple(dict.fromkeys(methods))


def evaluate(
    task: Task,
    data: Path,
    methods: Sequence[str],
    out: Path,
    *,
    dilations: Sequence[int] = (),
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> Evaluation:
    """Run ``methods`` on every sample of the set ``data`` and write the predictions under ``out``.

    ``dilations`` (tasks with ``vary`` only) also runs every method on inputs varied by each value.
    Unavailable methods (untrained networks) are refused before any work.
    """
    methods = check_methods(task, methods)
    samples = find_samples(data, task.folders, optional=task.optional)
    predictors = {method: task.predictor(method) for method in methods}
    dilations = tuple(dilations) if task.vary else ()
    for method, predict in predictors.items():
        make_folder(prediction_path(out, method, "x").parent)
        _warm_up(task, predict)
    scores: dict[str, dict[str, Scores]] = {method: {} for method in methods}
    varied: dict[str, dict[int, list[Scores]]] = {m: {d: [] for d in dilations} for m in methods}
    steps, done = len(samples) * len(methods) * (1 + len(dilations)), 0
    for sample in samples:
        inputs = task.load(sample)
        for method, predict in predictors.items():
            raise_if_cancelled(is_cancelled)
            progress(done / steps, f"{method}: {sample.name}")
            path = prediction_path(out, method, sample.name)
            scores[method][sample.name] = _run(task, predict, inputs, path)
            for dilation, rows in varied[method].items():
                raise_if_cancelled(is_cancelled)
                rows.append(_run(task, predict, _varied(task, inputs, dilation), None))
            done += 1 + len(dilations)
    progress(1.0, "Evaluation done")
    robustness = {m: {d: mean_scores(rows) for d, rows in by_d.items()} for m, by_d in varied.items()}
    return Evaluation(task, data, samples, methods, scores, robustness, memory_measure())


def _warm_up(task: Task, predict: Predict) -> None:
    # One-off costs (numba kernels loading, OpenCV's first calls) must not be charged to the first image.
    predict(task.warm_up_inputs())


def _varied(task: Task, inputs: Inputs, dilation: int) -> Inputs:
    assert task.vary is not None
    return task.vary(inputs, dilation)


def _run(task: Task, predict: Predict, inputs: Inputs, path: Path | None) -> Scores:
    prediction, seconds, peak = measure(lambda: predict(inputs))
    prediction = quantised(prediction)
    if path is not None:
        write_image(path, prediction)
    return {**task.score(prediction, inputs), "seconds": seconds, "peak_mib": peak}


def mean_scores(rows: Sequence[Scores]) -> Scores:
    """The mean of each key over ``rows`` (every row has the same keys)."""
    if not rows:
        return {}
    return {key: statistics.fmean(row[key] for row in rows) for key in rows[0]}


def summary(evaluation: Evaluation) -> dict[str, Scores]:
    """``{method: {metric: mean over the images}}``."""
    return {method: mean_scores(list(rows.values())) for method, rows in evaluation.scores.items()}
