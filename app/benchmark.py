"""Speed and peak memory of the classic operations at 1 MP and 24 MP (``python main.py benchmark``).

Each (operation, size) runs in a fresh process so that its peak resident memory (``ru_maxrss``) belongs
to it alone; the figure includes the process's own inputs (photo, background) and the Python runtime.
The photo is scikit-image's astronaut scaled to the size, so the subject and its edges are real.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from classic.compositing import composite
from classic.foreground import estimate_foreground
from classic.grabcut import Rect, grabcut
from classic.matting import estimate_alpha
from classic.pipeline import cut_out
from classic.saliency import select_subject
from classic.trimap import trimap_from_mask

SIZES = {"1MP": (1155, 866), "24MP": (6000, 4000)}
# Operations too slow for a routine 24 MP run; ``--all`` includes them.
SLOW_AT_24MP = {"matte knn", "matte bayesian"}


@dataclass(frozen=True)
class Inputs:
    photo: np.ndarray
    background: np.ndarray
    mask: np.ndarray
    trimap: np.ndarray
    alpha: np.ndarray


def _inputs(size: tuple[int, int]) -> Inputs:
    from skimage import data

    def scaled(photo: np.ndarray) -> np.ndarray:
        resized = cv2.resize(photo.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_CUBIC)
        return np.clip(resized, 0.0, 1.0)

    photo, background = scaled(data.astronaut()), scaled(data.coffee())
    small = cv2.resize(photo, (384, 288), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(select_subject(small), size, interpolation=cv2.INTER_LINEAR)
    mask = (mask >= 0.5).astype(np.float32)
    trimap = trimap_from_mask(mask)
    alpha = np.clip(cv2.GaussianBlur(mask, (0, 0), 2.0), 0.0, 1.0)
    return Inputs(photo, background, mask, trimap, alpha)


def _operations() -> dict[str, Callable[[Inputs], object]]:
    def rect_of(inputs: Inputs) -> Rect:
        ys, xs = np.nonzero(inputs.mask)
        return Rect(int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)

    return {
        "automatic cut-out": lambda i: cut_out(i.photo),
        "automatic selection": lambda i: select_subject(i.photo),
        "grabcut (rectangle)": lambda i: grabcut(i.photo, rect=rect_of(i)),
        "trimap from mask": lambda i: trimap_from_mask(i.mask),
        "matte closed-form": lambda i: estimate_alpha(i.photo, i.trimap, method="closed-form"),
        "matte knn": lambda i: estimate_alpha(i.photo, i.trimap, method="knn"),
        "matte bayesian": lambda i: estimate_alpha(i.photo, i.trimap, method="bayesian"),
        "foreground estimation": lambda i: estimate_foreground(i.photo, i.alpha),
        "composite alpha": lambda i: composite(i.photo, i.alpha, i.background, method="alpha"),
        "composite feather": lambda i: composite(i.photo, i.alpha, i.background, method="feather"),
        "composite laplacian": lambda i: composite(i.photo, i.alpha, i.background, method="laplacian"),
        "composite poisson": lambda i: composite(i.photo, i.alpha, i.background, method="poisson"),
    }


def _measure(name: str, size_name: str, repeat: int) -> tuple[float, float]:
    inputs = _inputs(SIZES[size_name])
    operation = _operations()[name]
    if repeat > 1:
        operation(inputs)  # warm caches (numba, OpenCV) outside the timed runs
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation(inputs)
        times.append(time.perf_counter() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return statistics.median(times), peak_mib


def run_one(name: str, size_name: str, repeat: int) -> tuple[float, float]:
    """Median seconds and peak resident MiB of one operation at one size, in a fresh process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_measure, name, size_name, repeat).result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py benchmark", description=__doc__)
    parser.add_argument("--sizes", default="1MP,24MP", help="comma-separated: 1MP, 24MP")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per operation (median reported)")
    parser.add_argument("--only", help="comma-separated operation names (default: all)")
    parser.add_argument("--all", action="store_true", help="also run the slow matting methods at 24 MP")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(_operations())
    print(
        f"# Classic benchmark on {platform.processor() or platform.machine()}, "
        f"{multiprocessing.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| operation | size | median s | peak MiB |\n|---|---|---:|---:|")
    for size_name in args.sizes.split(","):
        for name in names:
            if size_name == "24MP" and name in SLOW_AT_24MP and not args.all:
                continue
            repeat = 1 if size_name == "24MP" and name.startswith("matte") else args.repeat
            seconds, peak = run_one(name, size_name, repeat)
            print(f"| {name} | {size_name} | {seconds:.2f} | {peak:.0f} |", flush=True)
    return 0
