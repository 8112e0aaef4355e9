"""A text progress bar on stderr for the command line (silent when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class TextProgressBar:
    """Callable as a job's ``progress(fraction, message)``; ``update(done, message)`` counts items."""

    def __init__(
        self, label: str, *, total: int | None = None, stream: TextIO | None = None, width: int = 30
    ):
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.width = width
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, fraction: float, message: str) -> None:
        self._draw(fraction, message, force=fraction >= 1.0)
        if fraction >= 1.0:
            self.close()

    def update(self, done: int, message: str = "") -> None:
        total = self.total or 1
        self._draw(done / total, f"{done}/{total} {message}", force=True)

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _draw(self, fraction: float, message: str, *, force: bool) -> None:
        if not self.stream.isatty() and self.total is None:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        filled = round(self.width * min(max(fraction, 0.0), 1.0))
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {fraction * 100:5.1f}% {message[:40]:<40}")
        self.stream.flush()
        self._drawn = True
