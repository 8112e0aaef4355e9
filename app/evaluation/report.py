"""Writing an evaluation: ``summary.json`` (``{method: {metric: mean}}``), ``per_image.json``,
``robustness.json`` where measured, the plots under ``plots/`` and ``report.md``."""

from __future__ import annotations

import json
import math
from pathlib import Path

from app.evaluation import plots
from app.evaluation.machine import machine_markdown
from app.evaluation.runner import Evaluation, Scores, summary
from app.evaluation.task import MEMORY, TIME, Metric
from classic.atomic_file import write_atomically
from engine import second_opinion, transparency_hint

WORST_COUNT = 3


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically, with the umask's mode: a report is for sharing."""
    write_atomically(path, text.encode("utf-8"))


def _finite(value: object) -> object:
    # JSON has no infinity (PSNR of identical images): such values are written as null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _finite(item) for key, item in value.items()}
    return value


def _write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(_finite(data), indent=2) + "\n")


def write_report(evaluation: Evaluation, out: Path, *, command: str) -> Path:
    """Write every output of ``evaluation`` under ``out``; returns the path of ``report.md``."""
    _write_json(out / "summary.json", summary(evaluation))
    _write_json(out / "per_image.json", evaluation.scores)
    figures = out / "plots"
    figures.mkdir(exist_ok=True)
    plots.plot_per_image(evaluation, figures / "per_image.png")
    sections = [_header(evaluation, command), _summary_section(evaluation), _per_image_section()]
    if any(evaluation.robustness.values()):
        _write_json(out / "robustness.json", evaluation.robustness)
        plots.plot_robustness(evaluation, figures / "robustness.png")
        sections.append(_robustness_section(evaluation))
    worst = plots.worst_images(evaluation, WORST_COUNT)
    plots.plot_worst(evaluation, out, figures / "worst.png", worst)
    sections.append(_worst_section(evaluation, worst))
    sections += [_method_section(evaluation, method) for method in evaluation.methods]
    sections.append(_definitions(evaluation))
    report = out / "report.md"
    write_text(report, "\n\n".join(sections) + "\n")
    return report


def _format(value: float, metric: Metric) -> str:
    return f"{value:.{metric.digits}f}" if math.isfinite(value) else ("∞" if value > 0 else "−∞")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _columns(evaluation: Evaluation) -> tuple[Metric, ...]:
    return (*evaluation.task.metrics, TIME, MEMORY)


def _row(label: str, scores: Scores, columns: tuple[Metric, ...]) -> list[str]:
    return [label] + [_format(scores[metric.key], metric) for metric in columns]


def _header(evaluation: Evaluation, command: str) -> str:
    task = evaluation.task
    folders = ", ".join(f"`{folder}/`" for folder in task.folders.values())
    methods = "\n".join(f"- **{method}**: {task.methods[method]}" for method in evaluation.methods)
    return (
        f"# {task.name.capitalize()} evaluation\n\n"
        f"`{command}`\n\n"
        f"Data: `{evaluation.data}` ({len(evaluation.samples)} images; {folders}).\n\n"
        f"Methods:\n\n{methods}\n\n{_teachers_line()}\n\nMachine:\n\n{machine_markdown()}"
    )


def _teachers_line() -> str:
    """Whether the pipelines here took U²-Net-p's second opinion and MODNet's transparency hint (``auto``:
    where installed)."""
    if second_opinion.available("u2netp"):
        line = "Second opinion (`auto`): U²-Net-p is installed, so the network selection takes it."
    else:
        line = "Second opinion (`auto`): none, U²-Net-p is not installed."
    if transparency_hint.available("modnet"):
        return f"{line} Transparency hint (`auto`): MODNet is installed, so the learned trimap takes it."
    return f"{line} Transparency hint (`auto`): none, MODNet is not installed."


def _summary_section(evaluation: Evaluation) -> str:
    columns = _columns(evaluation)
    means = summary(evaluation)
    rows = [_row(method, means[method], columns) for method in evaluation.methods]
    better = ", ".join(
        f"{m.label} {'higher' if m.higher_is_better else 'lower'}" for m in evaluation.task.metrics
    )
    return (
        f"## Summary (means over {len(evaluation.samples)} images)\n\n"
        f"{_table(['method', *(m.label for m in columns)], rows)}\n\nBetter: {better}."
    )


def _per_image_section() -> str:
    return "## Per-image errors\n\n![Per-image errors](plots/per_image.png)"


def _robustness_section(evaluation: Evaluation) -> str:
    metric = evaluation.task.primary
    dilations = sorted(next(iter(evaluation.robustness.values())))
    rows = [
        [method] + [_format(evaluation.robustness[method][d][metric.key], metric) for d in dilations]
        for method in evaluation.methods
        if method in evaluation.robustness
    ]
    left_out = [method for method in evaluation.methods if method not in evaluation.robustness]
    note = (
        f" Left out: {', '.join(left_out)}, which ignore the trimap (their curve would only show the "
        "scored region changing)."
        if left_out
        else ""
    )
    return (
        "## Robustness to the trimap (Deep Image Matting, Xu et al. 2017)\n\n"
        "Each method re-run with trimaps made from the ground truth: the pixels where the ground-truth "
        f"alpha is fractional, dilated by d pixels, are unknown.{note} Mean "
        f"{metric.label} against d:\n\n"
        f"{_table(['method', *(f'd = {d}' for d in dilations)], rows)}\n\n"
        "![Robustness curve](plots/robustness.png)"
    )


def _worst_section(evaluation: Evaluation, worst: list[str]) -> str:
    metric = evaluation.task.primary
    return (
        f"## Worst images\n\nThe {len(worst)} images with the worst mean {metric.label} over the methods "
        f"({', '.join(worst)}): input, ground truth, each method.\n\n![Worst images](plots/worst.png)"
    )


def _method_section(evaluation: Evaluation, method: str) -> str:
    columns = _columns(evaluation)
    rows = [_row(name, scores, columns) for name, scores in evaluation.scores[method].items()]
    return f"## {method}\n\n{_table(['image', *(m.label for m in columns)], rows)}"


def _definitions(evaluation: Evaluation) -> str:
    return (
        f"## Definitions\n\n{evaluation.task.definition}\n\n"
        "Predictions are scored as written to `predictions/METHOD/NAME.png` (8-bit), so re-scoring the "
        "files gives the same figures. Time is wall-clock per image for the method alone (reading and "
        "scoring excluded), after one untimed warm-up run on a tiny synthetic image. "
        f"Memory: {evaluation.memory_measure}."
    )
