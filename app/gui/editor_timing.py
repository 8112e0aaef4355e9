"""What the editor benchmark (``app.gui.responsiveness``) measures: a timing over samples with its
target, and the memory one stroke's undo step holds. Plain Python; ``app.bench.benchmark_report`` writes
them as Markdown."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Statistic = Literal["median", "p95", "p99", "max"]


@dataclass(frozen=True)
class EditorTiming:
    """One editor measurement: milliseconds over ``samples`` runs, and the target it is held to.

    ``target_ms`` applies to ``statistic`` (a dab's p95, a stroke's median, a stall's max); None for a
    figure without a target.
    """

    measure: str
    size: str
    samples: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    peak_mib: float = 0.0
    target_ms: float | None = None
    statistic: Statistic = "max"

    @classmethod
    def of(
        cls,
        measure: str,
        size: str,
        samples_ms: Sequence[float],
        *,
        target_ms: float | None = None,
        statistic: Statistic = "max",
    ) -> EditorTiming:
        """Summarise ``samples_ms`` (at least one, in milliseconds)."""
        values = np.asarray(samples_ms, dtype=np.float64)
        if values.size == 0:
            raise ValueError(f"no samples for {measure!r}")
        p95, p99 = np.percentile(values, [95, 99])
        return cls(
            measure, size, int(values.size), statistics.median(values.tolist()), float(p95), float(p99),
            float(values.max()), target_ms=target_ms, statistic=statistic,
        )  # fmt: skip

    def value(self, statistic: Statistic) -> float:
        return {"median": self.median_ms, "p95": self.p95_ms, "p99": self.p99_ms, "max": self.max_ms}[
            statistic
        ]

    @property
    def met(self) -> bool | None:
        """Whether the target statistic is within the target (None without a target)."""
        return None if self.target_ms is None else self.value(self.statistic) <= self.target_ms


@dataclass(frozen=True)
class UndoMemoryRow:
    """What one stroke's undo step holds: its bounding box's two patches (before) or the changed tiles."""

    stroke: str
    box: str
    tiles: int
    before_mib: float
    after_mib: float
