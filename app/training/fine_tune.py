"""Fine-tuning a network on the user's own images, as one job (Qt-free): optionally export the sessions'
corrected masks, train from the active model with ``engine.training.trainer.train``, then score the model
before and after on the images the trainer held back (``trainer.validate`` on the same ``val`` split).

The result is a checkpoint in a working folder; saving it as a version is the model store's business
(``engine.model_store``), so a run the user does not like leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from app.project.session import ProjectState
from app.training.fine_tune_data import export_sessions, find_pairs
from classic.progress import (
    CancelCallback,
    Cancelled,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
    wrap_progress,
)
from engine.checkpoint import load_checkpoint
from engine.device import select_device

Metrics = dict[str, float]
StepCallback = Callable[[Any], None]  # Called with each ``engine.training.trainer.TrainProgress``.
_TRAINING_SHARE = 0.9  # Of the job's progress bar; the rest is exporting and the before/after scores.
_HIGHER_IS_BETTER = ("iou", "psnr", "accuracy", "f1")
# The share of camouflaged backgrounds (``train --camouflage``) of the shipped clean-plate network's last
# stage (scripts/train-weights.sh): a fine-tune without it would train away what that stage taught.
PLATE_CAMOUFLAGE = 0.5


class Training(NamedTuple):
    """The parts of ``engine.training`` a fine-tune uses (tests replace them with fakes)."""

    options: Callable[..., Any]
    train: Callable[..., Any]
    validate: Callable[..., Metrics]
    build_dataset: Callable[..., Any]


def _training() -> Training:
    # Imported on first use: the trainer pulls in data loading and losses the GUI does not otherwise need.
    from engine.training import datasets, trainer

    return Training(trainer.TrainOptions, trainer.train, trainer.validate, datasets.build_dataset)


@dataclass(frozen=True)
class SessionSource:
    """Sessions whose corrected masks make the training data: the open one (a snapshot) and saved ones."""

    current: ProjectState | None = None
    projects: tuple[Path, ...] = ()


@dataclass(frozen=True)
class FineTuneRequest:
    """What to tune and on what. ``data`` is a DUTS-style folder, or where sessions are exported to;
    ``init`` the weights to start from (None: from scratch); ``out`` the working folder."""

    kind: str
    data: Path
    out: Path
    steps: int
    init: Path | None
    batch_size: int = 4
    crop: int = 320
    device: str = "auto"
    seed: int = 0
    val_fraction: float = 0.2
    sessions: SessionSource | None = None

    @property
    def learning_rate(self) -> float:
        # Starting from trained weights, a tenth of the from-scratch rate keeps what they already know.
        return 1e-4 if self.init is not None else 1e-3

    @property
    def camouflage(self) -> float:
        """The share of items whose background takes the subject's colours (clean-plate matting only)."""
        return PLATE_CAMOUFLAGE if self.kind == "plate-matting" else 0.0


@dataclass(frozen=True)
class FineTuneResult:
    """The new checkpoint and held-back scores; ``before`` is None when there was no model to start from."""

    kind: str
    checkpoint: Path
    steps_done: int
    before: Metrics | None
    after: Metrics
    held_back: int
    skipped: list[str] = field(default_factory=list)


def describe_step(report: Any) -> str:
    """``Step 40/500 · loss 0.1234 · 2.5 steps/s · 3 min left`` for a ``TrainProgress``."""
    left = float(report.eta_seconds)
    eta = f"{left / 60:.0f} min left" if left >= 90 else f"{left:.0f} s left"
    return (
        f"Step {report.step}/{report.steps} · loss {report.loss:.4f} · "
        f"{report.steps_per_second:.1f} steps/s · {eta}"
    )


def improved(metric: str, before: float, after: float) -> bool | None:
    """Whether ``after`` beats ``before`` for ``metric`` (IoU and PSNR up, errors down); None if equal."""
    if after == before:
        return None
    higher = any(word in metric.lower() for word in _HIGHER_IS_BETTER)
    return (after > before) == higher


def fine_tune(
    request: FineTuneRequest,
    *,
    on_step: StepCallback | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> FineTuneResult:
    """Train ``request.kind`` on ``request.data`` for ``request.steps`` steps; ``on_step`` gets every report.

    Raises ``Cancelled`` when cancelled (the half-trained model is not offered), ``InvalidInputError``
    for data the trainer cannot use.
    """
    training = _training()
    skipped: list[str] = []
    start = 0.0
    if request.sessions is not None:
        start = 0.05
        exported = export_sessions(
            request.data,
            kind=request.kind,
            current=request.sessions.current,
            projects=request.sessions.projects,
            progress=wrap_progress(progress, 0.0, start),
            is_cancelled=is_cancelled,
        )
        skipped = exported.skipped
    find_pairs(request.data)  # A clear refusal before the trainer starts on an unusable folder.
    raise_if_cancelled(is_cancelled)
    result = training.train(
        _options(training, request),
        progress=_reporter(on_step, wrap_progress(progress, start, _TRAINING_SHARE)),
        is_cancelled=is_cancelled,
    )
    if result.cancelled:
        raise Cancelled()
    progress(_TRAINING_SHARE, "Scoring the model before and after on the held-back images")
    before, after, held_back = held_back_scores(training, request, Path(result.checkpoint), is_cancelled)
    progress(1.0, "Fine-tuning done")
    return FineTuneResult(
        request.kind, Path(result.checkpoint), int(result.steps_done), before, after, held_back, skipped
    )


def _options(training: Training, request: FineTuneRequest) -> Any:
    return training.options(
        kind=request.kind,
        data=request.data,
        out=request.out,
        steps=request.steps,
        batch_size=request.batch_size,
        crop=request.crop,
        learning_rate=request.learning_rate,
        camouflage=request.camouflage,
        seed=request.seed,
        device=request.device,
        validate_every=max(1, request.steps // 4),  # A few live held-back scores, not a slowdown.
        checkpoint_every=request.steps,
        init=request.init,
        val_fraction=request.val_fraction,
    )


def _reporter(on_step: StepCallback | None, progress: ProgressCallback) -> Callable[[Any], None]:
    def report(step: Any) -> None:
        if on_step is not None:
            on_step(step)
        progress(step.step / max(step.steps, 1), describe_step(step))

    return report


def held_back_scores(
    training: Training, request: FineTuneRequest, checkpoint: Path, is_cancelled: CancelCallback
) -> tuple[Metrics | None, Metrics, int]:
    """``trainer.validate`` of the initial and the new model on the trainer's held-back split."""
    dataset = training.build_dataset(
        request.kind,
        request.data,
        split="val",
        crop=request.crop,
        seed=request.seed,
        val_fraction=request.val_fraction,
    )
    if len(dataset) == 0:
        return None, {}, 0
    device = str(select_device(request.device).device)

    def score(path: Path) -> Metrics:
        raise_if_cancelled(is_cancelled)
        model, _ = load_checkpoint(path, map_location=device)
        metrics = training.validate(model, request.kind, dataset, device=device)
        # ``items`` (how many were scored) is a count, not a score; ``held_back`` reports it.
        return {str(key): float(value) for key, value in metrics.items() if key != "items"}

    before = None if request.init is None else score(request.init)
    return before, score(checkpoint), len(dataset)
