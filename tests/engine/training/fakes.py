"""A small in-memory stand-in for ``engine.training.datasets``: synthetic items of every kind.

Items are deterministic per (seed, epoch, index), like the real datasets, so resume tests can expect
identical weights; a disc subject with a soft edge on a textured background keeps them cheap to make.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

TINY = {
    "widths": [8, 8, 8, 8, 8],
    "depths": [1, 1, 1, 1, 1],
    "decoder_widths": [8, 8, 8, 8, 8],
    "expansion": 2,
}
# The networks built on EfficientNet-Lite0 have a fixed encoder: only their decoder shrinks.
TINY_PRETRAINED = {"decoder_widths": [8, 8, 8, 8, 8]}


def tiny_config(kind: str) -> dict[str, object]:
    """A small config of network ``kind``."""
    if kind == "plate-matting":
        return {"context_widths": [8, 8, 8], **TINY_PRETRAINED}
    return dict(TINY_PRETRAINED) if kind in ("trimap", "trimap-end-to-end") else dict(TINY)


def write_tiny_matting_network(path: Path, *, closed_form_input: bool = True) -> Path:
    """A tiny untrained matting checkpoint at ``path`` (the end-to-end stage's fixed M-Net in tests)."""
    from engine.checkpoint import save_checkpoint
    from engine.registry import create_model

    torch.manual_seed(0)
    network = create_model("matting", **TINY, closed_form_input=closed_form_input)
    save_checkpoint(path, network, name="matting", trained_on="nothing", metrics={})
    return path


class FakeItems(Dataset[dict[str, torch.Tensor]]):
    """``count`` items of ``kind`` at ``crop``² pixels; ``set_epoch`` changes them (not for split "val")."""

    def __init__(
        self, kind: str, *, count: int = 8, crop: int = 64, seed: int = 0, split: str = "train"
    ) -> None:
        self.kind, self.count, self.crop, self.seed, self.split = kind, count, crop, seed, split
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        epoch = 0 if self.split == "val" else self.epoch
        rng = np.random.default_rng((self.seed, epoch, index, self.split == "val"))
        size = self.crop
        rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
        centre = rng.uniform(0.3, 0.7, 2) * size
        radius = rng.uniform(0.15, 0.3) * size
        distance = np.hypot(rows - centre[0], cols - centre[1])
        alpha = np.clip((radius - distance) / 3.0 + 0.5, 0.0, 1.0).astype(np.float32)
        foreground = (rng.uniform(0.2, 0.9, 3)[:, None, None] * np.ones((3, size, size))).astype(np.float32)
        background = rng.uniform(0.0, 1.0, (3, size, size)).astype(np.float32)
        old_background = rng.uniform(0.0, 1.0, (3, size, size)).astype(np.float32)
        image = alpha * foreground + (1 - alpha) * background
        mask = (alpha > 0.5).astype(np.float32)
        trimap = np.where((alpha > 0) & (alpha < 1), 0.5, alpha).astype(np.float32)
        grown = distance < radius + rng.uniform(-4, 4)
        plate = np.clip(background + rng.normal(0.0, 0.01, background.shape), 0.0, 1.0)
        band = np.abs(distance - radius) < 3.0
        arrays = {
            "segmentation": {"image": image, "mask": mask[None]},
            "refinement": {"image": image, "mask": mask[None], "coarse": grown.astype(np.float32)[None]},
            "matting": {
                "image": image,
                "trimap": trimap[None],
                "alpha": alpha[None],
                "foreground": foreground,
                "background": background,
            },
            "fusion": {
                "input": np.concatenate(
                    [alpha * foreground + (1 - alpha) * old_background, alpha[None], background]
                ),
                "photo": alpha * foreground + (1 - alpha) * old_background,
                "target": image,
                "alpha": alpha[None],
                "foreground": foreground,
            },
            "plate-matting": {
                "image": image,
                "plate": plate,
                "segmentation": grown.astype(np.float32)[None],
                "alpha": alpha[None],
                "trimap": trimap[None],
                "foreground": foreground,
                "background": background,
            },
            "trimap": {
                "image": image,
                "trimap": np.where(band, 0.5, mask).astype(np.float32)[None],
                "weight": np.ones_like(mask)[None],
                "segmentation": grown.astype(np.float32)[None],
            },
            "trimap-end-to-end": {
                "image": image,
                "trimap": np.where(band, 0.5, mask).astype(np.float32)[None],
                "weight": np.ones_like(mask)[None],
                "segmentation": grown.astype(np.float32)[None],
                "alpha": alpha[None],
                "foreground": foreground,
                "background": background,
            },
        }[self.kind]
        return {
            name: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for name, a in arrays.items()
        }


def fake_datasets(kind: str, *, count: int = 8, val_count: int = 4, crop: int = 64):
    """A dataset factory for ``engine.training.trainer.train(datasets=…)``."""

    def make(split: str) -> FakeItems:
        return FakeItems(kind, count=count if split == "train" else val_count, crop=crop, split=split)

    return make


def write_training_folder(root: Path, *, count: int = 4) -> Path:
    """A real training-data folder (``DATA/foregrounds`` RGBA discs, ``DATA/backgrounds`` noise photos)."""
    (root / "foregrounds").mkdir(parents=True)
    (root / "backgrounds").mkdir()
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:96, 0:80]
    for index in range(count):
        alpha = np.clip((28 - np.hypot(rows - 48, cols - 40)) / 3 + 0.5, 0, 1)
        colour = rng.integers(0, 255, (96, 80, 3))
        rgba = np.dstack([colour, alpha * 255]).astype(np.uint8)
        cv2.imwrite(str(root / "foregrounds" / f"fg{index}.png"), rgba)
        noise = rng.integers(0, 255, (120, 140, 3)).astype(np.uint8)
        cv2.imwrite(str(root / "backgrounds" / f"bg{index}.png"), noise)
    return root
