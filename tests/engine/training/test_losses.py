"""Training losses on hand-computable tensors: exact values, masking to the right region, the fallbacks."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from classic.checks import InvalidInputError
from engine.nets import MattingOutput
from engine.nets.efficientnet import EfficientNetLite0Features
from engine.training import losses
from engine.training.losses import (
    CHARBONNIER_EPSILON,
    FusionLoss,
    alpha_prediction_loss,
    boundary_band,
    compositional_loss,
    fusion_loss,
    gradient_l1,
    laplacian_l1,
    laplacian_pyramid,
    mask_loss,
    matting_loss,
    soft_iou_loss,
)
from engine.training.perceptual import VGG16_ENVIRONMENT, VGG16_FILE, VGG16Features, find_vgg16_weights

SIZE = 16


def _plane(value: float, size: int = SIZE) -> torch.Tensor:
    return torch.full((1, 1, size, size), value)


def _half_unknown() -> torch.Tensor:
    """A trimap: unknown (0.5) on the left half, foreground on the right."""
    trimap = _plane(1.0)
    trimap[..., : SIZE // 2] = 0.5
    return trimap


def test_alpha_loss_is_epsilon_for_a_perfect_prediction() -> None:
    truth = torch.rand(2, 1, SIZE, SIZE)
    value = alpha_prediction_loss(
        truth.clone(), truth, losses.unknown_region(_half_unknown().expand(2, -1, -1, -1))
    )
    assert float(value) == pytest.approx(CHARBONNIER_EPSILON, rel=1e-3)


def test_alpha_loss_counts_only_unknown_pixels() -> None:
    trimap = _half_unknown()
    truth = _plane(0.1)
    prediction = _plane(0.3)
    prediction[..., SIZE // 2 :] = 1.0  # a large error where the trimap says foreground: ignored
    value = alpha_prediction_loss(prediction, truth, losses.unknown_region(trimap))
    assert float(value) == pytest.approx(math.sqrt(0.2**2 + CHARBONNIER_EPSILON**2), rel=1e-5)


def test_compositional_loss_compares_the_composite_with_the_photo() -> None:
    unknown = losses.unknown_region(_half_unknown())
    foreground, background = torch.full((1, 3, SIZE, SIZE), 0.8), torch.full((1, 3, SIZE, SIZE), 0.2)
    image = torch.full((1, 3, SIZE, SIZE), 0.5)
    # α = 1 composites to F = 0.8, 0.3 away from the photo; α = 0.5 composites to exactly 0.5.
    assert float(compositional_loss(_plane(1.0), foreground, background, image, unknown)) == pytest.approx(
        0.3, 1e-5
    )
    assert float(compositional_loss(_plane(0.5), foreground, background, image, unknown)) < 1e-5


def _matting_batch(alpha: torch.Tensor, trimap: torch.Tensor) -> dict[str, torch.Tensor]:
    foreground, background = torch.ones(1, 3, SIZE, SIZE), torch.zeros(1, 3, SIZE, SIZE)
    image = alpha * foreground + (1 - alpha) * background
    return {
        "image": image,
        "trimap": trimap,
        "alpha": alpha,
        "foreground": foreground,
        "background": background,
    }


def test_matting_loss_sums_raw_and_refined_stages() -> None:
    truth = _plane(0.4)
    batch = _matting_batch(truth, _half_unknown())
    perfect = matting_loss(MattingOutput(truth.clone(), truth.clone()), batch)
    assert float(perfect.total) == pytest.approx(2 * CHARBONNIER_EPSILON, rel=1e-3)
    # Raw alpha off by 0.2: its alpha term is 0.2 and, with F = 1 and B = 0, so is its composite's error.
    worse = matting_loss(MattingOutput(truth + 0.2, truth.clone()), batch)
    assert float(worse.total) == pytest.approx(0.2, rel=1e-4)
    assert float(worse.parts["raw_alpha"]) == pytest.approx(0.2, rel=1e-4)
    assert float(worse.parts["refined_alpha"]) < 1e-5


def test_matting_loss_without_unknown_pixels_is_zero_not_nan() -> None:
    truth = _plane(1.0)
    value = matting_loss(MattingOutput(_plane(0.0), _plane(0.0)), _matting_batch(truth, _plane(1.0)))
    assert float(value.total) == 0.0


def test_soft_iou_loss_values() -> None:
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :] = 1.0  # 8 subject pixels
    assert float(soft_iou_loss(mask.clone(), mask)) == pytest.approx(0.0, abs=1e-7)
    half = torch.full_like(mask, 0.5)
    # intersection 0.5·8 = 4, union Σ(p + m − pm) = 16·0.5 + 8 − 4 = 12; smoothing 1.
    assert float(soft_iou_loss(half, mask)) == pytest.approx(1 - 5 / 13, rel=1e-6)


def test_mask_loss_is_bce_plus_iou() -> None:
    mask = (torch.rand(2, 1, 8, 8) > 0.5).float()
    value = mask_loss(torch.zeros_like(mask), mask)  # p = 0.5 everywhere: BCE = ln 2
    assert float(value.parts["bce"]) == pytest.approx(math.log(2.0), rel=1e-6)
    assert float(value.total) == pytest.approx(
        float(value.parts["bce"]) + float(value.parts["iou"]), rel=1e-6
    )
    confident = mask_loss((mask * 2 - 1) * 20.0, mask)
    assert float(confident.total) < 0.01 < float(value.total)


def test_laplacian_pyramid_collapses_back_to_the_image() -> None:
    image = torch.rand(1, 3, 64, 48)
    levels = laplacian_pyramid(image, 5)
    assert len(levels) == 5 and levels[-1].shape[-2:] == (4, 3)
    collapsed = levels[-1]
    for band in reversed(levels[:-1]):
        collapsed = band + torch.nn.functional.interpolate(collapsed, size=band.shape[-2:], mode="bilinear")
    torch.testing.assert_close(collapsed, image)


def test_laplacian_l1_of_a_brightness_offset_is_in_the_low_pass_only() -> None:
    image = torch.rand(1, 3, 64, 64)
    weight = torch.ones(1, 1, 64, 64)
    assert float(laplacian_l1(image, image, weight)) == 0.0
    # A constant offset c has no band-pass content: only the low-pass level (1 of 5) differs, by c.
    assert float(laplacian_l1(image + 0.1, image, weight)) == pytest.approx(0.1 / 5, rel=1e-4)


def test_gradient_l1_sees_slopes_not_offsets() -> None:
    image = torch.rand(1, 3, 32, 32)
    interior = torch.zeros(1, 1, 32, 32)
    interior[..., 1:-1, 1:-1] = 1.0
    assert float(gradient_l1(image + 0.2, image, interior)) == pytest.approx(0.0, abs=1e-6)
    ramp = torch.arange(32.0).view(1, 1, 1, 32).expand(1, 3, 32, 32) * 0.01
    # The normalised Sobel x-derivative of a ramp of slope 0.01 is 0.01; the y-derivative is 0.
    assert float(gradient_l1(image + ramp, image, interior)) == pytest.approx(0.01, rel=1e-4)


def test_boundary_band_is_the_edge_dilated_by_the_radius() -> None:
    alpha = torch.zeros(1, 1, 8, 64)
    alpha[..., 32:] = 1.0
    band = boundary_band(alpha, radius=7)
    # The edge is columns 31 and 32; dilated by 7 it spans columns 24 to 39.
    columns = band[0, 0, 0].nonzero().flatten().tolist()
    assert columns == list(range(24, 40))
    assert float(boundary_band(torch.ones(1, 1, 8, 8)).sum()) == 0.0


def test_fusion_substitute_weights_the_boundary_band_more() -> None:
    loss = FusionLoss()  # neither VGG-16 nor EfficientNet-Lite0 weights
    assert loss.perceptual is None and "laplacian" in loss.description and "no VGG-16" in loss.description
    alpha = torch.zeros(1, 1, 64, 64)
    alpha[..., 32:] = 1.0
    target = torch.rand(1, 3, 64, 64)
    assert float(loss(target.clone(), target, alpha).total) == pytest.approx(0.0, abs=1e-7)
    near, far = target.clone(), target.clone()
    near[..., 28:36, 30:34] += 0.3  # the same error in the band …
    far[..., 28:36, 0:4] += 0.3  # … and far from it
    assert float(loss(near, target, alpha).total) > 2 * float(loss(far, target, alpha).total)


def _fake_vgg16_file(path: Path) -> Path:
    """A file laid out like torchvision's VGG-16 weights (features.* up to relu3_3, plus a classifier)."""
    torch.manual_seed(0)
    state = {f"features.{key}": value for key, value in VGG16Features().features.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)
    torch.save(state, path)
    return path


