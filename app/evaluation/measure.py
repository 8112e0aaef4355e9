"""Time and peak memory of one call.

Time is wall-clock (``time.perf_counter``). Memory is, on Linux, the growth of the process's peak
resident set during the call: the kernel's high-water mark (``VmHWM``) is reset through
``/proc/self/clear_refs`` before the call, and the resident size at the start is subtracted. It sees
every allocation that touches memory (numpy, OpenCV, numba and sparse-solver buffers alike), but not
pages the allocator kept from earlier calls and reuses, so it is a slight underestimate. Where the reset
is not possible it falls back to ``tracemalloc``'s peak, which counts only memory allocated through
Python's allocators (numpy arrays and Python objects) and counts untouched arrays in full.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Result = TypeVar("Result")

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_MIB = 1024.0 * 1024.0


def _status_kib(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", _STATUS.read_text(), re.MULTILINE)
    if match is None:
        raise OSError(f"{field} missing from {_STATUS}")
    return float(match.group(1))


def _reset_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")  # 5: reset the peak resident set size (Linux ≥ 4.0)
        _status_kib("VmHWM")
    except OSError:
        return False
    return True


def memory_measure() -> str:
    """Which memory figure ``measure`` reports on this machine, in words."""
    if _reset_peak():
        return "growth of the process's peak resident memory during the call (Linux VmHWM)"
    return "peak of the memory allocated through Python's allocators during the call (tracemalloc)"


def measure(function: Callable[[], Result]) -> tuple[Result, float, float]:
    """Call ``function``; return its result, the seconds it took and its peak memory in MiB."""
    if _reset_peak():
        start_kib = _status_kib("VmRSS")
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
        return result, seconds, max(0.0, _status_kib("VmHWM") - start_kib) / 1024.0
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / _MIB
    finally:
        tracemalloc.stop()
    return result, seconds, peak
