"""A training run's options (checked once, with messages in the command line's words), its progress
reports and its result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from classic.checks import InvalidInputError
from engine.device import DEVICE_PREFERENCES
from engine.training.tasks import check_kind


@dataclass(frozen=True)
class TrainOptions:
    """One training run of network ``kind`` on the data folder ``data``, written to the folder ``out``.

    ``crop`` is the side of the square training crops (a multiple of 32); ``validate_every`` and
    ``checkpoint_every`` count steps (0: only at the end); ``resume`` continues ``out``'s run (``init`` is
    then ignored: the saved state has the weights); ``init`` is a checkpoint to fine-tune, whose config
    wins over the task's; ``config`` overrides the task's network config (tiny networks in tests);
    ``stage1`` (fusion) is a trained stage-1 fusion checkpoint, which switches the data to the easy-to-hard
    stage 2 of Deep Image Compositing; ``vgg16`` is a VGG-16 ImageNet weights file for the perceptual loss;
    ``pretrained`` starts a pretrained-family encoder (EfficientNet-Lite0) from its ImageNet weights.
    """

    kind: str
    data: Path
    out: Path
    steps: int = 2000
    batch_size: int = 8
    crop: int = 320
    learning_rate: float = 1e-3
    seed: int = 0
    device: str = "auto"
    validate_every: int = 200
    checkpoint_every: int = 200
    resume: bool = False
    init: Path | None = None
    val_fraction: float = 0.1
    workers: int = 0
    config: dict[str, Any] | None = None
    stage1: Path | None = None
    vgg16: Path | None = None
    pretrained: bool = True

    def check(self) -> None:
        """Raise ``InvalidInputError`` naming the first bad option."""
        check_kind(self.kind)
        if not Path(self.data).is_dir():
            raise InvalidInputError(f"training data folder not found: {self.data}")
        if Path(self.out).exists() and not Path(self.out).is_dir():
            raise InvalidInputError(f"the output {self.out} exists and is not a folder")
        for name in ("steps", "batch_size"):
            if getattr(self, name) < 1:
                raise InvalidInputError(
                    f"{name.replace('_', ' ')} must be at least 1, got {getattr(self, name)}"
                )
        for name in ("validate_every", "checkpoint_every", "workers"):
            if getattr(self, name) < 0:
                raise InvalidInputError(
                    f"{name.replace('_', ' ')} must not be negative, got {getattr(self, name)}"
                )
        if self.crop < 32 or self.crop % 32:
            raise InvalidInputError(
                f"the crop size must be a multiple of 32 (the networks' stride), got {self.crop}"
            )
        if not self.learning_rate > 0:
            raise InvalidInputError(f"the learning rate must be positive, got {self.learning_rate}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise InvalidInputError(f"the validation fraction must be in [0, 1), got {self.val_fraction}")
        if self.device not in DEVICE_PREFERENCES:
            raise InvalidInputError(
                f"unknown device {self.device!r}; choose one of {', '.join(DEVICE_PREFERENCES)}"
            )
        for label, path in (("--init checkpoint", self.init), ("--stage1 checkpoint", self.stage1)):
            if path is not None and not Path(path).is_file():
                raise InvalidInputError(f"{label} not found: {path}")
        if self.stage1 is not None and self.kind != "fusion":
            raise InvalidInputError("a stage-1 network (--stage1) only applies to fusion training")


class TrainProgress(NamedTuple):
    """One step's report: ``validation`` is the metrics dict on the steps that validated, else None."""

    step: int
    steps: int
    loss: float
    steps_per_second: float
    eta_seconds: float
    validation: dict[str, float] | None


class TrainResult(NamedTuple):
    """The network's file, the steps done, its validation metrics, and whether the run stopped early."""

    checkpoint: Path
    steps_done: int
    metrics: dict[str, float]
    cancelled: bool


class TrainingError(RuntimeError):
    """Raised when training cannot go on (the loss became NaN or infinite)."""
