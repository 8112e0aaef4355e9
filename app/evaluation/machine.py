"""A description of the machine that produced a figure (CPU, cores, memory, library versions, date), for
evaluation reports and ``docs/BENCHMARKS.md``."""

from __future__ import annotations

import datetime
import os
import platform
import re
from pathlib import Path

import cv2
import numpy as np


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024.0**2 if match else None


def describe_machine() -> dict[str, str]:
    """Field → value: CPU model, logical cores, RAM, OS, Python, numpy and OpenCV versions, date (UTC)."""
    memory = _memory_gib()
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory": f"{memory:.1f} GiB" if memory is not None else "unknown",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "OpenCV": cv2.__version__,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_markdown() -> str:
    """``describe_machine`` as a Markdown bullet list."""
    return "\n".join(f"- **{field}**: {value}" for field, value in describe_machine().items())
