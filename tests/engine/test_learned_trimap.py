"""The learned trimap (Semantic Human Matting): the fusion α = F + U·α_raw, the most likely trimap, the
training targets, and the pipeline's photo-only path with an untrained T-Net."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from classic.grabcut import Rect
from classic.progress import no_progress
from engine import learned_trimap
from engine import pipeline as pipeline_module
from engine.checkpoint import save_checkpoint
from engine.learned_trimap import most_likely_trimap, trimap_probabilities
from engine.nets.trimap import TrimapNet, fuse_alpha
from engine.pipeline import Pipeline, PipelineOptions
from engine.registry import create_model
from engine.training.plate_items import trimap_target
from engine.weights import NetworkUnavailableError
from tests.engine.test_clean_plate import disc, scene

TINY = {"decoder_widths": [8, 8, 8, 8, 8]}


def test_fusion_takes_the_foreground_and_the_raw_alpha_where_unknown() -> None:
    probabilities = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.2, 0.5, 0.3]])
    probabilities = probabilities.T.reshape(1, 3, 1, 4)
    raw = torch.full((1, 1, 1, 4), 0.4)
    fused = fuse_alpha(probabilities, raw).flatten().tolist()
    assert fused == pytest.approx([0.0, 1.0, 0.4, 0.3 + 0.5 * 0.4])


def test_the_most_likely_trimap_labels_each_pixel_by_its_largest_probability() -> None:
    probabilities = np.array([[[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.0, 0.1, 0.9]]], np.float32)
    np.testing.assert_array_equal(most_likely_trimap(probabilities), [[0.0, 0.5, 1.0]])


def test_trimap_targets_cover_the_soft_edge_and_keep_the_core_and_the_far_background() -> None:
    alpha = disc()
    target = trimap_target(alpha, np.random.default_rng(0))
    assert set(np.unique(target).tolist()) == {0.0, 0.5, 1.0}
    assert np.all(target[(alpha > 0.02) & (alpha < 0.98)] == 0.5)
    assert target[48, 64] == 1.0 and target[0, 0] == 0.0


def test_the_t_net_gives_three_class_logits() -> None:
    net = TrimapNet(**TINY).eval()
    with torch.no_grad():
        out = net(torch.rand(2, 4, 64, 96))
        probabilities = net.predict(torch.rand(1, 4, 64, 96))
    assert out.shape == (2, 3, 64, 96)
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(1, 64, 96))


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    save_checkpoint(
        folder / "trimap.pt", create_model("trimap", **TINY), name="trimap", trained_on="nothing", metrics={}
    )
    return folder


def _weights_with_the_t_net(weights: Path, tmp_path: Path) -> Path:
    """A weights folder of its own holding the module's T-Net, for a test to add networks to."""
    folder = tmp_path / "weights"
    folder.mkdir()
    (folder / "trimap.pt").symlink_to(weights / "trimap.pt")
    return folder


@pytest.mark.parametrize("matting", ["closed-form", "knn"])
def test_pipeline_mattes_from_the_photo_alone(weights: Path, matting: str) -> None:
    alpha = disc()
    photo = (alpha[..., None] * np.float32((0.9, 0.2, 0.1)) + (1 - alpha[..., None]) * scene()).astype(
        np.float32
    )
    pipeline = Pipeline(PipelineOptions(weights_folder=weights, device="cpu", matting=matting))
    got, trimap = pipeline.learned_trimap_matte(photo)
    assert got.shape == trimap.shape == (96, 128) and got.dtype == np.float32
    assert got.min() >= 0.0 and got.max() <= 1.0
    assert set(np.unique(trimap).tolist()) <= {0.0, 0.5, 1.0}
    np.testing.assert_array_equal(pipeline.matte_without_trimap(photo), got)


