"""What the runner needs to know about a task: its folders, methods, metrics, and how to load a sample,
run a method and score its prediction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from app.evaluation.datasets import Sample

Inputs = dict[str, np.ndarray]
Predict = Callable[[Inputs], np.ndarray]


@dataclass(frozen=True)
class Metric:
    """A column of the report: its key in ``summary.json``, its label and how to read it."""

    key: str
    label: str
    higher_is_better: bool
    digits: int


TIME = Metric("seconds", "time (s)", higher_is_better=False, digits=2)
MEMORY = Metric("peak_mib", "peak memory (MiB)", higher_is_better=False, digits=0)


@dataclass(frozen=True)
class Task:
    """One kind of evaluation. ``folders`` maps roles to the set's folders (``optional`` ones may be
    absent); ``predictor(method)`` refuses an unavailable method before any work; ``score`` gets the
    prediction as it is written (8-bit) and the sample's inputs; ``vary(inputs, d)``, where given, makes
    the inputs of the robustness curve for the parameter ``d``; ``definition`` states the metrics for
    the report. ``requires`` maps a method to the optional role it cannot run without; ``unvaried``
    names the methods that ignore what ``vary`` changes, which the robustness curve leaves out."""

    name: str
    folders: Mapping[str, str]
    optional: Mapping[str, str]
    methods: Mapping[str, str]
    metrics: tuple[Metric, ...]
    input_role: str
    truth_role: str
    load: Callable[[Sample], Inputs]
    predictor: Callable[[str], Predict]
    score: Callable[[np.ndarray, Inputs], dict[str, float]]
    warm_up_inputs: Callable[[], Inputs]
    definition: str
    vary: Callable[[Inputs, int], Inputs] | None = None
    requires: Mapping[str, str] = field(default_factory=dict)
    unvaried: frozenset[str] = frozenset()

    @property
    def primary(self) -> Metric:
        """The metric that ranks images from worst to best."""
        return self.metrics[0]


def quantised(array: np.ndarray) -> np.ndarray:
    """The values an 8-bit PNG of ``array`` holds (as ``classic.imageio.write_image`` rounds them), so
    that scores equal those of the written predictions."""
    scaled = np.clip(array, 0.0, 1.0).astype(np.float32) * np.float32(255.0) + np.float32(0.5)
    levels = scaled.astype(np.uint8)
    return levels.astype(np.float32) / np.float32(255.0)


def synthetic_disc(height: int = 48, width: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A soft red disc on a green ground: (image (H, W, 3), alpha (H, W)), for warming methods up."""
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot(rows - height / 2, cols - width / 2)
    alpha = np.clip((0.3 * min(height, width) - distance) / 3.0 + 0.5, 0.0, 1.0).astype(np.float32)
    colours = np.array([0.85, 0.2, 0.15], np.float32), np.array([0.2, 0.6, 0.3], np.float32)
    image = alpha[:, :, None] * colours[0] + (1 - alpha[:, :, None]) * colours[1]
    return image.astype(np.float32), alpha
