"""Scoring a network on held-out training items with the project's metrics (``classic.metrics``)."""

from __future__ import annotations

from collections import defaultdict

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from engine.training.tasks import Task, task_for

VALIDATION_BATCH = 4


def validate(
    model: nn.Module,
    kind: str,
    dataset: Dataset[dict[str, torch.Tensor]],
    *,
    device: str | torch.device = "cpu",
    limit: int | None = None,
    task: Task | None = None,
) -> dict[str, float]:
    """Mean metrics of ``model`` over ``dataset``'s items (``limit`` of them spread evenly, if given).

    ``kind`` is the network kind (``engine.training.tasks.KINDS``); ``dataset`` yields the training item
    dicts of that kind (a fixed validation split). The result maps each metric of the kind (IoU, SAD,
    PSNR, …; see ``engine.training.tasks``) to its mean over the items that have it, plus ``items``, the
    number of items scored. The model runs in eval mode under ``torch.inference_mode`` on ``device`` and
    is put back in its previous mode afterwards. An empty dataset gives ``{"items": 0.0}``.
    """
    task = task or task_for(kind)
    device = torch.device(device)
    count = len(dataset)  # type: ignore[arg-type]
    if limit is not None and limit < count:
        # Spread over the whole split: its items come source by source (composed scenes, then each set).
        dataset = Subset(dataset, sorted({round(i * (count - 1) / max(1, limit - 1)) for i in range(limit)}))
        count = len(dataset)
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    was_training = model.training
    model.to(device).eval()
    in_channels = int(getattr(model, "in_channels", 0))
    try:
        with torch.inference_mode():
            for batch in DataLoader(dataset, batch_size=VALIDATION_BATCH, shuffle=False):
                batch = {key: value.to(device) for key, value in batch.items()}
                output = model(task.network_input(batch, in_channels))
                for item in task.item_metrics(output, batch):
                    for name, value in item.items():
                        sums[name] += value
                        counts[name] += 1
    finally:
        model.train(was_training)
    return {"items": float(count), **{name: sums[name] / counts[name] for name in sums}}