@pytest.mark.parametrize("shape", [(96, 128), (1200, 900)])
def test_the_t_net_runs_at_its_working_size_whatever_the_photo_s_size(
    weights: Path, shape: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    network = Pipeline(PipelineOptions(weights_folder=weights, device="cpu"))._network("trimap", no_progress)
    sizes: list[tuple[int, ...]] = []
    original = type(network).run

    def spy(self: object, inputs: list[torch.Tensor], **kwargs: object) -> torch.Tensor:
        sizes.append(tuple(inputs[0].shape[2:]))
        return original(self, inputs, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(network), "run", spy)
    photo = np.random.default_rng(0).random((*shape, 3), dtype=np.float32)
    probabilities = trimap_probabilities(network, photo, None, side=256)
    assert probabilities.shape == (*shape, 3)
    assert max(sizes[0]) == 256 and sizes[0][0] / sizes[0][1] == pytest.approx(shape[0] / shape[1], rel=0.02)


def test_pipeline_without_the_t_net_names_the_alternative(tmp_path: Path) -> None:
    with pytest.raises(NetworkUnavailableError, match="trimap"):
        Pipeline(PipelineOptions(weights_folder=tmp_path)).matte_without_trimap(scene())


def test_the_automatic_cut_out_can_take_its_trimap_from_the_t_net(weights: Path) -> None:
    alpha = disc()
    photo = (alpha[..., None] * np.float32((0.9, 0.2, 0.1)) + (1 - alpha[..., None]) * scene()).astype(
        np.float32
    )
    pipeline = Pipeline(PipelineOptions(weights_folder=weights, device="cpu", trimap="learned"))
    assert "trimap" in pipeline.options.networks()
    cutout = pipeline.cut_out(photo)
    expected_alpha, expected_trimap = pipeline.learned_trimap_matte(photo)
    np.testing.assert_array_equal(cutout.trimap, expected_trimap)
    np.testing.assert_array_equal(cutout.alpha, expected_alpha)
    assert "learned trimap" in cutout.method
    given = pipeline.cut_out(photo, mask=(alpha >= 0.5).astype(np.float32))  # a brushed mask keeps its edge
    assert "learned trimap" not in given.method


def test_the_automatic_cut_out_takes_the_t_net_s_trimap_when_installed(weights: Path, tmp_path: Path) -> None:
    photo = scene()
    automatic = Pipeline(PipelineOptions(weights_folder=weights, device="cpu"))
    assert automatic.trimap_method() == "learned" and "trimap" not in automatic.options.networks()
    cutout = automatic.cut_out(photo)
    assert "learned trimap" in cutout.method
    np.testing.assert_array_equal(cutout.trimap, automatic.learned_trimap_matte(photo)[1])
    boxed = automatic.cut_out(photo, rect=Rect(8, 8, 100, 70))  # the subject inside the box: the mask's band
    assert "learned trimap" not in boxed.method
    assert set(np.unique(boxed.trimap[:, :4]).tolist()) == {0.0}
    empty = tmp_path / "empty"
    empty.mkdir()
    without = Pipeline(PipelineOptions(weights_folder=empty, device="cpu"))
    assert without.trimap_method() == "mask" and "learned trimap" not in without.cut_out(photo).method
    chosen = Pipeline(PipelineOptions(weights_folder=weights, device="cpu", trimap="mask"))
    assert chosen.trimap_method() == "mask" and "learned trimap" not in chosen.cut_out(photo).method


def test_the_learned_trimap_cut_out_runs_the_segmentation_network_once(
    weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _weights_with_the_t_net(weights, tmp_path)
    segmentation = create_model("segmentation", encoder="efficientnet-lite0", decoder_widths=[8, 8, 8, 8])
    save_checkpoint(folder / "segmentation.pt", segmentation, name="segmentation", trained_on="", metrics={})
    pipeline = Pipeline(PipelineOptions(weights_folder=folder, device="cpu", trimap="learned"))
    calls: list[tuple[int, ...]] = []
    original = Pipeline._network_probability

    def counted(self: Pipeline, image: np.ndarray, *args: Any) -> np.ndarray:
        calls.append(image.shape)
        return original(self, image, *args)

    monkeypatch.setattr(Pipeline, "_network_probability", counted)
    photo = scene()
    cutout = pipeline.cut_out(photo)
    assert "learned trimap" in cutout.method and len(calls) == 1
    # The T-Net's segmentation plane is the cut-out's mask: the same matte as segmenting afresh (the
    # photo is under the working resolution, so both masks come from the same probability).
    alpha, _ = pipeline.learned_trimap_matte(photo)
    assert len(calls) == 2
    np.testing.assert_array_equal(cutout.alpha, alpha)


def test_the_t_net_sees_the_automatic_selection_s_mask_not_the_raw_probability(
    weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _weights_with_the_t_net(weights, tmp_path)
    torch.manual_seed(0)
    segmentation = create_model("segmentation", encoder="efficientnet-lite0", decoder_widths=[8, 8, 8, 8])
    save_checkpoint(folder / "segmentation.pt", segmentation, name="segmentation", trained_on="", metrics={})
    pipeline = Pipeline(PipelineOptions(weights_folder=folder, device="cpu"))
    seen: list[np.ndarray | None] = []
    original = pipeline_module.matte_from_photo

    def spy(network: object, image: np.ndarray, plane: np.ndarray | None, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(plane)
        return original(network, image, plane, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline_module, "matte_from_photo", spy)
    photo = scene()
    pipeline.learned_trimap_matte(photo)
    mask = pipeline.segment(photo)
    assert seen[0] is not None
    np.testing.assert_array_equal(seen[0], mask)
    assert not np.array_equal(mask, pipeline.subject_probability(photo))
    given = (disc() >= 0.5).astype(np.float32)
    pipeline.learned_trimap_matte(photo, mask=given)
    np.testing.assert_array_equal(seen[1], given)


def test_the_matting_network_inside_the_learned_trimap_gets_the_soft_trimap(
    weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in the end-to-end training stage: the M-Net's trimap plane is 0.5·U + F, its hint closed-form
    # matting in the most likely trimap, and the fusion F + U·α_raw (half of the alpha, α_raw the other
    # half) uses its alpha unpasted.
    folder = _weights_with_the_t_net(weights, tmp_path)
    torch.manual_seed(0)
    matting = create_model("matting", widths=[8] * 5, depths=[1] * 5, decoder_widths=[8] * 5, expansion=2)
    save_checkpoint(folder / "matting.pt", matting, name="matting", trained_on="", metrics={})
    pipeline = Pipeline(PipelineOptions(weights_folder=folder, device="cpu", matting="network"))
    seen: dict[str, np.ndarray] = {}
    original = Pipeline._network_alpha

    def spy(
        self: Pipeline, image: np.ndarray, trimap: np.ndarray, plane: np.ndarray, *args: object
    ) -> np.ndarray:
        seen.update(trimap=trimap, plane=plane, raw=original(self, image, trimap, plane, *args))  # type: ignore[arg-type]
        return seen["raw"]

    monkeypatch.setattr(Pipeline, "_network_alpha", spy)
    photo = scene()
    alpha, trimap = pipeline.learned_trimap_matte(photo)
    t_net = pipeline._network("trimap", no_progress)
    probabilities = trimap_probabilities(t_net, photo, pipeline.segment(photo))
    unknown, foreground = probabilities[..., 1], probabilities[..., 2]
    np.testing.assert_allclose(seen["plane"], 0.5 * unknown + foreground, atol=1e-6)
    np.testing.assert_array_equal(seen["trimap"], trimap)
    inside = trimap == 0.5  # the tiny untrained T-Net: unknown nearly everywhere
    fused = np.clip(0.5 * (foreground + unknown * seen["raw"]) + 0.5 * seen["raw"], 0, 1)
    np.testing.assert_allclose(alpha[inside], fused[inside], atol=1e-6)


def test_the_fusion_is_the_alpha_inside_the_band_and_the_known_classes_outside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Softmax never gives exactly 0 or 1: fused everywhere, F and U would leave a haze over the photo.
    truth = most_likely_trimap(np.eye(3, dtype=np.float32)[(np.round(disc() * 2)).astype(int)])
    probabilities = np.full((*truth.shape, 3), 0.01, np.float32)
    probabilities[..., 0] += 0.97 * (truth == 0.0)
    probabilities[..., 1] += 0.97 * (truth == 0.5)
    probabilities[..., 2] += 0.97 * (truth == 1.0)
    monkeypatch.setattr(learned_trimap, "trimap_probabilities", lambda *args, **kwargs: probabilities)
    photo = scene()
    alpha, trimap = learned_trimap.matte_from_photo(
        None,  # type: ignore[arg-type]
        photo,
        None,
        lambda image, hard, soft: np.full(hard.shape, 0.5, np.float32),
        megapixels=1.0,
    )
    np.testing.assert_array_equal(trimap, truth)
    inside = truth == 0.5
    assert inside.any() and not inside.all()
    # The mean of the paper's fusion F + U·α_raw and α_raw itself.
    np.testing.assert_allclose(alpha[inside], 0.5 * (0.01 + 0.98 * 0.5) + 0.5 * 0.5, atol=1e-6)
    np.testing.assert_array_equal(alpha[~inside], truth[~inside])
