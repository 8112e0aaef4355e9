"""Clean-plate matting: the context-switching block's shapes, the perturbed plates the network trains on,
and the pipeline's plate path with an untrained network (alignment, sizes, known pixels, refusals)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from classic.checks import InvalidInputError
from classic.plate_alignment import PlateAlignmentError
from engine.checkpoint import save_checkpoint
from engine.nets.plate_matting import ContextSwitch, PlateMattingNet
from engine.pipeline import PLATE_DESCRIPTION, Pipeline, PipelineOptions
from engine.registry import create_model
from engine.training.plate_items import perturb_plate, soft_segmentation
from engine.weights import NetworkUnavailableError

TINY = {"context_widths": [8, 8, 8], "decoder_widths": [8, 8, 8, 8, 8]}


def scene(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A textured background: smooth noise, a few bars."""
    rng = np.random.default_rng(seed)
    noise = cv2.resize(
        rng.uniform(0.1, 0.9, (height // 8, width // 8, 3)).astype(np.float32), (width, height)
    )
    noise[:, width // 3 : width // 3 + 6] = (0.9, 0.9, 0.2)
    return np.clip(noise, 0.0, 1.0)


def disc(height: int = 96, width: int = 128) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return np.clip((22.0 - np.hypot(rows - height / 2, cols - width / 2)) / 2 + 0.5, 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    model = create_model("plate-matting", **TINY)
    save_checkpoint(
        folder / "plate-matting.pt", model, name="plate-matting", trained_on="nothing", metrics={}
    )
    return folder


def test_context_switch_gives_one_feature_per_position_of_its_width() -> None:
    block = ContextSwitch(40, (80, 1), 48)
    photo, plate, segmentation = (
        torch.rand(2, 40, 12, 16),
        torch.rand(2, 80, 12, 16),
        torch.rand(2, 1, 12, 16),
    )
    out = block(photo, (plate, segmentation))
    assert out.shape == (2, 48, 12, 16) and block.out_channels == 48
    assert len(block.selectors) == 2  # one selector per cue


def test_the_network_sees_the_plate_its_output_changes_with_it() -> None:
    torch.manual_seed(0)
    net = PlateMattingNet(**TINY).eval()
    x = torch.rand(1, 7, 64, 64)
    other = x.clone()
    other[:, 3:6] = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert not torch.allclose(net(x), net(other))
    with pytest.raises(InvalidInputError, match="7"):
        net(torch.rand(1, 6, 64, 64))


def test_perturbed_plates_stay_close_to_the_background_but_never_equal_it() -> None:
    background = scene()
    differences = []
    for seed in range(20):
        plate = perturb_plate(background, np.random.default_rng(seed))
        assert plate.shape == background.shape and plate.dtype == np.float32
        assert plate.min() >= 0.0 and plate.max() <= 1.0
        differences.append(float(np.abs(plate - background).mean()))
    assert min(differences) > 0.001  # noise, shift or exposure: a plate is never the same shot
    assert np.median(differences) < 0.12


def test_soft_segmentation_is_a_degraded_mask_a_trimap_or_nothing() -> None:
    alpha = disc()
    kinds = set()
    for seed in range(40):
        segmentation = soft_segmentation(alpha, np.random.default_rng(seed))
        values = np.unique(segmentation)
        if values.size == 1:
            kinds.add("nothing")
            assert values[0] == 0.5
        elif set(values.tolist()) <= {0.0, 0.5, 1.0}:
            kinds.add("trimap")
        else:
            kinds.add("mask")
    assert kinds == {"nothing", "trimap", "mask"}


def test_pipeline_mattes_a_photo_with_a_shifted_darker_plate(weights: Path) -> None:
    background = scene()
    alpha = disc()
    photo = alpha[..., None] * np.float32((0.9, 0.2, 0.1)) + (1 - alpha[..., None]) * background
    shifted = cv2.warpAffine(
        background, np.float32([[1, 0, 1.5], [0, 1, -1.0]]), (128, 96), borderMode=cv2.BORDER_REFLECT
    )
    plate = np.power(shifted, 1.1).astype(np.float32)
    pipeline = Pipeline(PipelineOptions(weights_folder=weights, device="cpu"))
    got = pipeline.matte_with_plate(photo, plate)
    assert got.shape == (96, 128) and got.dtype == np.float32
    assert got.min() >= 0.0 and got.max() <= 1.0
    trimap = np.where(alpha >= 1, 1.0, np.where(alpha <= 0, 0.0, 0.5)).astype(np.float32)
    with_trimap = pipeline.matte_with_plate(photo, plate, trimap=trimap)
    np.testing.assert_array_equal(with_trimap[trimap != 0.5], trimap[trimap != 0.5])  # known pixels kept
    cutout = pipeline.cut_out_with_plate(photo, plate)
    assert cutout.alpha.shape == (96, 128) and cutout.method == PLATE_DESCRIPTION


def test_pipeline_refuses_a_plate_of_another_scene_or_shape(weights: Path) -> None:
    pipeline = Pipeline(PipelineOptions(weights_folder=weights, device="cpu"))
    photo = scene(seed=1)
    with pytest.raises(PlateAlignmentError, match="does not line up"):
        pipeline.matte_with_plate(photo, scene(seed=2))
    with pytest.raises(PlateAlignmentError, match="same framing"):
        pipeline.matte_with_plate(photo, scene(96, 160, seed=1))


def test_pipeline_without_plate_weights_names_the_classic_alternative(tmp_path: Path) -> None:
    pipeline = Pipeline(PipelineOptions(weights_folder=tmp_path))
    with pytest.raises(NetworkUnavailableError, match="trimap"):
        pipeline.matte_with_plate(scene(), scene())
