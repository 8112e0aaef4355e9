"""The Pipeline: classic stages equal classic/, network stages with checkpoints of untrained real networks
in a temporary weights folder (shapes, ranges, each loaded once), the refusal without weights, fusion at
full resolution, and the command line running the networks end to end.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from app.cli.cli import EXIT_BAD_INPUT, main
from classic.compositing import composite
from classic.grabcut import Rect
from classic.matting import estimate_alpha
from classic.pipeline import CutoutOptions, cut_out
from classic.progress import Cancelled
from classic.resize import downscale, guided_upsample, resize_to
from engine import device as device_module
from engine import networks as networks_module
from engine.checkpoint import save_checkpoint
from engine.inference import Predictor, Tiling, as_is
from engine.pipeline import Pipeline, PipelineOptions, cutout_from_alpha
from engine.registry import create_model
from engine.weights import WEIGHTS_ENVIRONMENT, NetworkUnavailableError

SMALL = {
    "widths": [8, 8, 16, 16, 16],
    "depths": [1, 1, 1, 1, 1],
    "decoder_widths": [16, 16, 8, 8, 8],
    "expansion": 2,
}
NETWORKS = ("segmentation", "refinement", "matting", "fusion")
ALL_NETWORKS = PipelineOptions(
    segmentation="network", refinement="network", matting="network", compositing="fusion", device="cpu"
)


def disc_photo(height: int = 60, width: int = 80) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    inside = (rows - height / 2) ** 2 + (cols - width / 2) ** 2 <= (0.3 * min(height, width)) ** 2
    image = np.empty((height, width, 3), np.float32)
    image[:] = (0.7, 0.8, 0.72)
    image[..., 0] += 0.1 * np.sin(cols / 5.0).astype(np.float32)
    image[inside] = (0.85, 0.15, 0.1)
    return np.clip(image, 0.0, 1.0)


def sky(height: int = 90, width: int = 120) -> np.ndarray:
    image = np.empty((height, width, 3), np.float32)
    image[:] = (0.2, 0.4, 0.9)
    image[..., 1] = np.linspace(0.2, 0.8, width, dtype=np.float32)[None, :]
    return image


@pytest.fixture(autouse=True)
def float32_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same results on every CPU, and no bfloat16 kernel compilation slowing tiny test runs."""
    monkeypatch.setattr(device_module, "cpu_has_native_bfloat16", lambda: False)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A weights folder holding checkpoints of small, untrained real networks."""
    folder = tmp_path_factory.mktemp("weights")
    for kind in NETWORKS:
        torch.manual_seed(0)
        config = {"band": 4, **SMALL} if kind == "fusion" else dict(SMALL)
        model = create_model(kind, **config)
        save_checkpoint(folder / f"{kind}.pt", model, name=kind, trained_on="nothing: untrained", metrics={})
    return folder


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts ``load_checkpoint`` calls by file name."""
    counts: Counter[str] = Counter()
    real = networks_module.load_checkpoint

    def counting(path, **kwargs):
        counts[Path(path).name] += 1
        return real(path, **kwargs)

    monkeypatch.setattr(networks_module, "load_checkpoint", counting)
    return counts


# --- classic stages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "rect"),
    [(CutoutOptions(), None), (CutoutOptions(matting="knn", decontaminate=False), Rect(15, 8, 50, 44))],
    ids=["auto-closed-form", "grabcut-knn"],
)
def test_classic_cut_out_equals_classic_pipeline(options: CutoutOptions, rect: Rect | None) -> None:
    photo = disc_photo()
    pipeline = Pipeline(
        PipelineOptions(
            segmentation="grabcut" if rect else "saliency",
            matting=options.matting,
            decontaminate=options.decontaminate,
        )
    )
    expected = cut_out(photo, options=options, rect=rect)
    got = pipeline.cut_out(photo, rect=rect)
    for layer in ("mask", "trimap", "alpha", "foreground"):
        np.testing.assert_array_equal(getattr(got, layer), getattr(expected, layer), err_msg=layer)


