"""The training state file (``train-state.pt``) and the random generators' states, for exact resume.

The file holds plain values and tensors only, so it is read with ``torch.load(weights_only=True)``:
numpy's generator state becomes a tensor and Python's a list. It is written atomically (a temporary
sibling, then a rename), so an interrupt while saving never leaves half a file.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from classic.atomic_file import write_atomically_with
from classic.checks import InvalidInputError

STATE_FILE = "train-state.pt"
STATE_FORMAT = 1
LOSS_SMOOTHING = 0.9


@dataclass
class Counters:
    """Where a run is: steps done, the epoch and the batch position in it, the best validation so far
    (the primary metric's value, its step and all its metrics), the last validated step (-1: none), the
    seconds spent, and the loss averaged over recent steps (NaN before the first step)."""

    step: int = 0
    epoch: int = 0
    position: int = 0
    best: float | None = None
    best_step: int = 0
    best_metrics: dict[str, float] = field(default_factory=dict)
    validated_step: int = -1
    elapsed: float = 0.0
    loss_average: float = math.nan
    encoder_weights: str = ""

    def add_loss(self, value: float) -> None:
        """Fold one step's finite loss into the running average."""
        if math.isfinite(value):
            previous = self.loss_average
            self.loss_average = (
                value if math.isnan(previous) else LOSS_SMOOTHING * previous + (1 - LOSS_SMOOTHING) * value
            )

    def plain(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_plain(cls, values: dict[str, Any]) -> Counters:
        # States saved before a field existed resume with its default.
        known = {key: value for key, value in values.items() if key in cls.__dataclass_fields__}
        return cls(**{**known, "best_metrics": dict(values["best_metrics"])})


def check_resumable(state: dict[str, Any], run: dict[str, Any], path: Path) -> None:
    """Refuse to resume ``state`` with settings (``run``) that would not continue it exactly. A setting the
    state does not record (saved before it was compared) is not checked."""
    for key, value in run.items():
        if key not in state["run"]:
            continue
        saved = state["run"][key]
        if saved != value:
            raise InvalidInputError(
                f"cannot resume {path}: it was trained with {key} {saved!r}, not {value!r}"
            )


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's (CPU and CUDA) generators with ``seed``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """The state of every generator the training touches, as plain values and tensors."""
    kind, keys, position, has_gauss, cached = np.random.get_state(legacy=True)
    assert isinstance(keys, np.ndarray)  # the legacy form is a tuple holding the key array
    python_version, python_state, python_gauss = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached],
        "python": [python_version, list(python_state), python_gauss],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put every generator back where ``rng_state`` found it."""
    torch.set_rng_state(state["torch"])
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    version, python_state, gauss = state["python"]
    random.setstate((version, tuple(python_state), gauss))
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically_with(path, lambda file: torch.save({"format": STATE_FORMAT, **state}, file))


def load_state(path: Path) -> dict[str, Any]:
    """The state saved at ``path``, or ``InvalidInputError`` when it is missing or unreadable."""
    if not path.is_file():
        raise InvalidInputError(f"nothing to resume: {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for bad bytes
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise InvalidInputError(f"{path} is not a readable training state: {reason}") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise InvalidInputError(f"{path} is not a training state of format {STATE_FORMAT}")
    return state


class Optimisation(NamedTuple):
    """The optimizer, its learning-rate schedule and the fp16 gradient scaler, saved and restored together."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler

    def state(self) -> dict[str, Any]:
        return {name: getattr(self, name).state_dict() for name in self._fields}

    def load(self, state: dict[str, Any]) -> None:
        for name in self._fields:
            getattr(self, name).load_state_dict(state[name])
