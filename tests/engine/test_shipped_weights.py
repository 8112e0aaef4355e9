"""The weights shipped in resources/weights: all six networks, loadable, within the project's 50 MB,
described by the model card, and found by the pipeline when nothing overrides them."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
import torch

from engine.checkpoint import load_checkpoint
from engine.networks import CHECKPOINT_NAMES
from engine.pipeline import Pipeline, PipelineOptions
from engine.weights import NETWORK_KINDS, WEIGHTS_FOLDER, installed_weights

MAX_TOTAL_BYTES = 50 * 1000 * 1000  # the project's limit for its own shipped weights


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_every_network_ships_a_loadable_checkpoint_that_records_its_training(kind: str) -> None:
    path = WEIGHTS_FOLDER / f"{kind}.pt"
    model, info = load_checkpoint(path)
    assert info.name in CHECKPOINT_NAMES[kind]
    assert info.trained_on and "untrained" not in info.trained_on
    assert info.extra["steps"] > 0 and info.extra["seed"] == 0 and "loss" in info.extra
    assert info.metrics  # the held-out validation scores the trainer selected it by
    assert sum(p.numel() for p in model.parameters()) > 100_000


def test_the_shipped_weights_fit_in_50_mb_and_the_model_card_covers_them() -> None:
    files = [WEIGHTS_FOLDER / f"{kind}.pt" for kind in NETWORK_KINDS]
    assert sum(path.stat().st_size for path in files) <= MAX_TOTAL_BYTES
    card = (WEIGHTS_FOLDER / "MODEL_CARD.md").read_text(encoding="utf-8")
    for kind in NETWORK_KINDS:
        assert f"| {kind} |" in card
    assert "scripts/train-weights.sh" in card


def test_the_pipeline_finds_the_shipped_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSITOR_WEIGHTS")
    assert installed_weights("segmentation") == WEIGHTS_FOLDER / "segmentation.pt"
    photo = np.random.default_rng(0).random((64, 96, 3), dtype=np.float32)
    mask = Pipeline(PipelineOptions(segmentation="network", device="cpu")).segment(photo)
    assert mask.shape == (64, 96) and mask.min() >= 0.0 and mask.max() <= 1.0


@pytest.mark.parametrize("kind", ["segmentation", "refinement", "plate-matting", "trimap", "matting"])
def test_the_cut_out_networks_start_from_imagenet_and_ship_in_half_precision(kind: str) -> None:
    path = WEIGHTS_FOLDER / f"{kind}.pt"
    _, info = load_checkpoint(path)
    assert info.config.get("encoder", "efficientnet-lite0") == "efficientnet-lite0"
    assert "ImageNet EfficientNet-Lite0" in info.extra["encoder_weights"]
    assert info.extra["storage"] == "float16"
    stored = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    assert {str(t.dtype) for t in stored.values() if t.is_floating_point()} == {"torch.float16"}


def test_the_shipped_segmentation_network_finds_photographed_subjects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two photographs it never saw: the astronaut (the flag behind her is background) and the cat."""
    monkeypatch.delenv("COMPOSITOR_WEIGHTS")
    pipeline = Pipeline(PipelineOptions(segmentation="network", device="cpu"))
    astronaut = pipeline.segment(skimage.data.astronaut().astype(np.float32) / 255)
    assert astronaut[60:200, 160:280].mean() > 0.9  # her face and helmet
    assert astronaut[300:, 50:400].mean() > 0.9  # her suit
    assert astronaut[:100, 400:].mean() < 0.1  # the flag
    cat = pipeline.segment(skimage.data.chelsea().astype(np.float32) / 255)
    assert cat[60:200, 100:300].mean() > 0.9
    assert cat[:, 420:].mean() < 0.1
