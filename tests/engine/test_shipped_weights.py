"""The weights shipped in resources/weights: all six networks, loadable, within the project's 50 MB,
described by the model card, and found by the pipeline when nothing overrides them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data
import torch

from engine import inference
from engine.checkpoint import load_checkpoint
from engine.networks import CHECKPOINT_NAMES
from engine.pipeline import Pipeline, PipelineOptions, cutout_from_alpha
from engine.weights import NETWORK_KINDS, WEIGHTS_FOLDER, installed_weights

MAX_TOTAL_BYTES = 50 * 1000 * 1000  # the project's limit for its own shipped weights
# How far fp16 may move the shipped fusion composite at 24 MP from float32's (issue 11). Emulated on this
# project's CPU (fp16 autocast there too), it moved by 0.002/255 on average and 2.3/255 at most.
FP16_FUSION_MEAN = 0.5 / 255
FP16_FUSION_MAX = 8.0 / 255


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


def _scene_24mp() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The astronaut and the coffee cup at 6000 × 4000, and a soft elliptic alpha around her."""

    def scaled(photo: np.ndarray) -> np.ndarray:
        return np.clip(
            cv2.resize(photo.astype(np.float32) / 255, (6000, 4000), interpolation=cv2.INTER_CUBIC), 0, 1
        )

    rows, cols = np.ogrid[0:4000, 0:6000]
    distance = np.hypot((cols - 3000) / 1800, (rows - 2200) / 1900).astype(np.float32)
    alpha = np.clip((1.0 - distance) * 40.0, 0.0, 1.0)
    return scaled(skimage.data.astronaut()), scaled(skimage.data.coffee()), alpha


def _fusion_composite(device: str, scene: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    photo, background, alpha = scene
    pipeline = Pipeline(PipelineOptions(compositing="fusion", device=device))
    return pipeline.composite(photo, background, cutout_from_alpha(photo, alpha))


def _agreement(found: np.ndarray, expected: np.ndarray) -> str:
    difference = np.abs(found - expected)
    assert difference.mean() <= FP16_FUSION_MEAN and difference.max() <= FP16_FUSION_MAX
    return f"|fp16 − float32| mean {difference.mean() * 255:.4f}/255, max {difference.max() * 255:.2f}/255"


@pytest.mark.slow
def test_fp16_moves_the_24_mp_fusion_composite_within_its_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tolerance the GPU check below holds CUDA to, measured here: fp16 autocast on the CPU (slow,
    emulated, the same casts as CUDA's for convolutions) against float32, the shipped fusion network."""
    monkeypatch.delenv("COMPOSITOR_WEIGHTS")
    scene = _scene_24mp()
    expected = _fusion_composite("cpu", scene)
    monkeypatch.setattr(inference, "_autocast", lambda *_a, **_k: torch.autocast("cpu", dtype=torch.float16))
    found = _fusion_composite("cpu", scene)
    assert not np.array_equal(found, expected)  # fp16 did run
    print(_agreement(found, expected))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fp16_fusion_at_24_mp_fits_the_gpu_and_matches_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11's GPU check: the shipped fusion network composites 24 MP under CUDA's fp16 autocast (at its
    768 px working resolution, the correction brought up to full size) without running out of memory,
    within the fp16 tolerance of the float32 CPU composite."""
    monkeypatch.delenv("COMPOSITOR_WEIGHTS")
    scene = _scene_24mp()
    expected = _fusion_composite("cpu", scene)
    torch.cuda.reset_peak_memory_stats()
    found = _fusion_composite("cuda", scene)
    peak = torch.cuda.max_memory_allocated() / 2**20
    print(
        f"fp16 fusion at 24 MP on {torch.cuda.get_device_name(0)}: peak {peak:.0f} MiB;",
        _agreement(found, expected),
    )
