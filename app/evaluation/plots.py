"""The report's figures, drawn with matplotlib's object API on the Agg canvas (no window, no global
pyplot state): per-image errors, the robustness curve and a grid of the worst images."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.evaluation.runner import Evaluation, prediction_path
from classic.imageio import read_image
from classic.resize import resize_to

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_THUMBNAIL_WIDTH = 320


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _layout(count: int) -> tuple[int, int]:
    # Two panels stack (they are wide with many images); more go two to a row.
    columns = 1 if count <= 2 else 2
    return math.ceil(count / columns), columns


def _grid(figure: Figure, count: int) -> list[Axes]:
    axes = figure.subplots(*_layout(count), squeeze=False).ravel()
    for extra in axes[count:]:
        extra.set_visible(False)
    return list(axes[:count])


def _legend(figure: Figure, count: int) -> None:
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=min(count, 6), fontsize="small")


def plot_per_image(evaluation: Evaluation, path: Path) -> None:
    """Grouped bars: one panel per metric, one group per image, one bar per method."""
    names = [sample.name for sample in evaluation.samples]
    metrics = evaluation.task.metrics
    figure = _figure(min(18.0, max(8.0, len(names) + 4.0)), 0.6 + 3.2 * _layout(len(metrics))[0])
    width = 0.8 / len(evaluation.methods)
    for axes, metric in zip(_grid(figure, len(metrics)), metrics, strict=True):
        for index, method in enumerate(evaluation.methods):
            values = [evaluation.scores[method][name][metric.key] for name in names]
            positions = np.arange(len(names)) + (index - (len(evaluation.methods) - 1) / 2) * width
            axes.bar(positions, values, width, label=method)
        rotated = len(names) > 6
        axes.set_xticks(
            np.arange(len(names)), names, rotation=45 if rotated else 0, ha="right" if rotated else "center"
        )
        better = "higher" if metric.higher_is_better else "lower"
        axes.set_title(f"{metric.label} ({better} is better)")
        axes.grid(axis="y", alpha=0.3)
    _legend(figure, len(evaluation.methods))
    figure.savefig(path)


def plot_robustness(evaluation: Evaluation, path: Path) -> None:
    """Mean metric against the trimap dilation d, one line per method that has a curve."""
    metrics = evaluation.task.metrics
    methods = [method for method in evaluation.methods if method in evaluation.robustness]
    figure = _figure(9.0, 0.6 + 3.2 * _layout(len(metrics))[0])
    for axes, metric in zip(_grid(figure, len(metrics)), metrics, strict=True):
        for method in methods:
            curve = evaluation.robustness[method]
            dilations = sorted(curve)
            colour = f"C{evaluation.methods.index(method)}"  # each method's colour in the other plots
            values = [curve[d][metric.key] for d in dilations]
            axes.plot(dilations, values, marker="o", label=method, color=colour)
            axes.set_xticks(dilations)
        axes.set_xlabel("trimap dilation d (px)")
        axes.set_title(f"mean {metric.label}")
        axes.grid(alpha=0.3)
    _legend(figure, len(methods))
    figure.savefig(path)


def worst_images(evaluation: Evaluation, count: int) -> list[str]:
    """The ``count`` images with the worst primary metric, averaged over the methods, worst first."""
    primary = evaluation.task.primary
    names = [sample.name for sample in evaluation.samples]

    def badness(name: str) -> float:
        mean = float(np.mean([evaluation.scores[m][name][primary.key] for m in evaluation.methods]))
        return -mean if primary.higher_is_better else mean

    return sorted(names, key=badness, reverse=True)[:count]


def _thumbnail(path: Path) -> np.ndarray:
    image = read_image(path).rgb
    if image.shape[1] <= _THUMBNAIL_WIDTH:
        return image
    height = max(1, round(image.shape[0] * _THUMBNAIL_WIDTH / image.shape[1]))
    return resize_to(image, (_THUMBNAIL_WIDTH, height))


def plot_worst(evaluation: Evaluation, out: Path, path: Path, names: list[str]) -> None:
    """A row per image in ``names``: the input, the ground truth and each method's prediction."""
    task, primary = evaluation.task, evaluation.task.primary
    files = {sample.name: sample.files for sample in evaluation.samples}
    columns = 2 + len(evaluation.methods)
    first = _thumbnail(files[names[0]][task.input_role])
    aspect = first.shape[0] / first.shape[1]
    figure = _figure(2.6 * columns, 2.6 * aspect * len(names) + 0.6)
    grid = figure.subplots(len(names), columns, squeeze=False)
    for row, name in enumerate(names):
        cells = [("input", files[name][task.input_role]), ("ground truth", files[name][task.truth_role])]
        for method in evaluation.methods:
            value = evaluation.scores[method][name][primary.key]
            title = f"{method}\n{primary.label} {value:.{primary.digits}f}"
            cells.append((title, prediction_path(out, method, name)))
        for axes, (title, image_path) in zip(grid[row], cells, strict=True):
            axes.imshow(_thumbnail(image_path))
            axes.set_title(title if row == 0 or "\n" in title else "", fontsize="small")
            axes.set_xticks([])
            axes.set_yticks([])
        grid[row][0].set_ylabel(name)
    figure.savefig(path)
