"""Torch datasets of training items, recomposed every epoch and reproducible item by item.

Every random choice for item ``i`` of epoch ``e`` comes from ``np.random.default_rng((seed, e, i))``, so two
datasets with the same seed give identical tensors whatever the order of access, the number of loader
workers or a resume in the middle of an epoch. ``set_epoch`` recomposes (a new background, crop, jitter
and trimap for every item), as Deep Image Matting recomposes its inputs every epoch. The validation split
holds out whole source files (foregrounds, backgrounds and pairs, chosen by name) and ignores the epoch,
so its items are the same at every validation.

Items are dicts of float32 CHW tensors in [0, 1]:

- segmentation: image (3), mask (1)
- refinement: image (3), mask (1), coarse (1)
- matting: image (3), trimap (1; 0 / 0.5 / 1), alpha (1), foreground (3), background (3), and closed_form
  (1) when asked for
- fusion: input (7) = [foreground photo's decontaminated colours, soft mask, new background], photo (3),
  target (3), alpha (1), foreground (3)
- plate-matting: image (3), plate (3), segmentation (1), alpha (1), trimap (1), foreground (3), background (3)
- trimap: image (3), trimap (1; the target), weight (1), segmentation (1)
- trimap-end-to-end: as trimap, and alpha (1), foreground (3), background (3)
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from classic.checks import InvalidInputError
from engine.nets import PHOTO_INPUT_PLANES
from engine.tensors import crop_to, image_to_tensor, pad_to_multiple, tensor_to_image
from engine.training import items, plate_items
from engine.training.options import check_camouflage
from engine.training.sources import (
    MAX_SIDE,
    SourceCache,
    TrainingSources,
    find_sources,
    split_pairs,
    split_sources,
)

KINDS = ("segmentation", "refinement", "matting", "fusion", "plate-matting", "trimap", "trimap-end-to-end")
# Kinds that need foregrounds with a true alpha.
MATTING_KINDS = ("matting", "fusion", "plate-matting", "trimap-end-to-end")
PAIR_KINDS = ("segmentation", "refinement", "trimap")  # also learn from photos with hand masks
CROP_MULTIPLE = 32


class TrainingDataset(Dataset[dict[str, torch.Tensor]]):
    """Items of one kind and split; ``set_epoch`` recomposes them (the validation split ignores it)."""

    def __init__(
        self,
        kind: str,
        materials: items.Materials,
        *,
        split: str,
        seed: int,
        compositions: int,
        stage1: items.Compositor | None = None,
        closed_form_hint: bool = False,
    ) -> None:
        self.kind = kind
        self.split = split
        self.seed = seed
        self.epoch = 0
        self.materials = materials
        self.compositions = compositions
        self._make = _item_maker(kind, compositions, stage1, closed_form_hint)
        self._length = compositions + (len(materials.pairs) if kind in PAIR_KINDS else 0)

    def set_epoch(self, epoch: int) -> None:
        """Recompose the items for ``epoch`` (≥ 0); validation items stay fixed."""
        if epoch < 0:
            raise InvalidInputError(f"epoch must be ≥ 0, got {epoch}")
        self.epoch = epoch

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self._length:
            raise IndexError(f"item {index} out of range for a dataset of {self._length}")
        epoch = 0 if self.split == "val" else self.epoch
        rng = np.random.default_rng((self.seed, epoch, index))
        return {name: _to_chw(array) for name, array in self._make(self.materials, index, rng).items()}

    def summary(self) -> dict[str, Any]:
        """Plain counts for a checkpoint's record: sources of each kind and items per epoch."""
        return {
            "kind": self.kind,
            "split": self.split,
            "items": self._length,
            "foregrounds": len(self.materials.foregrounds),
            "backgrounds": len(self.materials.backgrounds),
            "pairs": len(self.materials.pairs),
        }

    def __getstate__(self) -> dict[str, Any]:
        # Each loader worker starts with an empty cache instead of a pickled copy of the parent's.
        state = self.__dict__.copy()
        state["materials"] = replace(self.materials, cache=SourceCache(self.materials.cache.max_bytes))
        return state


