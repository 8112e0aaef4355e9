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

    ``dilations`` (tasks with ``vary`` only) also runs every method but the task's ``unvaried`` ones on
    inputs varied by each value. Unavailable methods (untrained networks, a folder the set lacks) are
    refused before any work.
    """
    methods = check_methods(task, methods)
    samples = find_samples(data, task.folders, optional=task.optional)
    check_required_folders(task, data, methods, samples)
    predictors = {method: task.predictor(method) for method in methods}
    dilations = tuple(dilations) if task.vary else ()
    for method, predict in predictors.items():
        make_folder(prediction_path(out, method, "x").parent)
        _warm_up(task, predict)
    scores: dict[str, dict[str, Scores]] = {method: {} for method in methods}
    varied: dict[str, dict[int, list[Scores]]] = {
        m: {d: [] for d in dilations} for m in methods if m not in task.unvaried
    }
    steps = len(samples) * sum(1 + len(varied.get(method, ())) for method in methods)
    done = 0
    for sample in samples:
        inputs = task.load(sample)
        for method, predict in predictors.items():
            raise_if_cancelled(is_cancelled)
            progress(done / steps, f"{method}: {sample.name}")
            path = prediction_path(out, method, sample.name)
            try:
                scores[method][sample.name] = _run(task, predict, inputs, path)
                for dilation, rows in varied.get(method, {}).items():
                    raise_if_cancelled(is_cancelled)
                    rows.append(_run(task, predict, _varied(task, inputs, dilation), None))
            except InvalidInputError as error:  # e.g. a clean plate that does not line up: say where
                raise InvalidInputError(f"{sample.name}: {method}: {error}") from error
            done += 1 + len(varied.get(method, ()))
    progress(1.0, "Evaluation done")
    robustness = {m: {d: mean_scores(rows) for d, rows in by_d.items()} for m, by_d in varied.items()}
    return Evaluation(task, data, samples, methods, scores, robustness, memory_measure())


def check_required_folders(task: Task, data: Path, methods: Sequence[str], samples: Sequence[Sample]) -> None:
    """Raise for a method that needs an optional folder the set ``data`` lacks."""
    for method in methods:
        role = task.requires.get(method)
        if role is not None and role not in samples[0].files:
            raise InvalidInputError(
                f"{data}: the method {method} needs a {task.optional[role]}/ folder beside "
                f"{task.folders[task.input_role]}/, and this set has none"
            )


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