@pytest.mark.parametrize("method", ["alpha", "laplacian"])
def test_classic_composite_equals_classic_compositing(method: str) -> None:
    photo, background = disc_photo(), sky()
    cutout = cut_out(photo)
    got = Pipeline(PipelineOptions(compositing=method)).composite(photo, background, cutout)
    expected = composite(cutout.foreground, cutout.alpha, background, method=method)
    np.testing.assert_array_equal(got, expected)


def test_auto_is_the_network_when_installed_and_saliency_without(weights: Path, tmp_path: Path) -> None:
    with_network = Pipeline(PipelineOptions(weights_folder=weights))
    assert with_network.segmentation_method() == "network-grabcut"
    assert with_network.describe_cutout() == "GrabCut seeded by the segmentation network, the matting network"
    assert with_network.matting_method() == "network"
    chosen = Pipeline(PipelineOptions(weights_folder=weights, matting="knn"))
    assert chosen.matting_method() == "knn" and chosen.describe_cutout().endswith(", knn matting")
    # A network looks inside a rectangle; the classic selection becomes GrabCut.
    assert with_network.segmentation_method(rect=Rect(0, 0, 10, 10)) == "network-grabcut"
    without = Pipeline(PipelineOptions(weights_folder=tmp_path))
    assert without.segmentation_method() == "saliency"
    assert without.segmentation_method(rect=Rect(0, 0, 10, 10)) == "grabcut"
    assert without.matting_method() == "closed-form"
    cutout = without.cut_out(disc_photo())
    assert cutout.method == "the saliency-seeded GrabCut, closed-form matting"
    expected = cut_out(disc_photo())
    np.testing.assert_array_equal(cutout.alpha, expected.alpha)


def test_the_default_cut_out_runs_the_installed_network_and_says_so(
    weights: Path, loads: Counter[str]
) -> None:
    cutout = Pipeline(PipelineOptions(weights_folder=weights, device="cpu")).cut_out(disc_photo())
    assert loads == {"segmentation.pt": 1, "matting.pt": 1}
    assert cutout.method == "GrabCut seeded by the segmentation network, the matting network"
    assert cutout.mask.shape == (60, 80) and set(np.unique(cutout.mask)) <= {0.0, 1.0}
    chosen = Pipeline(PipelineOptions(weights_folder=weights, device="cpu", matting="network"))
    np.testing.assert_array_equal(cutout.alpha, chosen.cut_out(disc_photo()).alpha)
    given = Pipeline(PipelineOptions(weights_folder=weights)).cut_out(disc_photo(), mask=cutout.mask)
    assert given.method == "the given mask, the matting network"
    classic = Pipeline(PipelineOptions(weights_folder=weights, matting="closed-form"))
    assert classic.cut_out(disc_photo(), mask=cutout.mask).method == "the given mask, closed-form matting"


def test_network_grabcut_seeds_grabcut_with_the_networks_probability(
    weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = disc_photo()
    rows, cols = np.mgrid[0:60, 0:80]
    # A coarse network: a disc 3 px too large with a soft edge, sure well inside and outside.
    coarse = (((rows - 30) ** 2 + (cols - 40) ** 2) <= 21**2).astype(np.float32)
    probability = np.clip(cv2.GaussianBlur(coarse, (0, 0), 2.0), 0.0, 1.0)
    monkeypatch.setattr(Pipeline, "_network_probability", lambda self, image, *args: probability)
    network = Pipeline(PipelineOptions(segmentation="network", weights_folder=weights)).segment(photo)
    seeded = Pipeline(PipelineOptions(segmentation="network-grabcut", weights_folder=weights)).segment(photo)
    truth = (((rows - 30) ** 2 + (cols - 40) ** 2) <= 18**2).astype(np.float32)
    # GrabCut moves the edge onto the photo's: fewer wrong pixels than the thresholded probability.
    assert np.abs(seeded - truth).sum() < 0.2 * np.abs(network - truth).sum()


# --- refusal without weights ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "kind", "alternative"),
    [
        ("segmentation", "segmentation", "the saliency method"),
        ("matting", "matting", "closed-form matting"),
        ("refinement", "refinement", "no refinement"),
    ],
)
def test_network_stages_without_weights_say_none_is_installed(
    tmp_path: Path, stage: str, kind: str, alternative: str
) -> None:
    pipeline = Pipeline(PipelineOptions(**{stage: "network"}, weights_folder=tmp_path))
    message = f"no trained {kind} network is installed yet (expected {tmp_path / (kind + '.pt')}); "
    with pytest.raises(NetworkUnavailableError) as raised:
        pipeline.cut_out(disc_photo())
    assert str(raised.value) == message + f"use {alternative} instead"
    # The classic defaults keep working with the same (empty) weights folder.
    assert Pipeline(PipelineOptions(weights_folder=tmp_path)).cut_out(disc_photo()).alpha.shape == (60, 80)


