"""Reusable parts of the networks: conv-BN-ReLU, depthwise-separable and inverted-residual blocks, a
multi-scale ``Encoder``, a U-Net ``Decoder`` and a 1×1 ``Head``.

The blocks follow MobileNetV2 (Sandler et al., CVPR 2018): inverted residuals with depthwise 3×3
convolutions keep a segmentation network under 5 M parameters and fast on a laptop CPU. Every feature map
is ``(N, C, H / s, W / s)`` for the stride ``s`` named beside it; inputs need H and W divisible by 32.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

STRIDES = (2, 4, 8, 16, 32)
# Laptop-sized defaults shared by the networks: encoder channels and blocks per stride in ``STRIDES``
# (MobileNetV2's widths with a shallower, narrower middle), and decoder channels at strides 16 to 1.
WIDTHS = (16, 24, 32, 96, 320)
DEPTHS = (2, 2, 3, 4, 3)
DECODER_WIDTHS = (128, 64, 32, 24, 16)


class ConvBNReLU(nn.Sequential):
    """Convolution (no bias), batch norm and ReLU; ``relu=False`` leaves a linear bottleneck."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: int = 3,
        stride: int = 1,
        groups: int = 1,
        relu: bool = True,
    ) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(
                in_channels, out_channels, kernel_size, stride, kernel_size // 2, groups=groups, bias=False
            ),
            nn.BatchNorm2d(out_channels),
        ]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class SeparableConvBNReLU(nn.Sequential):
    """Depthwise 3×3 then pointwise 1×1 convolution, each with batch norm and ReLU (MobileNetV1)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            ConvBNReLU(in_channels, in_channels, groups=in_channels),
            ConvBNReLU(in_channels, out_channels, kernel_size=1),
        )


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1×1 expansion, depthwise 3×3 (stride 1 or 2), linear 1×1 projection.

    The input is added back when stride is 1 and the channel count is unchanged.
    """

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1, expansion: int = 4) -> None:
        super().__init__()
        hidden = in_channels * expansion
        layers: list[nn.Module] = []
        if expansion != 1:
            layers.append(ConvBNReLU(in_channels, hidden, kernel_size=1))
        layers += [
            ConvBNReLU(hidden, hidden, stride=stride, groups=hidden),
            ConvBNReLU(hidden, out_channels, kernel_size=1, relu=False),
        ]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.block(x)
        return x + out if self.residual else out


class Encoder(nn.Module):
    """Five stages of features at strides 2, 4, 8, 16 and 32 (``STRIDES``).

    Input ``(N, in_channels, H, W)``; output a list of five tensors ``(N, widths[i], H / s, W / s)``.
    Stage 0 is a strided 3×3 stem followed by ``depths[0] - 1`` depthwise-separable blocks; every later
    stage is an inverted residual of stride 2 followed by ``depths[i] - 1`` of stride 1.
    """

    def __init__(
        self, in_channels: int, widths: Sequence[int], *, depths: Sequence[int], expansion: int = 4
    ) -> None:
        super().__init__()
        self.out_channels = tuple(widths)
        stem: list[nn.Module] = [ConvBNReLU(in_channels, widths[0], stride=2)]
        stem += [SeparableConvBNReLU(widths[0], widths[0]) for _ in range(depths[0] - 1)]
        stages: list[nn.Module] = [nn.Sequential(*stem)]
        for previous, width, depth in zip(widths[:-1], widths[1:], depths[1:], strict=True):
            blocks = [InvertedResidual(previous, width, stride=2, expansion=expansion)]
            blocks += [InvertedResidual(width, width, expansion=expansion) for _ in range(depth - 1)]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


def upsample_to(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``x`` resized bilinearly to the height and width of ``reference``."""
    return F.interpolate(x, size=reference.shape[-2:], mode="bilinear", align_corners=False)


class DecoderBlock(nn.Sequential):
    """Fuses concatenated features: a 1×1 reduction to ``out_channels`` then a separable 3×3 block."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            ConvBNReLU(in_channels, out_channels, kernel_size=1),
            SeparableConvBNReLU(out_channels, out_channels),
        )


class Decoder(nn.Module):
    """U-Net decoder: from the stride-32 feature up to full resolution, one skip connection per level.

    ``skip_channels`` are the channels of the skips from fine to coarse, full resolution first (the
    network's input) and the encoder's five stages after it; ``widths`` are the output channels of the
    five decoder levels at strides 16, 8, 4, 2 and 1. ``forward(skips)`` takes the same list (the
    coarsest, stride 32, is where decoding starts) and returns ``(N, widths[-1], H, W)``.
    """

    def __init__(self, skip_channels: Sequence[int], widths: Sequence[int]) -> None:
        super().__init__()
        if len(skip_channels) != len(widths) + 1:
            raise ValueError(f"need one more skip than decoder level, got {skip_channels} and {widths}")
        coarse_to_fine = list(skip_channels[::-1])
        incoming = [coarse_to_fine[0], *widths[:-1]]
        self.blocks = nn.ModuleList(
            DecoderBlock(previous + skip, width)
            for previous, skip, width in zip(incoming, coarse_to_fine[1:], widths, strict=True)
        )
        self.out_channels = widths[-1]

    def forward(self, skips: Sequence[torch.Tensor]) -> torch.Tensor:
        coarse_to_fine = list(skips[::-1])
        x = coarse_to_fine[0]
        for block, skip in zip(self.blocks, coarse_to_fine[1:], strict=True):
            x = block(torch.cat([upsample_to(x, skip), skip], dim=1))
        return x


class Head(nn.Conv2d):
    """A 1×1 convolution with bias from the decoder's features to the output planes (logits)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, kernel_size=1)
