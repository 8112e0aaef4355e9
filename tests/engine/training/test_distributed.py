"""DistributedDataParallel on the CPU: two gloo processes train one network to the same weights."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from engine.checkpoint import load_checkpoint
from engine.training.distributed import Distributed
from engine.training.state import STATE_FILE
from engine.training.trainer import Trainer, TrainOptions
from tests.engine.training.fakes import TINY, fake_datasets

WORLD = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rank(rank: int, port: int, folder: str) -> None:
    # What torchrun sets for each process it starts.
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    root = Path(folder)
    options = TrainOptions(
        kind="segmentation",
        data=root,
        out=root / "out",
        steps=3,
        batch_size=2,
        crop=64,
        device="cpu",
        validate_every=2,
        checkpoint_every=2,
        config=TINY,
    )
    reports: list[int] = []
    trainer = Trainer(options, datasets=fake_datasets("segmentation"))
    result = trainer.run(progress=lambda report: reports.append(report.step))
    torch.save(
        {"model": trainer.model.state_dict(), "steps": result.steps_done, "reports": reports},
        root / f"rank{rank}.pt",
    )


@pytest.mark.slow  # two processes each import torch: ~7 s
def test_two_gloo_processes_end_with_identical_weights_and_one_checkpoint(tmp_path: Path) -> None:
    mp.spawn(_rank, args=(_free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    ranks = [torch.load(tmp_path / f"rank{rank}.pt", weights_only=True) for rank in range(WORLD)]
    assert [r["steps"] for r in ranks] == [3, 3]
    assert ranks[0]["reports"] == [1, 2, 3] and ranks[1]["reports"] == []  # rank 0 alone reports
    first, second = ranks[0]["model"], ranks[1]["model"]
    assert all(torch.equal(first[key], second[key]) for key in first)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["segmentation.pt", STATE_FILE]
    _, info = load_checkpoint(tmp_path / "out" / "segmentation.pt")
    assert info.extra["processes"] == WORLD
    saved = torch.load(tmp_path / "out" / STATE_FILE, weights_only=True)["model"]
    assert all(torch.equal(saved[key], first[key]) for key in first)


def test_a_single_process_is_a_world_of_one(monkeypatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    place = Distributed.from_environment()
    assert (place.rank, place.world_size, place.enabled, place.is_main) == (0, 1, False, True)
    assert place.any_rank(True, torch.device("cpu")) is True