def test_fusion_without_weights_fails_before_any_work(tmp_path: Path) -> None:
    pipeline = Pipeline(PipelineOptions(compositing="fusion", weights_folder=tmp_path))
    with pytest.raises(NetworkUnavailableError, match=r"no trained fusion network is installed"):
        pipeline.check_networks()
    cutout = cutout_from_alpha(disc_photo(), np.ones((60, 80), np.float32))
    with pytest.raises(NetworkUnavailableError, match=r"the alpha or laplacian method"):
        pipeline.composite(disc_photo(), sky(), cutout)


# --- network stages ---------------------------------------------------------------------------------------


def test_the_network_pipeline_gives_well_formed_layers_and_loads_each_network_once(
    weights: Path, loads: Counter[str]
) -> None:
    photo, background = disc_photo(), sky()
    pipeline = Pipeline(PipelineOptions(**{**vars(ALL_NETWORKS), "weights_folder": weights}))
    progress: list[float] = []
    cutout = pipeline.cut_out(photo, progress=lambda fraction, message: progress.append(fraction))
    assert progress == sorted(progress) and progress[-1] == 1.0
    for layer, shape in (
        ("mask", (60, 80)),
        ("trimap", (60, 80)),
        ("alpha", (60, 80)),
        ("foreground", (60, 80, 3)),
    ):
        array = getattr(cutout, layer)
        assert array.shape == shape and array.dtype == np.float32, layer
        assert array.min() >= 0.0 and array.max() <= 1.0, layer
    assert set(np.unique(cutout.trimap)) <= {0.0, 0.5, 1.0}
    known = cutout.trimap != 0.5
    np.testing.assert_array_equal(cutout.alpha[known], cutout.trimap[known])

    image = pipeline.composite(photo, background, cutout)
    assert image.shape == background.shape and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0

    # Run again, and through a pipeline with other options made from this one: nothing reloads.
    pipeline.cut_out(photo)
    pipeline.with_options(refinement="none").composite(photo, background, cutout)
    assert loads == {"segmentation.pt": 1, "refinement.pt": 1, "matting.pt": 1, "fusion.pt": 1}


def test_network_segmentation_stays_inside_the_rectangle(weights: Path) -> None:
    pipeline = Pipeline(PipelineOptions(segmentation="network", weights_folder=weights, device="cpu"))
    mask = pipeline.segment(disc_photo(), rect=Rect(20, 10, 40, 30))
    assert mask.shape == (60, 80) and set(np.unique(mask)) <= {0.0, 1.0}
    outside = np.ones_like(mask, dtype=bool)
    outside[10:40, 20:60] = False
    assert not mask[outside].any()


