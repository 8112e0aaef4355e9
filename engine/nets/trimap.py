"""The learned trimap: T-Net of Semantic Human Matting (Chen, Ge, Xu, Li, Wang, Gai; ACM MM 2018).

SHM splits matting into a trimap network (T-Net) that labels every pixel background, unknown or
foreground from the photo alone, and a matting network (M-Net) that estimates the alpha inside the
unknown region; the two are fused as α = F + U·α_raw, with F and U the foreground and unknown
probabilities (the pipeline takes the mean of that and α_raw: ``engine.learned_trimap.fused_alpha``).
Here the T-Net is the segmentation family (``engine.nets.segmentation``: the ImageNet-pretrained
EfficientNet-Lite0 encoder and a U-Net decoder) with three output planes; its input may add the soft
segmentation of the automatic cut-out as a fourth plane.

Input ``(N, in_channels, H, W)`` float32 in [0, 1], H and W multiples of 32: the photo's RGB, then the
segmentation when ``in_channels`` is 4. ``forward`` returns logits ``(N, 3, H, W)`` for background,
unknown and foreground; ``predict`` their softmax.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from engine.nets.parts import Head
from engine.nets.segmentation import SegmentationNet

CLASSES = 3  # background, unknown, foreground


class TrimapNet(SegmentationNet):
    """Photo (+ segmentation) in, background / unknown / foreground logits ``(N, 3, H, W)`` out."""

    def __init__(
        self,
        in_channels: int = 4,
        decoder_widths: Sequence[int] = (128, 64, 32, 16, 16),
        encoder: str = "efficientnet-lite0",
    ) -> None:
        super().__init__(in_channels, decoder_widths=decoder_widths, encoder=encoder)
        self.head = Head(self.decoder.out_channels, CLASSES)

    def _prediction(self, output: Any) -> torch.Tensor:
        return torch.softmax(output, dim=1)


def fuse_alpha(probabilities: torch.Tensor, raw_alpha: torch.Tensor) -> torch.Tensor:
    """Semantic Human Matting's fusion α = F + U·α_raw for T-Net probabilities ``(N, 3, H, W)`` and the
    matting network's raw alpha ``(N, 1, H, W)``."""
    unknown, foreground = probabilities[:, 1:2], probabilities[:, 2:3]
    return foreground + unknown * raw_alpha


def soft_trimap(probabilities: torch.Tensor) -> torch.Tensor:
    """The trimap plane ``(N, 1, H, W)`` the matting network takes, from T-Net probabilities
    ``(N, 3, H, W)``: its expected value 0.5·U + F (0 / 0.5 / 1 where the T-Net is sure), differentiable,
    so the end-to-end stage trains the T-Net through the matting network as well as through the fusion."""
    unknown, foreground = probabilities[:, 1:2], probabilities[:, 2:3]
    return 0.5 * unknown + foreground
