"""The ``train`` subcommand: ``python main.py train KIND --data DIR --out DIR [options]``.

One progress line on stderr (step, steps/s, ETA, loss, the last validation), redrawn in place on a
terminal and printed every 5 % of the run and at each validation otherwise (logs of long runs); then one
summary line. Ctrl+C or SIGTERM saves the state and exits with status 130; ``--resume`` continues.
Under ``torchrun`` only rank 0 prints.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import TextIO

from engine.device import DEVICE_PREFERENCES
from engine.training.distributed import Distributed
from engine.training.tasks import KINDS, Task, task_for
from engine.training.trainer import TrainingError, TrainOptions, TrainProgress, TrainResult, train

EXIT_INTERRUPTED = 130
DEFAULTS = TrainOptions(kind="segmentation", data=Path(), out=Path())


def add_train(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "train",
        help="train a network on a training-data folder (see build-training-set)",
        description="Train one network; OUT/KIND.pt keeps the best weights by validation, "
        "OUT/train-state.pt everything needed to --resume.",
    )
    parser.add_argument("kind", choices=KINDS, help="the network to train")
    parser.add_argument(
        "--data", required=True, help="training-data folder (foregrounds/, backgrounds/, pairs/)"
    )
    parser.add_argument("--out", required=True, help="output folder for KIND.pt and train-state.pt")
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="optimizer steps in all")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    parser.add_argument(
        "--crop", type=int, default=DEFAULTS.crop, help="training crop side, a multiple of 32"
    )
    parser.add_argument("--learning-rate", type=float, default=DEFAULTS.learning_rate, help="peak AdamW rate")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument(
        "--device", choices=DEVICE_PREFERENCES, default="auto", help="auto: CUDA, then MPS, then CPU"
    )
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    parser.add_argument("--init", help="start from this checkpoint's weights (fine-tuning)")
    parser.add_argument(
        "--validate-every", type=int, default=DEFAULTS.validate_every, help="steps; 0: at the end"
    )
    parser.add_argument(
        "--checkpoint-every", type=int, default=DEFAULTS.checkpoint_every, help="steps; 0: at the end"
    )
    parser.add_argument("--workers", type=int, default=DEFAULTS.workers, help="data loader processes")
    parser.add_argument("--val-fraction", type=float, default=DEFAULTS.val_fraction, help="held-out sources")
    parser.add_argument("--stage1", help="fusion: a stage-1 fusion checkpoint (easy-to-hard stage 2)")
    parser.add_argument("--vgg16", help="fusion: VGG-16 ImageNet weights for the perceptual loss")
    parser.add_argument(
        "--perceptual-weight",
        type=float,
        default=DEFAULTS.perceptual_weight,
        help="fusion: the perceptual term's weight (the paper's 0.8)",
    )
    parser.add_argument(
        "--matting",
        help="trimap-end-to-end: the matting network the T-Net is trained through (default: the installed "
        "one); start from the T-Net trained apart with --init",
    )
    parser.add_argument(
        "--camouflage",
        type=float,
        default=DEFAULTS.camouflage,
        help="plate-matting: the share of items whose background is recoloured towards the subject's "
        "colours, where photo and plate stop telling them apart",
    )
    parser.add_argument(
        "--no-pretrained",
        action="store_true",
        help="start an EfficientNet-Lite0 encoder from random weights, not ImageNet's (no download)",
    )
    parser.set_defaults(run=run_train)


def _options(args: argparse.Namespace) -> TrainOptions:
    return TrainOptions(
        kind=args.kind,
        data=Path(args.data),
        out=Path(args.out),
        steps=args.steps,
        batch_size=args.batch_size,
        crop=args.crop,
        learning_rate=args.learning_rate,
        seed=args.seed,
        device=args.device,
        validate_every=args.validate_every,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        init=Path(args.init) if args.init else None,
        val_fraction=args.val_fraction,
        workers=args.workers,
        stage1=Path(args.stage1) if args.stage1 else None,
        vgg16=Path(args.vgg16) if args.vgg16 else None,
        perceptual_weight=args.perceptual_weight,
        pretrained=not args.no_pretrained,
        matting=Path(args.matting) if args.matting else None,
        camouflage=args.camouflage,
    )


def run_train(args: argparse.Namespace) -> int:
    options = _options(args)
    options.check()
    main = Distributed.from_environment().is_main
    task = task_for(options.kind)
    line = ProgressLine(f"train {options.kind}", task, stream=sys.stderr)
    started = time.monotonic()
    try:
        result = train(options, progress=line if main else None)
    except TrainingError as error:
        line.close()
        print(f"error: {error}", file=sys.stderr)
        return 1
    line.close()
    if main:
        print(summary(result, task, time.monotonic() - started, options), file=sys.stderr)
    return EXIT_INTERRUPTED if result.cancelled else 0


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _score(task: Task, metrics: dict[str, float]) -> str:
    score = task.score(metrics)
    name = task.primary if task.primary in metrics else task.fallback
    return f"{name} {score:.4g}" if score is not None else "no score"


def summary(result: TrainResult, task: Task, seconds: float, options: TrainOptions) -> str:
    """The closing line: what was done, the best validation, where the files are."""
    if result.cancelled:
        return (
            f"stopped at step {result.steps_done} of {options.steps}; state saved in "
            f"{options.out / 'train-state.pt'}; run the same command with --resume to continue"
        )
    best = f"best validation {_score(task, result.metrics)}" if result.metrics else "no validation items"
    steps = f"{result.steps_done} steps in {_duration(seconds)}"
    return f"trained {options.kind}: {steps}; {best}; saved {result.checkpoint}"


class ProgressLine:
    """A ``progress`` callback printing ``label [bar] step/steps  steps/s  ETA  loss  last validation``."""

    def __init__(self, label: str, task: Task, *, stream: TextIO, width: int = 20) -> None:
        self.label, self.task, self.stream, self.width = label, task, stream, width
        self.validation = ""
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, report: TrainProgress) -> None:
        if report.validation is not None:
            self.validation = f"  val {_score(self.task, report.validation)}"
        text = self.format(report)
        if self.stream.isatty():
            now = time.monotonic()
            if now - self._last_draw >= 0.1 or report.step == report.steps or report.validation:
                self.stream.write(f"\r{text}\x1b[K")
                self.stream.flush()
                self._last_draw, self._drawn = now, True
        elif (
            report.validation is not None
            or report.step == report.steps
            or report.step % max(1, report.steps // 20) == 0
        ):
            self.stream.write(text + "\n")
            self.stream.flush()

    def format(self, report: TrainProgress) -> str:
        filled = round(self.width * report.step / max(1, report.steps))
        bar = "#" * filled + "-" * (self.width - filled)
        return (
            f"{self.label} [{bar}] {report.step}/{report.steps}  {report.steps_per_second:.2f} steps/s  "
            f"ETA {_duration(report.eta_seconds)}  loss {report.loss:.4f}{self.validation}"
        )

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