def test_fusion_uses_the_perceptual_loss_when_vgg16_weights_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _fake_vgg16_file(tmp_path / "vgg.pth")
    monkeypatch.setenv(VGG16_ENVIRONMENT, str(path))
    loss = fusion_loss()
    assert loss.perceptual is not None and "perceptual" in loss.description
    target = torch.rand(1, 3, 32, 32)
    assert float(loss(target.clone(), target, torch.zeros(1, 1, 32, 32)).total) == pytest.approx(
        0.0, abs=1e-6
    )
    value = loss(target + 0.1, target, torch.zeros(1, 1, 32, 32))
    assert float(value.parts["l1"]) == pytest.approx(0.1, rel=1e-4) and float(value.parts["perceptual"]) > 0
    assert float(value.total) == pytest.approx(0.1 + 0.8 * float(value.parts["perceptual"]), rel=1e-5)


def test_vgg16_weights_are_found_in_torch_cache_and_refused_when_named_but_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(VGG16_ENVIRONMENT, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert find_vgg16_weights() is None
    cached = tmp_path / "hub" / "checkpoints" / VGG16_FILE
    cached.parent.mkdir(parents=True)
    _fake_vgg16_file(cached)
    assert find_vgg16_weights() == cached
    monkeypatch.setenv(VGG16_ENVIRONMENT, str(tmp_path / "missing.pth"))
    with pytest.raises(InvalidInputError, match=VGG16_ENVIRONMENT):
        find_vgg16_weights()
    bad = tmp_path / "bad.pth"
    torch.save({"features.0.weight": torch.zeros(1)}, bad)
    with pytest.raises(InvalidInputError, match="does not hold VGG-16"):
        FusionLoss(bad)


def test_fusion_falls_back_to_efficientnet_features_for_its_perceptual_term(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(VGG16_ENVIRONMENT, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    torch.manual_seed(0)
    path = tmp_path / "lite0.pth"
    torch.save(EfficientNetLite0Features().state_dict(), path)
    monkeypatch.setattr(losses, "find_pretrained", lambda name: path if "lite0" in name else None)
    loss = fusion_loss()
    assert loss.perceptual is not None and "EfficientNet-Lite0 blocks 0/2/4/7/10/14/15" in loss.description
    alpha = torch.zeros(1, 1, 64, 64)
    alpha[..., 32:] = 1.0
    target = torch.rand(1, 3, 64, 64)
    assert float(loss(target.clone(), target, alpha).total) == pytest.approx(0.0, abs=1e-6)
    near = target.clone()
    near[..., 28:36, 30:34] += 0.3
    value = loss(near, target, alpha)
    assert float(value.parts["perceptual"]) > 0 and float(value.parts["l1"]) > 0
    assert float(value.total) == pytest.approx(
        float(value.parts["l1"]) + 0.8 * float(value.parts["perceptual"]), rel=1e-5
    )
    assert all(not p.requires_grad for p in loss.perceptual.parameters())
    # The perceptual term's weight is an option (stated in the description, so in the checkpoint).
    light = fusion_loss(weight=0.1)
    lighter = light(near, target, alpha)
    assert "l1 + 0.1 × perceptual" in light.description
    assert float(lighter.total) == pytest.approx(
        float(lighter.parts["l1"]) + 0.1 * float(lighter.parts["perceptual"]), rel=1e-5
    )
    with pytest.raises(InvalidInputError, match="perceptual weight"):
        FusionLoss(weight=-1.0)
    with pytest.raises(InvalidInputError, match="not a readable EfficientNet-Lite0"):
        FusionLoss(efficientnet=tmp_path / "missing.pth")
