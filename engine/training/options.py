"""A training run's options (checked once, with messages in the command line's words), its progress
reports and its result."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from classic.checks import InvalidInputError
from engine.device import DEVICE_PREFERENCES
from engine.training.losses import PERCEPTUAL_WEIGHT
from engine.training.tasks import check_kind

# Ranges of the counting options, and the largest crop and batch: beyond them a run cannot fit in memory
# or finish (a 100000-pixel crop asked for 40 GB before it failed).
_COUNT_RANGES = (
    ("steps", 1, 10_000_000),
    ("batch_size", 1, 1024),
    ("validate_every", 0, 10_000_000),
    ("checkpoint_every", 0, 10_000_000),
    ("workers", 0, 64),
)
MAX_CROP = 2048
MAX_BATCH_PIXELS = 64 * 512 * 512


def check_camouflage(share: float, kind: str) -> None:
    """Raise ``InvalidInputError`` unless ``share`` of camouflaged items suits training ``kind``."""
    if not 0.0 <= share <= 1.0:
        raise InvalidInputError(f"the camouflage share must lie in [0, 1], got {share}")
    if share and kind != "plate-matting":
        raise InvalidInputError("--camouflage applies to plate-matting training only")


@dataclass(frozen=True)
class TrainOptions:
    """One training run of network ``kind`` on the data folder ``data``, written to the folder ``out``.

    ``crop`` is the side of the square training crops (a multiple of 32); ``validate_every`` and
    ``checkpoint_every`` count steps (0: only at the end); ``resume`` continues ``out``'s run (``init`` is
    then ignored: the saved state has the weights); ``init`` is a checkpoint to fine-tune, whose config
    wins over the task's; ``config`` overrides the task's network config (tiny networks in tests);
    ``stage1`` (fusion) is a trained stage-1 fusion checkpoint, which switches the data to the easy-to-hard
    stage 2 of Deep Image Compositing; ``vgg16`` is a VGG-16 ImageNet weights file for the perceptual loss,
    ``perceptual_weight`` that term's weight (fusion);
    ``pretrained`` starts a pretrained-family encoder (EfficientNet-Lite0) from its ImageNet weights;
    ``matting`` (trimap-end-to-end) is the fixed matting network the T-Net is trained through (None: the
    installed one); ``camouflage`` (plate-matting) the share of items whose background takes the
    subject's colours.
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
    perceptual_weight: float = PERCEPTUAL_WEIGHT
    pretrained: bool = True
    matting: Path | None = None
    camouflage: float = 0.0

    def check(self) -> None:
        """Raise ``InvalidInputError`` naming the first bad option (before any work or any file)."""
        check_kind(self.kind)
        if not Path(self.data).is_dir():
            raise InvalidInputError(f"training data folder not found: {self.data}")
        _check_writable_folder(Path(self.out))
        for name, low, high in _COUNT_RANGES:
            value = getattr(self, name)
            if not low <= value <= high:
                raise InvalidInputError(f"{name.replace('_', ' ')} must lie in [{low}, {high}], got {value}")
        if self.crop < 32 or self.crop % 32 or self.crop > MAX_CROP:
            raise InvalidInputError(
                f"the crop size must be a multiple of 32 (the networks' stride), at most {MAX_CROP}, "
                f"got {self.crop}"
            )
        if self.batch_size * self.crop**2 > MAX_BATCH_PIXELS:
            raise InvalidInputError(
                f"a batch of {self.batch_size} crops of {self.crop}² pixels would not fit in memory: keep "
                f"batch size × crop² under {MAX_BATCH_PIXELS:,} (e.g. --batch-size 8 --crop 320)"
            )
        if not 0 < self.learning_rate <= 1:
            raise InvalidInputError(f"the learning rate must lie in (0, 1], got {self.learning_rate}")
        check_camouflage(self.camouflage, self.kind)
        if not 0.0 <= self.val_fraction < 1.0:
            raise InvalidInputError(f"the validation fraction must be in [0, 1), got {self.val_fraction}")
        if self.device not in DEVICE_PREFERENCES:
            raise InvalidInputError(
                f"unknown device {self.device!r}; choose one of {', '.join(DEVICE_PREFERENCES)}"
            )
        checkpoints = (
            ("--init checkpoint", self.init),
            ("--stage1 checkpoint", self.stage1),
            ("--matting checkpoint", self.matting),
        )
        for label, path in checkpoints:
            if path is not None and not Path(path).is_file():
                raise InvalidInputError(f"{label} not found: {path}")
        if self.stage1 is not None and self.kind != "fusion":
            raise InvalidInputError("a stage-1 network (--stage1) only applies to fusion training")
        if self.matting is not None and self.kind != "trimap-end-to-end":
            raise InvalidInputError(
                "a matting network (--matting) only applies to the learned trimap's end-to-end stage "
                "(trimap-end-to-end)"
            )
        weight = self.perceptual_weight
        if not 0.0 <= weight <= 100.0:  # NaN fails too
            raise InvalidInputError(f"the perceptual weight must lie in [0, 100], got {weight}")


def _check_writable_folder(out: Path) -> None:
    """Refuse an output that is not a folder, or whose nearest existing folder cannot be written."""
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"the output {out} exists and is not a folder")
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInputError(f"cannot write the output folder {out}: {existing} is not writable")


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