def test_refinement_runs_at_320_then_640(weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[tuple[int, ...]] = []
    real_run = Predictor.run

    def recording(self, inputs, **kwargs):
        sizes.append(tuple(inputs[0].shape))
        return real_run(self, inputs, **kwargs)

    monkeypatch.setattr(Predictor, "run", recording)
    pipeline = Pipeline(PipelineOptions(refinement="network", weights_folder=weights, device="cpu"))
    photo = disc_photo()
    refined = pipeline.refine(photo, cut_out(photo).mask)
    assert sizes == [(1, 4, 320, 320), (1, 4, 640, 640)]
    assert refined.shape == (60, 80) and refined.min() >= 0.0 and refined.max() <= 1.0


def test_the_network_pipeline_can_be_cancelled(weights: Path) -> None:
    pipeline = Pipeline(PipelineOptions(segmentation="network", weights_folder=weights, device="cpu"))
    with pytest.raises(Cancelled):
        pipeline.cut_out(disc_photo(), is_cancelled=lambda: True)


class AlphaBlendPlus(nn.Module):
    """A stand-in fusion network: the alpha blend of its 7-channel input, plus ``offset``."""

    def __init__(self, offset: float) -> None:
        super().__init__()
        self.offset = offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = x[:, 3:4]
        return (alpha * x[:, :3] + (1 - alpha) * x[:, 4:] + self.offset).clamp(0, 1)


@pytest.mark.parametrize("offset", [0.0, 0.1])
def test_fusion_reaches_full_resolution_through_its_correction_of_the_alpha_blend(
    offset: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo, background = disc_photo(240, 320), sky(600, 800)  # larger than the 768 px working size
    stand_in = Predictor(AlphaBlendPlus(offset), output=as_is, name="fusion network")
    monkeypatch.setattr(Pipeline, "_network", lambda self, kind, progress: stand_in)
    cutout = cut_out(photo)
    fused = Pipeline(PipelineOptions(compositing="fusion")).composite(photo, background, cutout)
    blended = composite(cutout.foreground, cutout.alpha, background, method="alpha")
    # Where the network agrees with the alpha blend, the full-size result is the alpha blend itself.
    np.testing.assert_allclose(fused, np.clip(blended + offset, 0, 1), atol=0.02)
    assert np.mean(np.abs(fused - np.clip(blended + offset, 0, 1))) < 2e-3


def test_an_untrained_fusion_network_composites_like_the_alpha_method(weights: Path) -> None:
    # Its head starts silent and it blends the cut-out's decontaminated colours: training starts from
    # the alpha method and learns corrections to it.
    photo, background = disc_photo(), sky(60, 80)
    cutout = cut_out(photo)
    assert not np.allclose(cutout.foreground, photo, atol=1e-3)
    pipeline = Pipeline(PipelineOptions(compositing="fusion", weights_folder=weights, device="cpu"))
    fused = pipeline.composite(photo, background, cutout)
    blended = composite(cutout.foreground, cutout.alpha, background, method="alpha")
    np.testing.assert_allclose(fused, blended, atol=2e-3)


def test_a_fusion_network_that_sees_the_photo_gets_it_placed_beside_the_blend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shipped fusion network's shape takes the photo too (10 planes); untrained it is the alpha
    # method, and the photo it gets is the foreground photo placed as the subject is.
    config = {"encoder": "efficientnet-lite0", "decoder_widths": [8, 8, 8, 8, 8], "photo_input": True}
    model = create_model("fusion", **config)
    save_checkpoint(tmp_path / "fusion.pt", model, name="fusion", trained_on="nothing", metrics={})
    seen: list[torch.Tensor] = []
    monkeypatch.setattr(type(model), "forward", lambda self, x: seen.append(x) or self.layers(x).composite)
    photo, background = disc_photo(), sky(60, 80)
    cutout = cut_out(photo)
    pipeline = Pipeline(PipelineOptions(compositing="fusion", weights_folder=tmp_path, device="cpu"))
    fused = pipeline.composite(photo, background, cutout)
    blended = composite(cutout.foreground, cutout.alpha, background, method="alpha")
    np.testing.assert_allclose(fused, blended, atol=2e-3)
    (planes,) = seen
    assert planes.shape[1] == 10
    np.testing.assert_allclose(planes[0, 7:].permute(1, 2, 0).numpy()[:60, :80], photo, atol=1e-6)


def untrained_hint_corrector(folder: Path, megapixels: float = 0.5, tiling: Tiling | None = None) -> Pipeline:
    """A pipeline matting with an untrained network of the shipped matting network's shape, which
    corrects closed-form matting's alpha and, untrained, corrects nothing."""
    config = {"encoder": "efficientnet-lite0", "decoder_widths": [8, 8, 8, 8, 8], "closed_form_input": True}
    model = create_model("matting", **config)
    save_checkpoint(folder / "matting.pt", model, name="matting", trained_on="nothing", metrics={})
    options = PipelineOptions(
        matting="network",
        matting_megapixels=megapixels,
        weights_folder=folder,
        device="cpu",
        tiling=tiling or Tiling(),
    )
    return Pipeline(options)


def test_an_untrained_hint_correcting_matting_network_mattes_as_closed_form(tmp_path: Path) -> None:
    photo = disc_photo()
    trimap = cut_out(photo).trimap
    expected = estimate_alpha(photo, trimap)
    unknown = trimap == 0.5
    assert unknown.any()
    alpha = untrained_hint_corrector(tmp_path).matte(photo, trimap)
    np.testing.assert_allclose(alpha[unknown], expected[unknown], atol=1e-5)
    np.testing.assert_array_equal(alpha[~unknown], trimap[~unknown])


def test_network_matting_above_the_working_resolution_is_guided_upsampled(tmp_path: Path) -> None:
    # Above the working resolution (0.002 MP < 60 x 80 px) the network and the closed-form hint it
    # corrects run on the photo scaled down, and the alpha returns by guided upsampling.
    photo = disc_photo()
    trimap = cut_out(photo).trimap
    small = downscale(photo, 0.002)
    size = (small.shape[1], small.shape[0])
    small_alpha = estimate_alpha(small, resize_to(trimap, size, nearest=True))
    expected = np.clip(guided_upsample(small_alpha, small, photo, radius=2, epsilon=1e-5), 0.0, 1.0)
    alpha = untrained_hint_corrector(tmp_path, megapixels=0.002).matte(photo, trimap)
    unknown = trimap == 0.5
    np.testing.assert_allclose(alpha[unknown], expected[unknown], atol=1e-5)
    np.testing.assert_array_equal(alpha[~unknown], trimap[~unknown])


@pytest.mark.parametrize(("tile", "passes"), [(40, 1), (16, 6)])
def test_network_matting_runs_in_one_pass_up_to_four_tiles_of_pixels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tile: int, passes: int
) -> None:
    # 60 x 80 px: within four 40-px tiles' pixels one pass; beyond four 16-px tiles', tiles (of 32 px, the
    # network's multiple: 2 x 3 over the padded 64 x 96).
    photo = disc_photo()
    trimap = cut_out(photo).trimap
    pipeline = untrained_hint_corrector(tmp_path, tiling=Tiling(tile=tile, overlap=0, min_tile=8))
    shapes: list[tuple[int, ...]] = []
    forward = Predictor._forward
    monkeypatch.setattr(Predictor, "_forward", lambda self, x: shapes.append(x[0].shape) or forward(self, x))
    pipeline.matte(photo, trimap)
    assert len(shapes) == passes
    if passes == 1:
        assert shapes[0][-2:] == (64, 96)  # the whole photo, padded to the network's multiple of 32


# --- the command line -------------------------------------------------------------------------------------


def test_the_command_line_runs_the_networks_end_to_end(
    weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(weights))
    monkeypatch.setenv("COMPOSITOR_DEVICE", "cpu")
    photo, background = tmp_path / "photo.png", tmp_path / "sky.png"
    cv2.imwrite(str(photo), (disc_photo()[..., ::-1] * 255).astype(np.uint8))
    cv2.imwrite(str(background), (sky()[..., ::-1] * 255).astype(np.uint8))
    mask, alpha, result = tmp_path / "mask.png", tmp_path / "alpha.png", tmp_path / "composite.png"
    trimap = tmp_path / "trimap.png"
    cv2.imwrite(str(trimap), np.full((60, 80), 128, np.uint8))

    assert main(["segment", str(photo), "-o", str(mask), "--method", "network"]) == 0
    assert main(["matte", str(photo), "--trimap", str(trimap), "-o", str(alpha), "--method", "network"]) == 0
    assert main(["composite", str(photo), str(background), "-o", str(result), "--method", "fusion"]) == 0
    assert cv2.imread(str(mask), cv2.IMREAD_UNCHANGED).shape == (60, 80)
    assert cv2.imread(str(alpha), cv2.IMREAD_UNCHANGED).shape == (60, 80)
    assert cv2.imread(str(result), cv2.IMREAD_UNCHANGED).shape == (90, 120, 3)

    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "empty"))
    assert (
        main(["segment", str(photo), "-o", str(tmp_path / "m.png"), "--method", "network"]) == EXIT_BAD_INPUT
    )
    assert "no trained segmentation network is installed" in capsys.readouterr().err


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_network_pipeline_runs_on_cuda(weights: Path) -> None:
    options = PipelineOptions(**{**vars(ALL_NETWORKS), "weights_folder": weights, "device": "cuda"})
    pipeline = Pipeline(options)
    cutout = pipeline.cut_out(disc_photo())
    image = pipeline.composite(disc_photo(), sky(), cutout)
    assert pipeline.device().device.type == "cuda"
    assert image.shape == (90, 120, 3) and image.min() >= 0.0 and image.max() <= 1.0


