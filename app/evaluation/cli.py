"""The ``evaluate``, ``make-compositing-set`` and ``make-plate-set`` subcommands; ``app.cli.cli.build_parser``
adds them."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from app.evaluation import compositing, matting, segmentation
from app.evaluation.task import Task
from classic.checks import InvalidInputError
from classic.progress_bar import TextProgressBar

TASKS = ("matting", "segmentation", "compositing")
# Not a Task of methods and metrics: app.evaluation.uncertainty scores the cut-out's uncertainty map.
UNCERTAINTY = "uncertainty"
DEFAULT_DILATIONS = ",".join(map(str, matting.DILATIONS))


def task_named(name: str, *, trimaps: str = "trimap") -> Task:
    """The task ``name`` (one of ``TASKS``); matting and compositing read trimaps from ``trimaps``/."""
    if name == "matting":
        return matting.task(trimaps)
    if name == "segmentation":
        return segmentation.task()
    if name == "compositing":
        return compositing.task(trimaps)
    raise InvalidInputError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")


def add_evaluate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    known = {
        "matting": matting.METHODS,
        "segmentation": segmentation.METHODS,
        "compositing": compositing.METHODS,
    }
    methods = "; ".join(f"{name}: {', '.join(known[name])}" for name in TASKS)
    parser = commands.add_parser(
        "evaluate",
        help="score methods on a benchmark folder and write a report",
        description=f"Run methods on every image of a set and report their errors. Methods — {methods}. "
        "Matting's clean-plate methods need a plate/ folder beside image/ (main.py make-plate-set). "
        "uncertainty: how well the automatic cut-out's uncertainty map finds its mistakes (no methods).",
    )
    parser.add_argument("task", choices=(*TASKS, UNCERTAINTY))
    parser.add_argument(
        "--data",
        required=True,
        action="append",
        dest="data_sets",
        help="the set's folder (layouts: ../shared/data/README.md); uncertainty: repeatable",
    )
    parser.add_argument(
        "--held-out",
        help="uncertainty: a folder of real sets (../shared/data/real); only the photos the segmentation "
        "network held out for validation are scored",
    )
    parser.add_argument("--limit", type=int, default=0, help="uncertainty: score only the first N photos")
    parser.add_argument("--method", action="append", default=[], help="a method to run (repeatable)")
    parser.add_argument(
        "--automatic",
        action="store_true",
        help="compositing: also run the whole pipeline from the two photos, no trimap (the default, the "
        "classic saliency selection and, when installed, the U²-Net-p reference) beside the "
        "trimap-given alpha method",
    )
    parser.add_argument("--out", required=True, help="report folder (created if missing)")
    parser.add_argument("--trimaps", default="trimap", help="matting, compositing: the trimap folder's name")
    parser.add_argument(
        "--no-robustness",
        action="store_true",
        help="matting: skip the trimap-dilation robustness curve (the methods given no trimap have none)",
    )
    parser.add_argument(
        "--dilations",
        default=DEFAULT_DILATIONS,
        help="matting: the robustness curve's dilations in pixels, comma-separated",
    )
    parser.set_defaults(run=run_evaluate)


def add_make_compositing_set(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "make-compositing-set",
        help="build a compositing set (fg/ bg/ gt/ trimap/ alpha/) from a matting set and background photos",
    )
    parser.add_argument("--matting", required=True, help="matting set with image/, trimap/ and alpha/")
    parser.add_argument("--backgrounds", required=True, help="folder of background photos (at least two)")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--trimaps", default="trimap", help="the matting set's trimap folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of the background choice")
    parser.set_defaults(run=run_make_compositing_set)


def add_make_plate_set(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "make-plate-set",
        help="build a clean-plate matting set (image/ plate/ trimap/ alpha/) from a matting set and "
        "background photos",
        description="For each photo of the matting set: its subject composited over a background photo, "
        "and that background perturbed as a second shot from a tripod (shift, rotation, exposure, noise) "
        "as its clean plate; the trimaps and the alpha are copied. SOURCE.md in the output says how.",
    )
    parser.add_argument(
        "--matting",
        required=True,
        help="matting set with image/, trimap/ and alpha/ (trimap-wide/ too if there)",
    )
    parser.add_argument("--backgrounds", required=True, help="folder of background photos (at least two)")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the background choice and the perturbation"
    )
    parser.set_defaults(run=run_make_plate_set)


def parse_dilations(text: str) -> tuple[int, ...]:
    """``"1,4,7"`` → (1, 4, 7); whole, non-negative pixels."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InvalidInputError(f"--dilations must be comma-separated whole pixels, got {text!r}") from None
    if any(value < 0 for value in values):
        raise InvalidInputError(f"--dilations must not be negative, got {text!r}")
    return values


