"""What training each network means: its shipping config, its input, its loss and its validation metrics.

The shipped networks are trained on a CPU and must fit in 50 MB together. Segmentation and refinement
use the ImageNet-pretrained EfficientNet-Lite0 encoder (``PRETRAINED_CONFIG``, 3.1 M parameters each,
stored in fp16) with a decoder that stops at stride 2: a whole-subject mask needs no full-resolution
level, and leaving it out halves a training step. Matting (``MATTING_CONFIG``) has the same encoder and a
decoder down to full resolution, and takes closed-form matting's alpha as a fifth plane to correct (the
dataset solves it per item; ``engine.nets.matting``). Fusion has the compact MobileNetV2-style config
(``SHIPPING_CONFIG``): the cost of a training step is in the full- and half-resolution layers, which stay
narrow (16–24 channels), while the stride-8 to stride-32 stages, cheap to run, get most of the
parameters (the two-stream fusion network ~1.2 M).

Validation uses the project's metrics (``classic.metrics``) on each held-out item: IoU (and error rate)
for segmentation and refinement, SAD and MSE over the unknown pixels for matting (and the hint's own
SAD), PSNR and MSE over the whole crop and over the boundary band for fusion. Each task names its ``primary``
metric, the one that picks the best checkpoint, and also reports the input's own score (the coarse mask,
plain alpha blending) as a baseline to beat.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from classic import metrics
from classic.checks import InvalidInputError
from classic.matting import estimate_alpha
from engine.checkpoint import load_checkpoint
from engine.nets import PHOTO_INPUT_PLANES, MattingOutput
from engine.nets.trimap import fuse_alpha, soft_trimap
from engine.training.losses import (
    PERCEPTUAL_WEIGHT,
    FusionLoss,
    LossValue,
    fusion_loss,
    mask_loss,
    matting_loss,
    plate_matting_loss,
    trimap_end_to_end_loss,
    trimap_loss,
)

KINDS = ("segmentation", "refinement", "matting", "fusion", "plate-matting", "trimap", "trimap-end-to-end")
SHIPPING_CONFIG: dict[str, Any] = {
    "widths": [16, 24, 48, 96, 160],
    "depths": [1, 2, 3, 3, 2],
    "decoder_widths": [96, 48, 24, 16, 16],
    "expansion": 4,
}
PRETRAINED_CONFIG: dict[str, Any] = {"encoder": "efficientnet-lite0", "decoder_widths": [128, 64, 32, 16]}
# Matting corrects closed-form matting's alpha (a hint channel, a matting solve per item) with the
# pretrained encoder and a decoder down to full resolution, where alpha's detail is.
MATTING_CONFIG: dict[str, Any] = {
    "encoder": "efficientnet-lite0",
    "decoder_widths": [128, 64, 32, 16, 16],
    "refine_width": 16,
    "closed_form_input": True,
}
# Fusion: EfficientNet-Lite0 in both streams, and the photo itself beside its decontaminated colours.
FUSION_CONFIG: dict[str, Any] = {
    "encoder": "efficientnet-lite0",
    "decoder_widths": [128, 64, 32, 16, 16],
    "band": 8,
    "photo_input": True,
}
_EXTRA_CONFIG: dict[str, dict[str, Any]] = {"fusion": {"band": 8}}
# Networks with a fixed pretrained encoder whose constructor defaults are the shipped config.
_OWN_CONFIG: dict[str, dict[str, Any]] = {
    "plate-matting": {},
    "trimap": {"in_channels": 4},
    "trimap-end-to-end": {"in_channels": 4},
}
# Kinds that train another kind's network: the learned trimap's end-to-end stage trains the T-Net.
_NETWORK_OF = {"trimap-end-to-end": "trimap"}
PSNR_CAP = 100.0  # dB; an exact match (inf) counts as this in averages


def model_config(kind: str, override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The constructor arguments of the network trained and shipped for ``kind``, with ``override``'s.

    An override that sizes a MobileNet encoder (``widths``) starts from the MobileNet config, not the
    pretrained one: its keys would not fit EfficientNet-Lite0's fixed shape.
    """
    override = override or {}
    if check_kind(kind) in _OWN_CONFIG:
        return {**_OWN_CONFIG[kind], **override}
    if kind in ("segmentation", "refinement") and "widths" not in override:
        return {**PRETRAINED_CONFIG, **override}
    if kind == "matting" and "widths" not in override:
        return {**MATTING_CONFIG, **override}
    if kind == "fusion" and "widths" not in override:
        return {**FUSION_CONFIG, **override}
    return {**SHIPPING_CONFIG, **_EXTRA_CONFIG.get(kind, {}), **override}