def build_dataset(
    kind: str,
    data: Path,
    *,
    split: str = "train",
    crop: int = 320,
    seed: int = 0,
    val_fraction: float = 0.1,
    backgrounds_per_foreground: int = 4,
    hard_alpha_fraction: float = 0.3,
    stage1: nn.Module | None = None,
    closed_form_hint: bool = False,
    camouflage: float = 0.0,
) -> TrainingDataset:
    """The ``kind`` dataset (one of ``KINDS``) of ``split`` over the training-data folder ``data``.

    Each foreground gives ``backgrounds_per_foreground`` items per epoch; each segmentation pair one.
    Segmentation, refinement and trimap with pairs of real photos take one composition per foreground instead:
    the composed clip-art scenes stay one source among others, not the bulk of an epoch.
    ``crop`` is the items' side in pixels (a multiple of 32). ``stage1``, a trained FusionNet, switches
    fusion to the easy-to-hard stage (it runs on the CPU in eval mode inside the loader).
    ``closed_form_hint`` adds closed-form matting's alpha to matting items (``closed_form``), for a
    matting network that corrects it; it costs a matting solve per item (~0.2 s at 192 px).
    ``camouflage`` is the share of plate-matting items whose background is recoloured towards the
    subject's colours (``augment.camouflage``).

    With loader workers, ``set_epoch`` reaches them only if they are started anew each epoch (the
    default, not ``persistent_workers=True``): each worker holds a pickled copy of the dataset.
    """
    if kind not in KINDS:
        raise InvalidInputError(f"unknown training kind {kind!r}; choose one of {', '.join(KINDS)}")
    if crop < CROP_MULTIPLE or crop % CROP_MULTIPLE:
        raise InvalidInputError(f"crop must be a positive multiple of {CROP_MULTIPLE}, got {crop}")
    if seed < 0:
        raise InvalidInputError(f"seed must be ≥ 0, got {seed}")
    if backgrounds_per_foreground < 1:
        raise InvalidInputError(f"backgrounds_per_foreground must be ≥ 1, got {backgrounds_per_foreground}")
    if not 0.0 <= hard_alpha_fraction <= 1.0:
        raise InvalidInputError(f"hard_alpha_fraction must lie in [0, 1], got {hard_alpha_fraction}")
    check_camouflage(camouflage, kind)
    if stage1 is not None and kind != "fusion":
        raise InvalidInputError("a stage-1 network applies to fusion training only")
    if closed_form_hint and kind != "matting":
        raise InvalidInputError("a closed-form hint applies to matting training only")
    sources = find_sources(Path(data))
    materials = _materials(sources, split=split, val_fraction=val_fraction, crop=crop)
    materials.hard_alpha_fraction = hard_alpha_fraction
    materials.camouflage_fraction = camouflage
    own_foregrounds = kind in MATTING_KINDS or not sources.foregrounds_from_pairs
    if kind in MATTING_KINDS and not sources.foregrounds:
        raise InvalidInputError(
            f"{data}: {kind} training needs foregrounds (RGBA PNGs or photos with mattes)"
        )
    per_foreground = 1 if kind in PAIR_KINDS and materials.pairs else backgrounds_per_foreground
    compositions = len(materials.foregrounds) * per_foreground if own_foregrounds else 0
    compositor = _Stage1(stage1) if stage1 is not None else None
    return TrainingDataset(
        kind,
        materials,
        split=split,
        seed=seed,
        compositions=compositions,
        stage1=compositor,
        closed_form_hint=closed_form_hint,
    )


def _materials(sources: TrainingSources, *, split: str, val_fraction: float, crop: int) -> items.Materials:
    def share(values: tuple[Any, ...], names: list[str]) -> list[Any]:
        return split_sources(values, names, split=split, val_fraction=val_fraction)

    backgrounds = share(sources.backgrounds, [p.name for p in sources.backgrounds])
    if not backgrounds and split == "val":
        backgrounds = list(sources.backgrounds)  # a single background photo serves both splits
    return items.Materials(
        foregrounds=share(sources.foregrounds, [f.name for f in sources.foregrounds]),
        backgrounds=backgrounds,
        pairs=split_pairs(sources.pairs, split=split, val_fraction=val_fraction),
        crop=crop,
        hard_alpha_fraction=0.0,
        max_side=MAX_SIDE,
        cache=SourceCache(),
    )


def _item_maker(
    kind: str, compositions: int, stage1: items.Compositor | None, closed_form_hint: bool
) -> Callable[[items.Materials, int, np.random.Generator], items.Item]:
    if kind == "matting":
        return partial(items.matting_item, closed_form_hint=closed_form_hint)
    if kind == "plate-matting":
        return plate_items.plate_matting_item
    if kind == "trimap":
        return partial(plate_items.trimap_item, compositions=compositions)
    if kind == "trimap-end-to-end":
        return plate_items.trimap_end_to_end_item
    if kind == "fusion":
        return partial(items.fusion_item, stage1=stage1)
    if kind == "segmentation":
        return partial(items.segmentation_item, compositions=compositions)
    return partial(items.refinement_item, compositions=compositions)


class _Stage1:
    """A stage-1 fusion network as a numpy compositor: photo, mask, background → composite (CPU, eval)."""

    def __init__(self, model: nn.Module) -> None:
        self.model = copy.deepcopy(model).to("cpu").eval()

    def __getstate__(self) -> dict[str, bytes]:
        # Loader workers get the network as one byte string: pickled as tensors, each would travel as a
        # shared-memory file descriptor, and two pretrained encoders exceed the process's limit.
        buffer = io.BytesIO()
        torch.save(self.model, buffer)
        return {"model": buffer.getvalue()}

    def __setstate__(self, state: dict[str, bytes]) -> None:
        # The bytes are this process's own copy of a network it built itself: not untrusted input.
        self.model = torch.load(io.BytesIO(state["model"]), weights_only=False).eval()

    def __call__(self, photo: np.ndarray, mask: np.ndarray, background: np.ndarray) -> np.ndarray:
        planes = [image_to_tensor(photo), image_to_tensor(mask), image_to_tensor(background)]
        if getattr(self.model, "in_channels", 0) == PHOTO_INPUT_PLANES:  # the clean subject is its photo here
            planes.append(planes[0])
        x = torch.cat(planes, dim=1)
        padded, size = pad_to_multiple(x)
        with torch.inference_mode():
            composite = self.model(padded)
        return np.clip(tensor_to_image(crop_to(composite, size)), 0.0, 1.0)


def _to_chw(array: np.ndarray) -> torch.Tensor:
    planes = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(planes, dtype=np.float32))