def chosen_methods(args: argparse.Namespace) -> list[str]:
    """The ``--method`` list, with the automatic methods first under ``--automatic``."""
    methods = list(args.method)
    if args.automatic:
        if args.task != "compositing":
            raise InvalidInputError("--automatic applies to the compositing task only")
        reference = ["automatic-u2netp"] if compositing.reference_available() else []
        if not reference:
            print("note: U²-Net-p is not installed, so the reference row is left out", file=sys.stderr)
        methods = ["automatic", "automatic-saliency", *reference, "alpha", *methods]
    if not methods:
        raise InvalidInputError("give at least one --method (or --automatic for compositing)")
    return list(dict.fromkeys(methods))


def _command(args: argparse.Namespace) -> str:
    words = ["python", "main.py", "evaluate", args.task, "--data", args.data]
    words += ["--automatic"] if args.automatic else []
    words += [word for method in dict.fromkeys(args.method) for word in ("--method", method)]
    words += ["--out", args.out] + (["--trimaps", args.trimaps] if args.trimaps != "trimap" else [])
    if args.no_robustness:
        words.append("--no-robustness")
    elif args.dilations != DEFAULT_DILATIONS:
        words += ["--dilations", args.dilations]
    return shlex.join(words)


def run_evaluate(args: argparse.Namespace) -> int:
    from app.evaluation.report import write_report
    from app.evaluation.runner import evaluate

    if args.task == UNCERTAINTY:
        from app.evaluation.uncertainty import run

        bar = TextProgressBar("Evaluating the uncertainty map")
        try:
            return run(args, progress=bar)
        finally:
            bar.close()
    if len(args.data_sets) > 1:
        raise InvalidInputError(f"evaluate {args.task} takes one --data folder")
    args.data = args.data_sets[0]

    task = task_named(args.task, trimaps=args.trimaps)
    dilations = () if args.no_robustness else parse_dilations(args.dilations)
    out = Path(args.out)
    bar = TextProgressBar(f"Evaluating {args.task}")
    methods = chosen_methods(args)
    left_out = [method for method in methods if method in task.unvaried]
    if dilations and task.vary and left_out:
        print(
            f"note: {', '.join(left_out)} {'ignore' if len(left_out) > 1 else 'ignores'} the trimap, so the "
            f"robustness curve leaves {'them' if len(left_out) > 1 else 'it'} out",
            file=sys.stderr,
        )
    evaluation = evaluate(task, Path(args.data), methods, out, dilations=dilations, progress=bar)
    bar.close()
    report = write_report(evaluation, out, command=_command(args))
    print(f"report written to {report}", file=sys.stderr)
    return 0


def run_make_compositing_set(args: argparse.Namespace) -> int:
    from app.evaluation.compositing_set import make_compositing_set

    out = Path(args.out)
    bar = TextProgressBar("Building the compositing set")
    count = make_compositing_set(
        Path(args.matting), Path(args.backgrounds), out, trimaps=args.trimaps, seed=args.seed, progress=bar
    )
    bar.close()
    print(f"{count} composites written to {out}", file=sys.stderr)
    return 0


def run_make_plate_set(args: argparse.Namespace) -> int:
    from app.evaluation.plate_set import make_plate_set

    out = Path(args.out)
    words = [
        "python",
        "main.py",
        "make-plate-set",
        "--matting",
        args.matting,
        "--backgrounds",
        args.backgrounds,
    ]
    command = shlex.join([*words, "--out", args.out, "--seed", str(args.seed)])
    bar = TextProgressBar("Building the clean-plate set")
    count = make_plate_set(
        Path(args.matting), Path(args.backgrounds), out, seed=args.seed, command=command, progress=bar
    )
    bar.close()
    print(f"{count} photos and clean plates written to {out}", file=sys.stderr)
    return 0