def accepted_names(kind: str) -> tuple[str, ...]:
    """The registry names a checkpoint for ``kind`` may hold (fusion has a single-stream variant)."""
    if check_kind(kind) == "fusion":
        return ("fusion", "fusion-single-stream")
    return (_NETWORK_OF.get(kind, kind),)


def check_kind(kind: str) -> str:
    """``kind`` if it is one of ``KINDS``, else ``InvalidInputError`` listing them."""
    if kind not in KINDS:
        raise InvalidInputError(f"unknown network kind {kind!r}; choose one of {', '.join(KINDS)}")
    return kind


def _image(tensor: torch.Tensor) -> np.ndarray:
    """A ``(C, H, W)`` tensor as float32 ``(H, W, C)`` (or ``(H, W)`` for one channel) clipped to [0, 1]."""
    array = tensor.detach().float().clamp(0.0, 1.0).cpu().numpy()
    return np.ascontiguousarray(array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0))


def _trimap(tensor: torch.Tensor) -> np.ndarray:
    """A trimap tensor ``(1, H, W)`` snapped to exactly 0 / 0.5 / 1, as ``(H, W)`` float32."""
    return (np.round(_image(tensor) * 2.0) / 2.0).astype(np.float32)


def _scored_truth(mask: torch.Tensor, weight: torch.Tensor) -> np.ndarray:
    """The target as ``classic.metrics`` scores it: 0 / 1, and 0.5 (ignored) where the weight is 0."""
    return np.where(_image(weight) > 0.5, _image(mask), 0.5).astype(np.float32)


