"""Pieces of the training loop: each epoch's batches from a given position, the learning-rate schedule,
and stop requests by signal.

Each epoch's order comes from a ``DistributedSampler`` seeded with the run's seed and shuffled per epoch
(one process is a world of one), so a resumed run skips exactly the batches already seen and then sees
the same ones an uninterrupted run would. The datasets themselves are deterministic per (seed, epoch,
index), so DataLoader workers change nothing but speed; each worker still gets its own seed from the
loader's seeded generator, for any randomness a dataset draws from the global generators.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from classic.checks import InvalidInputError
from engine.training.distributed import Distributed
from engine.training.options import TrainOptions

MIN_LEARNING_RATE_FACTOR = 0.02  # the cosine decays to 2 % of the peak rate, not to 0

# A forked loader worker can hang in its first collate once the parent has run torch's thread pool (seen
# with matting items that solve closed-form matting); a fork server starts workers from a clean process.
_WORKER_START = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None


def warmup_cosine(steps: int) -> Callable[[int], float]:
    """The learning-rate factor at each step: linear warm-up over 5 % of ``steps`` (≤ 100), then cosine."""
    warmup = max(1, min(100, steps // 20))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        done = min(1.0, (step - warmup) / max(1, steps - warmup))
        return MIN_LEARNING_RATE_FACTOR + (1.0 - MIN_LEARNING_RATE_FACTOR) * 0.5 * (
            1.0 + math.cos(math.pi * done)
        )

    return factor


def _sampler(
    dataset: Dataset[dict[str, torch.Tensor]], seed: int, place: Distributed
) -> DistributedSampler[int]:
    return DistributedSampler(
        dataset, num_replicas=place.world_size, rank=place.rank, shuffle=True, seed=seed, drop_last=True
    )


def batches_per_epoch(dataset: Dataset[dict[str, torch.Tensor]], batch_size: int, place: Distributed) -> int:
    """Full batches per epoch on each process; ``InvalidInputError`` when the set is too small for one."""
    count = len(_sampler(dataset, 0, place)) // batch_size
    if count < 1:
        size = len(dataset)  # type: ignore[arg-type]
        raise InvalidInputError(
            f"the training set has {size} items, too few for one batch of {batch_size} on each of "
            f"{place.world_size} processes; add data or lower --batch-size"
        )
    return count


def _seed_worker(worker_id: int) -> None:
    # The loader gives each worker torch seed base + id; numpy and random follow it. Workers leave
    # Ctrl+C and SIGTERM to the main process, which stops the run and shuts them down.
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def batches(
    dataset: Dataset[dict[str, torch.Tensor]],
    epoch: int,
    position: int,
    options: TrainOptions,
    place: Distributed,
    device: torch.device,
) -> Iterator[dict[str, torch.Tensor]]:
    """The batches of ``epoch`` from batch number ``position`` on, moved to ``device``."""
    set_epoch = getattr(dataset, "set_epoch", None)
    if callable(set_epoch):
        set_epoch(epoch)  # compositions are drawn anew every epoch
    sampler = _sampler(dataset, options.seed, place)
    sampler.set_epoch(epoch)
    size = options.batch_size
    order = list(sampler)
    order = order[position * size : len(order) // size * size]
    generator = torch.Generator().manual_seed(options.seed * 1_000_003 + epoch)
    loader = DataLoader(
        dataset,
        batch_size=size,
        sampler=order,
        num_workers=options.workers,
        multiprocessing_context=_WORKER_START if options.workers else None,
        worker_init_fn=_seed_worker,
        generator=generator,
        pin_memory=device.type == "cuda",
        drop_last=True,
    )
    for batch in loader:
        yield {key: value.to(device, non_blocking=True) for key, value in batch.items()}


@contextmanager
def stop_requests() -> Iterator[threading.Event]:
    """An event set by Ctrl+C or SIGTERM while inside, on the main thread only (elsewhere: never set).

    A second Ctrl+C raises ``KeyboardInterrupt`` at once, for a run that does not stop soon enough.
    """
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if requested.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        requested.set()

    previous = {number: signal.signal(number, handler) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for number, old in previous.items():
            signal.signal(number, old if old is not None else signal.SIG_DFL)
