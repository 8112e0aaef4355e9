"""Speed and peak memory of the classic operations at 1 MP and 24 MP (``python main.py benchmark``), and
of the engine's: each network in its shipping configuration (untrained weights: speed does not depend on
training) at 320², 640² and 1 MP (segmentation also at 384²), and the automatic cut-out and composite of
``engine.pipeline.Pipeline()`` as a user gets it (GrabCut seeded by the shipped segmentation network,
with U²-Net-p's second opinion, and the learned trimap with MODNet's transparency hint, where installed)
at 1 MP and 24 MP, and the automatic composite at 100 MP.
``--editor`` measures the editor's responsiveness instead (``app.gui.responsiveness``).

Each (operation, size) runs in a fresh process so that its peak resident memory (``ru_maxrss``) belongs
to it alone; the figure includes the process's own inputs (photo, background) and the Python runtime.
The photo is scikit-image's astronaut scaled to the size, so the subject and its edges are real.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import resource
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

from app.bench.benchmark_report import DEFAULT_PATH, BenchmarkRow, write_benchmarks
from classic.compositing import blend_alpha, composite
from classic.foreground import estimate_foreground
from classic.grabcut import Rect, grabcut
from classic.matting import estimate_alpha
from classic.pipeline import cut_out
from classic.saliency import select_subject
from classic.trimap import trimap_from_mask

SIZES = {
    "320px": (320, 320),
    "384px": (384, 384),
    "640px": (640, 640),
    "1MP": (1155, 866),
    "24MP": (6000, 4000),
    "100MP": (12000, 8334),
}
CLASSIC_SIZES = "1MP,24MP"
LARGE_SIZES = ("24MP", "100MP")  # measured once (the slow ones), after a warm-up run at 1 MP
# Engine operations and the sizes they run at (torch is imported only in the processes that run them).
ENGINE_SIZES = {
    "automatic cut-out": ("1MP", "24MP"),
    "segmentation network": ("320px", "384px", "640px", "1MP"),
    "refinement network": ("320px", "640px", "1MP"),
    "matting network": ("320px", "640px", "1MP"),
    "network matting": ("1MP", "24MP"),
    "fusion network": ("320px", "640px", "1MP"),
    "fusion composite": ("1MP", "24MP"),
    "automatic pipeline": ("1MP", "24MP", "100MP"),
    "network pipeline": ("1MP", "24MP"),
    "clean-plate matting": ("1MP", "24MP"),
    "learned-trimap matting": ("1MP", "24MP"),
}
_T = TypeVar("_T")
# Operations too slow for a routine 24 MP run; ``--all`` includes them.
SLOW_AT_24MP = {"matte knn", "matte bayesian"}


@dataclass(frozen=True)
class Inputs:
    """The photo, the background and the astronaut's mask, trimap and alpha at one size; an operation's
    given inputs made beforehand, outside its timing (``_prepared``): ``cutout`` (an ``engine.pipeline``
    Cutout) for the fusion composite, ``shot`` (photo, clean plate) for clean-plate matting."""

    photo: np.ndarray
    background: np.ndarray
    mask: np.ndarray
    trimap: np.ndarray
    alpha: np.ndarray
    cutout: Any = None
    shot: tuple[np.ndarray, np.ndarray] | None = None


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
        "saliency cut-out": lambda i: cut_out(i.photo),
        "saliency selection": lambda i: select_subject(i.photo),
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


def _engine_operations() -> dict[str, Callable[[Inputs], object]]:
    import torch

    from engine.checkpoint import save_checkpoint
    from engine.device import select_device
    from engine.inference import OutputSelector, Predictor, as_is, probability, refined_alpha
    from engine.pipeline import Pipeline, PipelineOptions
    from engine.registry import create_model
    from engine.tensors import image_to_tensor
    from engine.training.tasks import model_config

    def network(
        kind: str, output: OutputSelector, planes: Callable[[Inputs], list[np.ndarray]]
    ) -> Callable[[Inputs], object]:
        predictors: list[Predictor] = []  # built on first use, so only the measured network is loaded

        def run(inputs: Inputs) -> object:
            if not predictors:
                torch.manual_seed(0)
                model = create_model(kind, **model_config(kind))
                predictors.append(Predictor(model, device=select_device(), output=output))
            stacked = torch.cat([image_to_tensor(plane) for plane in planes(inputs)], dim=1)
            return predictors[0].run([stacked])

        return run

    def network_pipeline() -> Pipeline:
        if not networks:  # every stage a network: untrained checkpoints in a temporary weights folder
            folder = tempfile.TemporaryDirectory(prefix="benchmark-weights-")  # removed at exit
            for kind in ("segmentation", "refinement", "matting", "fusion"):
                torch.manual_seed(0)
                path = Path(folder.name) / f"{kind}.pt"
                model = create_model(kind, **model_config(kind))
                save_checkpoint(path, model, name=kind, trained_on="", metrics={})
            options = PipelineOptions(
                segmentation="network",
                refinement="network",
                matting="network",
                compositing="fusion",
                weights_folder=Path(folder.name),
            )
            networks.append((folder, Pipeline(options)))
        return networks[0][1]

    def fusion_composite(inputs: Inputs) -> object:
        # The cut-out is given (``_prepared``), as "composite alpha" times the blend alone.
        return network_pipeline().composite(inputs.photo, inputs.background, inputs.cutout)

    def all_networks(inputs: Inputs) -> object:
        run = network_pipeline()
        return run.composite(inputs.photo, inputs.background, run.cut_out(inputs.photo))

    pipeline = Pipeline()
    networks: list[tuple[tempfile.TemporaryDirectory[str], Pipeline]] = []
    return {
        "automatic cut-out": lambda i: pipeline.cut_out(i.photo),
        "segmentation network": network("segmentation", probability, lambda i: [i.photo]),
        "refinement network": network("refinement", probability, lambda i: [i.photo, i.mask]),
        # The forward pass alone (its hint plane: the true alpha stands in for closed-form's), and as the
        # pipeline runs it: closed-form's hint and the network at 0.5 MP, the alpha guided-upsampled.
        "matting network": network("matting", refined_alpha, lambda i: [i.photo, i.trimap, i.alpha]),
        "network matting": lambda i: network_pipeline().matte(i.photo, i.trimap),
        # The shipped fusion network also sees the photo; as the pipeline runs it: at 768 px on the long
        # side, its correction of the alpha blend brought up to full size.
        "fusion network": network("fusion", as_is, lambda i: [i.photo, i.alpha, i.background, i.photo]),
        "fusion composite": fusion_composite,
        "automatic pipeline": lambda i: pipeline.composite(i.photo, i.background, pipeline.cut_out(i.photo)),
        "network pipeline": all_networks,
        # The installed networks (as the automatic cut-out), on a shot with a subject and its clean plate.
        "clean-plate matting": lambda i: pipeline.matte_with_plate(*_given(i.shot)),
        "learned-trimap matting": lambda i: pipeline.matte_without_trimap(i.photo),
    }


def _prepared(name: str, inputs: Inputs) -> Inputs:
    """``inputs`` with what operation ``name`` is given made beforehand, outside its timing."""
    if name == "fusion composite":
        from engine.pipeline import cutout_from_alpha

        return replace(inputs, cutout=cutout_from_alpha(inputs.photo, inputs.alpha))
    if name == "clean-plate matting":
        return replace(inputs, shot=_plate_shot(inputs))
    return inputs


def _given(value: _T | None) -> _T:
    if value is None:
        raise ValueError("the operation's given inputs are made by _prepared")
    return value


def _plate_shot(inputs: Inputs) -> tuple[np.ndarray, np.ndarray]:
    """A stand-in for a tripod shot and its clean plate: the astronaut (its soft mask as alpha) over the
    background photo, and that background a pixel off and darker (gamma 1.1), as a second shot would be."""
    shot = blend_alpha(inputs.photo, inputs.alpha, inputs.background)
    plate = np.power(np.roll(inputs.background, (1, 1), axis=(0, 1)), np.float32(1.1))
    return shot.astype(np.float32, copy=False), plate


def _measure(name: str, size_name: str, repeat: int) -> tuple[float, float]:
    operation = (_engine_operations() if name in ENGINE_SIZES else _operations())[name]
    if repeat == 1 and size_name in LARGE_SIZES:  # a single large run: warm caches (numba, torch) on 1 MP
        operation(_prepared(name, _inputs(SIZES["1MP"])))
    inputs = _prepared(name, _inputs(SIZES[size_name]))
    if repeat > 1:
        operation(inputs)  # warm caches (numba, OpenCV, torch) outside the timed runs
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py benchmark", description=__doc__)
    parser.add_argument(
        "--sizes",
        help=f"comma-separated: {', '.join(SIZES)} (default {CLASSIC_SIZES}; engine rows at their own sizes)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per operation (median reported)")
    parser.add_argument("--only", help="comma-separated operation names (default: all)")
    parser.add_argument("--all", action="store_true", help="also run the slow matting methods at 24 MP")
    parser.add_argument(
        "--write",
        metavar="PATH",
        help=f"write the results as Markdown (default: {DEFAULT_PATH} after a run without --only)",
    )
    parser.add_argument("--no-write", action="store_true", help="only print the table")
    parser.add_argument(
        "--editor",
        action="store_true",
        help="measure the editor's responsiveness instead (brush dabs, stroke to preview, GUI-thread stalls "
        f"during a job, undo memory) and write its section of {DEFAULT_PATH.name} "
        "(see app.gui.responsiveness)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.editor:
        from app.bench.editor_benchmark import run_editor_benchmarks  # Qt only for this run

        page = None if args.no_write else Path(args.write or DEFAULT_PATH)
        return run_editor_benchmarks(write=page, command=_command(argv))
    names = args.only.split(",") if args.only else [*_operations(), *ENGINE_SIZES]
    print(
        f"# Classic benchmark on {platform.processor() or platform.machine()}, "
        f"{multiprocessing.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| operation | size | median s | peak MiB |\n|---|---|---:|---:|")
    sections: dict[str, list[BenchmarkRow]] = {CLASSIC: [], ENGINE: []}
    for name, size_name in _runs(names, args.sizes):
        if size_name == "24MP" and name in SLOW_AT_24MP and not args.all:
            continue
        slow = size_name in LARGE_SIZES and (name.startswith("matte") or name in ENGINE_SIZES)
        seconds, peak = run_one(name, size_name, 1 if slow else args.repeat)
        print(f"| {name} | {size_name} | {seconds:.2f} | {peak:.0f} |", flush=True)
        sections[ENGINE if name in ENGINE_SIZES else CLASSIC].append(
            BenchmarkRow(name, size_name, seconds, peak)
        )
    target = args.write or (None if args.only else str(DEFAULT_PATH))
    if target and not args.no_write:
        command = _command(argv)
        written = {title: rows for title, rows in sections.items() if rows}
        write_benchmarks(Path(target), written, command=command, notes={CLASSIC: _NOTE, ENGINE: _ENGINE_NOTE})
        print(f"written to {target}", file=sys.stderr)
    return 0


def _command(argv: list[str] | None) -> str:
    words = argv if argv is not None else sys.argv[2:]
    return shlex.join(["python", "main.py", "benchmark", *words])


def _runs(names: list[str], sizes: str | None) -> list[tuple[str, str]]:
    """(operation, size) pairs: classic operations size by size, engine operations at their own sizes."""
    chosen = (sizes or CLASSIC_SIZES).split(",")
    runs = [(name, size) for size in chosen for name in names if name not in ENGINE_SIZES]
    for name in (n for n in names if n in ENGINE_SIZES):
        runs += [(name, size) for size in ENGINE_SIZES[name] if sizes is None or size in chosen]
    return runs


CLASSIC = "Classic operations"
ENGINE = "Engine operations"
_ENGINE_NOTE = (
    "A network row is one forward pass of the whole input (a square photo at 320px, 384px and 640px) of "
    "the network in its shipping configuration, untrained (speed does not depend on the weights), on the "
    "device ``engine.device.select_device`` picks (on a CPU with native bfloat16, in bfloat16 where a "
    "network passes the accuracy check). The automatic cut-out and the automatic pipeline (cut-out, then "
    "the alpha composite) are ``Pipeline()`` as a user gets it: GrabCut seeded by the shipped "
    "segmentation network at 320² (with U²-Net-p's second opinion where it is installed), the "
    "learned trimap (the T-Net at 512 px, on that selection's mask, with MODNet's transparency hint where "
    "it is installed, and with both the three networks' vote on what the selection left out, U²-Net-p's "
    "opinion there averaged with its opinion of the mirrored photo), the matting network inside it at "
    "0.5 MP (correcting closed-form matting's alpha), averaged with MODNet's alpha where that is "
    "fractional, and the mean of that α_raw and the fusion F + U·α_raw, decontamination; the "
    "saliency cut-out above is the classic method it replaced as the default. The network pipeline runs "
    "every stage as a network (segmentation at 320², refinement at 320² then 640², matting at 0.5 MP "
    "inside the mask's band, fusion at 768 px). Learned-trimap matting is "
    "``Pipeline.matte_without_trimap``: the automatic cut-out's steps up to its alpha. Network matting "
    "is ``Pipeline.matte`` with the matting network: closed-form's alpha and "
    "the network in one pass at 0.5 MP, the alpha guided-upsampled. The fusion composite is "
    "``Pipeline.composite`` from a cut-out made before the timing: the network at 768 px, its correction "
    "of the alpha blend brought up to full size. Clean-plate matting runs the installed networks on the "
    "astronaut (its soft mask as alpha) over the background photo, the plate that background a pixel off "
    "and darker (gamma 1.1). Peak MiB includes the torch runtime; the 100 MP row measures the memory "
    "budget of the largest photos the default limit (120 MP) lets in."
)
_NOTE = (
    "Each (operation, size) runs in a fresh process, once untimed to warm the caches (numba, OpenCV, "
    "torch) before the timed runs (a row timed once, the slow ones at 24 MP and 100 MP, is warmed on a "
    "1 MP photo); peak MiB is that process's peak resident memory (ru_maxrss), inputs and Python runtime "
    "included. The photo is scikit-image's astronaut scaled to the size."
)
