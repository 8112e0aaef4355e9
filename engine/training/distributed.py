"""Multi-process training under ``torchrun``: who this process is, the process group, and agreeing to stop.

``torchrun --nproc_per_node N main.py train …`` (or a multi-node launch) starts one process per device
and sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``. With
``WORLD_SIZE`` > 1 the trainer joins a process group (NCCL on CUDA, gloo on the CPU), wraps the network
in ``DistributedDataParallel`` and shards each epoch with a ``DistributedSampler``; only rank 0 reports
progress, validates and writes files. A stop request (Ctrl+C, SIGTERM, a cancel) may reach the ranks at
different steps, so they agree on it each step (``any_rank``), or the others would wait forever in the
next gradient all-reduce.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from classic.checks import InvalidInputError


@dataclass(frozen=True)
class Distributed:
    """This process's place: ``rank`` of ``world_size`` processes, ``local_rank`` on its node."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True for the one process that reports, validates and writes checkpoints."""
        return self.rank == 0

    @classmethod
    def from_environment(cls) -> Distributed:
        """The place torchrun's environment variables describe (a single process without them)."""
        try:
            world_size = int(os.environ.get("WORLD_SIZE", "1"))
            rank = int(os.environ.get("RANK", "0"))
            local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
        except ValueError:
            raise InvalidInputError("WORLD_SIZE, RANK and LOCAL_RANK must be whole numbers") from None
        if world_size < 1 or not 0 <= rank < world_size:
            raise InvalidInputError(f"RANK={rank} is not a rank of WORLD_SIZE={world_size}")
        return cls(rank, world_size, local_rank)

    def device(self, device: torch.device) -> torch.device:
        """The device of this process: on CUDA, one GPU per local rank."""
        if device.type == "cuda" and self.enabled:
            return torch.device("cuda", self.local_rank)
        return device

    def start(self, device: torch.device) -> None:
        """Join the process group (NCCL on CUDA, gloo otherwise) unless running alone or already joined."""
        if not self.enabled or dist.is_initialized():
            return
        if device.type == "cuda":
            torch.cuda.set_device(device)
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, rank=self.rank, world_size=self.world_size)

    def stop(self) -> None:
        """Leave the process group (when this process joined one)."""
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()

    def any_rank(self, flag: bool, device: torch.device) -> bool:
        """True when ``flag`` is True on any rank (a collective: every rank must call it)."""
        if not self.enabled:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item() > 0.0)

    def share_buffers(self, model: nn.Module) -> None:
        """Give every rank rank 0's buffers (batch-norm statistics), which each rank's last batch moved.

        DistributedDataParallel keeps parameters equal by averaging gradients, and broadcasts buffers
        only before each forward pass; after the last step they differ until this is called.
        """
        if self.enabled:
            for buffer in model.buffers():
                dist.broadcast(buffer, src=0)

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        if self.enabled:
            dist.barrier()