class TowardsThePhoto(torch.nn.Module):
    """A stand-in fusion network of the shipped shape (10 planes): the alpha blend moved by ``share``
    of the way to the photo, plus ``across`` on the green channel."""

    in_channels = 10

    def __init__(self, share: float, across: float = 0.0) -> None:
        super().__init__()
        self.share, self.across = share, across

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = x[:, 3:4]
        blend = alpha * x[:, :3] + (1 - alpha) * x[:, 4:7]
        shift = torch.tensor([0.0, self.across, 0.0]).view(1, 3, 1, 1)
        return blend + self.share * (x[:, 7:] - blend) + shift


def test_fusion_never_moves_the_blend_towards_the_photo(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = np.zeros((48, 64, 3), np.float32)
    photo[..., 0] = 0.9  # a red photo over a blue background: the photo - blend difference is red - blue
    background = np.zeros((48, 64, 3), np.float32)
    background[..., 2] = 0.8
    alpha = np.zeros((48, 64), np.float32)
    alpha[:, 32:] = 0.5
    cutout = cutout_from_alpha(np.full_like(photo, 0.4), alpha)
    blended = composite(cutout.foreground, alpha, background, method="alpha")
    options = PipelineOptions(compositing="fusion")
    for share, expected_share in ((0.5, 0.0), (-0.5, -0.5)):  # towards the photo: dropped; away: kept
        stand_in = Predictor(TowardsThePhoto(share), output=as_is, name="fusion network")
        monkeypatch.setattr(Pipeline, "_network", lambda self, kind, progress, net=stand_in: net)
        fused = Pipeline(options).composite(photo, background, cutout)
        expected = np.clip(blended + expected_share * (photo - blended), 0, 1)
        np.testing.assert_allclose(fused, expected, atol=1e-5)
    # A correction across the photo's direction (green, where photo - blend has none) is kept whole.
    stand_in = Predictor(TowardsThePhoto(0.0, across=0.1), output=as_is, name="fusion network")
    monkeypatch.setattr(Pipeline, "_network", lambda self, kind, progress: stand_in)
    fused = Pipeline(options).composite(photo, background, cutout)
    np.testing.assert_allclose(fused[..., 1], blended[..., 1] + 0.1, atol=1e-5)