def _matting_metrics(predicted: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> dict[str, float]:
    """SAD and MSE over the trimap's unknown pixels."""
    return {"sad": metrics.sad(predicted, truth, trimap), "mse": metrics.mse(predicted, truth, trimap)}


def _capped(value: float) -> float:
    return min(value, PSNR_CAP) if not math.isnan(value) else value


class Task:
    """One network kind's training: ``network_input``, ``loss`` and per-item ``item_metrics``.

    ``primary`` is the metric that selects the best checkpoint; ``higher_is_better`` its direction.
    ``loss_description`` says which loss was used (saved in the checkpoint).
    """

    kind = ""
    model_name = ""
    primary = ""
    fallback = ""  # scored instead when no item has the primary metric
    higher_is_better = True
    loss_description = ""

    def to(self, device: torch.device) -> Task:
        """Move any loss modules to ``device``; returns self."""
        return self

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        raise NotImplementedError

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        raise NotImplementedError

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        """Metrics of every item of the batch (``output`` is the network's eval-mode output)."""
        raise NotImplementedError

    def score(self, metrics: dict[str, float]) -> float | None:
        """The primary metric of a validation result (or the fallback), None when it has neither."""
        return metrics.get(self.primary, metrics.get(self.fallback))

    def better(self, value: float, best: float | None) -> bool:
        """True when ``value`` of the primary metric beats ``best`` (None: nothing to beat yet)."""
        if best is None or math.isnan(best):
            return not math.isnan(value)
        return value > best if self.higher_is_better else value < best


class SegmentationTask(Task):
    kind = model_name = "segmentation"
    primary = "iou"
    loss_description = "bce + soft iou"

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        return batch["image"]

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        return mask_loss(output, batch["mask"], batch.get("weight"))

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        results = []
        weights = batch.get("weight", torch.ones_like(batch["mask"]))
        for logits, mask, weight in zip(output, batch["mask"], weights, strict=True):
            predicted, truth = _image(torch.sigmoid(logits)), _scored_truth(mask, weight)
            results.append(
                {"iou": metrics.iou(predicted, truth), "error_rate": metrics.error_rate(predicted, truth)}
            )
        return results


class RefinementTask(SegmentationTask):
    kind = model_name = "refinement"

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        return torch.cat([batch["image"], batch["coarse"]], dim=1)

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        results = super().item_metrics(output, batch)
        weights = batch.get("weight", torch.ones_like(batch["mask"]))
        for result, coarse, mask, weight in zip(
            results, batch["coarse"], batch["mask"], weights, strict=True
        ):
            result["coarse_iou"] = metrics.iou(_image(coarse), _scored_truth(mask, weight))
        return results


class MattingTask(Task):
    kind = model_name = "matting"
    primary = "sad"
    higher_is_better = False
    loss_description = "0.5 × alpha + 0.5 × compositional (charbonnier over unknown), raw + refined"

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        planes = [batch["image"], batch["trimap"]]
        if in_channels == 5:
            planes.append(batch["closed_form"] if "closed_form" in batch else _closed_form(batch))
        return torch.cat(planes, dim=1)

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        return matting_loss(output, batch)

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        assert isinstance(output, MattingOutput)
        results = []
        for index, (alpha, trimap_tensor, truth) in enumerate(
            zip(output.refined_alpha, batch["trimap"], batch["alpha"], strict=True)
        ):
            trimap = _trimap(trimap_tensor)
            # As the pipeline and the paper's evaluation: known pixels are pasted from the trimap.
            predicted = np.where(trimap == 0.5, _image(alpha), trimap).astype(np.float32)
            result = _matting_metrics(predicted, _image(truth), trimap)
            if "closed_form" in batch:  # the hint's own score: the baseline a correcting network must beat
                hint = _image(batch["closed_form"][index])
                result["hint_sad"] = metrics.sad(hint, _image(truth), trimap)
            results.append(result)
        return results


def _closed_form(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Closed-form matting's alpha ``(N, 1, H, W)`` for a batch whose items lack it (made here, slowly,
    when the dataset was built without ``closed_form_hint``)."""
    alphas = [
        torch.from_numpy(estimate_alpha(_image(image), _trimap(trimap)))[None]
        for image, trimap in zip(batch["image"], batch["trimap"], strict=True)
    ]
    return torch.stack(alphas).to(batch["image"].device)


class FusionTask(Task):
    """Selected by the band's mean squared error over the items, not the mean of their band PSNRs: items
    whose input mask is the true alpha blend almost perfectly (PSNR far above 40 dB), and there the mean
    PSNR punishes a correction of 10⁻⁴ more than it rewards halving the error of a hard item."""

    kind = model_name = "fusion"
    primary = "mse_band"
    fallback = "mse"
    higher_is_better = False

    def __init__(self, vgg16: Path | None = None, perceptual_weight: float = PERCEPTUAL_WEIGHT) -> None:
        self._vgg16 = vgg16
        self._perceptual_weight = perceptual_weight
        self._criterion: FusionLoss | None = None

    @property
    def criterion(self) -> FusionLoss:
        """The fusion loss, built on first use (validation alone never loads VGG-16)."""
        if self._criterion is None:
            self._criterion = fusion_loss(self._vgg16, weight=self._perceptual_weight)
        return self._criterion

    @property
    def loss_description(self) -> str:  # type: ignore[override]
        return self.criterion.description

    def to(self, device: torch.device) -> Task:
        self.criterion.to(device)
        return self

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        # A network with photo_input also sees the photo itself, after the background.
        if in_channels == PHOTO_INPUT_PLANES:
            return torch.cat([batch["input"], batch["photo"]], dim=1)
        return batch["input"]

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        value: LossValue = self.criterion(output, batch["target"], batch["alpha"])
        return value

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        results = []
        items = zip(output, batch["target"], batch["alpha"], batch["input"], strict=True)
        for composite, target, alpha, inputs in items:
            mask = inputs[3:4]
            blended = mask * inputs[:3] + (1.0 - mask) * inputs[4:7]  # plain alpha blending: the baseline
            truth = _image(target)
            image, baseline = _image(composite), _image(blended)
            result = {"psnr": _capped(metrics.psnr(image, truth)), "mse": _mse(image, truth)}
            trimap = _edge_trimap(alpha)
            if (trimap == 0.5).any():
                band = metrics.boundary_band(trimap)
                result["psnr_band"] = _capped(metrics.psnr_in_band(image, truth, trimap))
                result["psnr_band_alpha_blend"] = _capped(metrics.psnr_in_band(baseline, truth, trimap))
                result["mse_band"] = _mse(image[band], truth[band])
                result["mse_band_alpha_blend"] = _mse(baseline[band], truth[band])
            results.append(result)
        return results


class PlateMattingTask(Task):
    kind = model_name = "plate-matting"
    primary = "sad"
    higher_is_better = False
    loss_description = "L1 alpha + L1 Sobel gradient + 0.5 × compositional, whole crop, band × 5"

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        return torch.cat([batch["image"], batch["plate"], batch["segmentation"]], dim=1)

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        return plate_matting_loss(output, batch)

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        results = []
        for alpha, trimap_tensor, truth in zip(output, batch["trimap"], batch["alpha"], strict=True):
            # No known pixels are pasted: the network answers for the whole crop; the band is scored.
            results.append(_matting_metrics(_image(alpha), _image(truth), _trimap(trimap_tensor)))
        return results


class TrimapTask(Task):
    kind = model_name = "trimap"
    primary = "accuracy"
    loss_description = "cross-entropy over background / unknown / foreground"

    def network_input(self, batch: dict[str, torch.Tensor], in_channels: int) -> torch.Tensor:
        planes = [batch["image"]] + ([batch["segmentation"]] if in_channels == 4 else [])
        return torch.cat(planes, dim=1)

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        return trimap_loss(output, batch["trimap"], batch.get("weight"))

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        results = []
        weights = batch.get("weight", torch.ones_like(batch["trimap"]))
        for logits, trimap, weight in zip(output, batch["trimap"], weights, strict=True):
            predicted = logits.argmax(dim=0)
            target = torch.round(trimap[0] * 2.0).long()
            scored = weight[0] > 0.5
            correct = (predicted == target) & scored
            unknown = (target == 1) & scored
            found = (predicted == 1) & scored
            both = float((unknown & found).sum())
            results.append(
                {
                    "accuracy": float(correct.sum()) / max(1.0, float(scored.sum())),
                    "unknown_iou": both / max(1.0, float((unknown | found).sum())),
                }
            )
        return results


class TrimapEndToEndTask(TrimapTask):
    """Semantic Human Matting's end-to-end stage: the T-Net, trained apart first, is scored on the alpha
    its trimap leads to, α = F + U·α_raw, with α_raw from the matting network (the M-Net) given the
    T-Net's soft trimap (``soft_trimap``) and, for a network that corrects closed-form matting, closed-form
    matting's alpha in the most likely trimap (a solve per item, outside the gradient).

    The paper also updates the M-Net; here it stays the shipped matting network, which matting inside a
    given trimap shares (a second matting network would not fit the shipped weights' 50 MB), so the stage
    teaches the T-Net which pixels that network can matte. Selected by the fused alpha's SAD over the
    item's unknown region; the fused alpha's whole-crop SAD and the T-Net's own accuracy are reported
    beside it.
    """

    kind = "trimap-end-to-end"
    model_name = "trimap"
    primary = "sad"
    higher_is_better = False
    loss_description = (
        "0.5 × alpha + 0.5 × compositional of the fused alpha (charbonnier, whole crop) + 0.01 × "
        "cross-entropy over background / unknown / foreground"
    )

    def __init__(self, matting: Path | nn.Module | None = None) -> None:
        self._matting_path = matting if isinstance(matting, Path) else None
        self._matting = None if matting is None or isinstance(matting, Path) else _frozen(matting)
        self._device = torch.device("cpu")

    @property
    def matting_network(self) -> nn.Module:
        """The fixed M-Net: the network given, or loaded on first use from the checkpoint given or the
        installed matting network."""
        if self._matting is None:
            from engine.networks import installed_network

            path = self._matting_path or installed_network("matting", None)
            network, _ = load_checkpoint(path, map_location=self._device, expected_name="matting")
            self._matting = _frozen(network)
        return self._matting

    def to(self, device: torch.device) -> Task:
        self._device = device
        if self._matting is not None:
            self._matting.to(device)
        return self

    def fused_alpha(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """α = F + U·α_raw ``(N, 1, H, W)`` for the T-Net's ``logits``; differentiable in them."""
        probabilities = torch.softmax(logits.float(), dim=1)
        planes = [batch["image"].float(), soft_trimap(probabilities)]
        network = self.matting_network
        if getattr(network, "in_channels", 4) == 5:
            likely = probabilities.detach().argmax(dim=1, keepdim=True).float() * 0.5
            planes.append(_closed_form({"image": batch["image"], "trimap": likely}))
        output = network(torch.cat(planes, dim=1))
        return fuse_alpha(probabilities, output.refined_alpha)

    def loss(self, output: Any, batch: dict[str, torch.Tensor]) -> LossValue:
        return trimap_end_to_end_loss(output, self.fused_alpha(output, batch), batch)

    def item_metrics(self, output: Any, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
        with torch.no_grad():
            fused = self.fused_alpha(output, batch)
        results = super().item_metrics(output, batch)
        for result, alpha, truth, target in zip(results, fused, batch["alpha"], batch["trimap"], strict=True):
            predicted, expected = _image(alpha), _image(truth)
            result.update(_matting_metrics(predicted, expected, _trimap(target)))
            result["sad_whole"] = metrics.sad(predicted, expected, np.full_like(expected, 0.5))
        return results


def _frozen(network: nn.Module) -> nn.Module:
    """``network`` in eval mode (batch norms keep their statistics) with no parameter to train."""
    return network.eval().requires_grad_(False)


def _edge_trimap(alpha: torch.Tensor) -> np.ndarray:
    """A trimap ``(H, W)`` whose unknown pixels are the alpha's edge: soft pixels and both sides of a step.

    The evaluation's band is this unknown region dilated by 7 px (``classic.metrics.boundary_band``); an
    edge-based unknown region also gives hard clip-art alphas a band.
    """
    alpha = alpha.detach().float()[None]
    edge = (F.max_pool2d(alpha, 3, 1, 1) + F.max_pool2d(-alpha, 3, 1, 1) > 0.01)[0, 0].cpu().numpy()
    return np.where(edge, 0.5, np.round(_image(alpha[0]))).astype(np.float32)


def _mse(image: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean((image.astype(np.float64) - truth) ** 2))


def task_for(
    kind: str,
    *,
    vgg16: Path | None = None,
    perceptual_weight: float = PERCEPTUAL_WEIGHT,
    matting: Path | nn.Module | None = None,
) -> Task:
    """The task of network ``kind``; fusion looks for VGG-16 weights at ``vgg16`` (else the usual places)
    and weighs its perceptual term by ``perceptual_weight``; the learned trimap's end-to-end stage takes
    its fixed matting network from ``matting`` (else the installed one)."""
    check_kind(kind)
    if kind == "fusion":
        return FusionTask(vgg16, perceptual_weight)
    if kind == "trimap-end-to-end":
        return TrimapEndToEndTask(matting)
    tasks: dict[str, type[Task]] = {
        "segmentation": SegmentationTask,
        "refinement": RefinementTask,
        "plate-matting": PlateMattingTask,
        "trimap": TrimapTask,
    }
    return tasks.get(kind, MattingTask)()
