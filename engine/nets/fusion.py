"""Multi-stream fusion network (MLF) of Deep Image Compositing (Zhang et al., WACV 2021), and its
single-stream ablation.

Laplacian-pyramid blending composites band by band, coarse to fine. MLF learns the same: a foreground
stream (photo + soft mask) and a background stream are encoded separately into features at strides 2 to
32, and one decoder fuses them level by level (``DenseFusionDecoder``). The single-stream variant
concatenates foreground, mask and background into one encoder; the paper's ablation shows it loses parts
of the foreground and leaves stronger boundary artefacts.

Both networks take one ``(N, 7, H, W)`` tensor, the subject already placed on the background's canvas:
channels 0–2 the foreground photo's RGB, 3 its soft mask, 4–6 the background's RGB, all in [0, 1], H and
W multiples of 32. ``forward`` returns the composite ``(N, 3, H, W)`` in [0, 1].

Design choice: the decoder does not paint the composite. Its head predicts a blending alpha α and a
foreground colour correction ΔF, and the output is C = α·clamp(F + ΔF, 0, 1) + (1 − α)·B. C is a convex
combination of two colours in [0, 1], so it stays in range without a final clamp; far from the subject
(α → 0) the background passes through at full detail instead of being re-synthesised by the decoder; ΔF
removes the old background's colour from the subject's edge (the halo the paper fights); and α and the
decontaminated foreground are layers the app can show or export. α is a residual on the input mask m in
logit space, α = σ(a + logit m), and the head starts at zero, so an untrained network is plain alpha
blending and training learns corrections to it. The paper's L1 + perceptual loss is applied to C
(engine/training).

With ``photo_input`` the network also sees the photo itself (the subject on its real, old background),
three more planes after the background: ``(N, 10, H, W)``. The foreground stream then holds the
decontaminated colours, the mask and the photo, so the network can see which old-background colour the
edge carried and take it out better than the decontamination did, while its starting point stays the
decontaminated alpha blend. ``encoder`` picks each stream's encoder: the compact MobileNetV2-style one or
the ImageNet-pretrained EfficientNet-Lite0 (``engine.nets.segmentation.ENCODERS``; extra planes start
with zero stem weights, so pretrained features start unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from classic.checks import InvalidInputError
from engine.nets.base import Network, check_positive, check_widths
from engine.nets.dense_decoder import DenseFusionDecoder
from engine.nets.parts import DECODER_WIDTHS, Head
from engine.nets.segmentation import build_encoder, encoder_config

FOREGROUND_CHANNELS = 4  # RGB + soft mask
BACKGROUND_CHANNELS = 3
PHOTO_CHANNELS = 3  # with photo_input: the photo itself, after the background
PLANES = FOREGROUND_CHANNELS + BACKGROUND_CHANNELS
PHOTO_INPUT_PLANES = PLANES + PHOTO_CHANNELS  # the input of a network with photo_input
_MASK_EPS = 0.001  # a hard mask's logit is ±6.9: 0.1 % of the other layer shows through


class FusionLayers(NamedTuple):
    """The composite ``(N, 3, H, W)``, blending alpha ``(N, 1, H, W)`` and corrected foreground
    ``(N, 3, H, W)``, all in [0, 1]."""

    composite: torch.Tensor
    alpha: torch.Tensor
    foreground: torch.Tensor


class _FusionNetwork(Network):
    """Shared by both fusion networks: config checks, the dense decoder, the head and the compositing."""

    def __init__(
        self,
        streams: Sequence[int],
        widths: Sequence[int] | None,
        depths: Sequence[int] | None,
        decoder_widths: Sequence[int],
        expansion: int | None,
        band: int,
        encoder: str,
        photo_input: bool,
    ) -> None:
        if not isinstance(photo_input, bool):
            raise InvalidInputError(f"photo_input must be True or False, got {photo_input!r}")
        config: dict[str, Any] = {
            **encoder_config(encoder, widths, depths, expansion),
            "decoder_widths": check_widths("decoder_widths", decoder_widths, 5),
            "band": check_positive("band", band),
            "photo_input": photo_input,
        }
        super().__init__(PHOTO_INPUT_PLANES if photo_input else PLANES, config)
        encoders = [build_encoder(planes, config) for planes in streams]
        self.encoders = nn.ModuleList(encoders)
        skips = [[planes, *encoder.out_channels] for planes, encoder in zip(streams, encoders, strict=True)]
        self.decoder = DenseFusionDecoder(skips, decoder_widths, band=band)
        # One alpha logit and three foreground corrections per pixel. The head starts silent, so an
        # untrained network is plain alpha blending of its inputs and training learns corrections to it.
        self.head = Head(decoder_widths[-1], 4)
        nn.init.zeros_(self.head.weight)
        if self.head.bias is not None:
            nn.init.zeros_(self.head.bias)

    def _streams(self, x: torch.Tensor) -> list[torch.Tensor]:
        raise NotImplementedError

    def layers(self, x: torch.Tensor) -> FusionLayers:
        """Composite, alpha and corrected foreground for ``x`` of shape ``(N, 7, H, W)`` (10 planes with
        ``photo_input``)."""
        self.check_input(x)
        streams = self._streams(x)
        skips = [[s, *encoder(s)] for s, encoder in zip(streams, self.encoders, strict=True)]
        out = self.head(self.decoder(skips))
        # The mask is clamped so its logit stays finite (±6.9): a hard mask can still be overruled.
        alpha = torch.sigmoid(out[:, :1] + torch.logit(x[:, 3:4], eps=_MASK_EPS))
        foreground = torch.clamp(x[:, :3] + torch.tanh(out[:, 1:]), 0.0, 1.0)
        composite = alpha * foreground + (1.0 - alpha) * x[:, 4:7]
        return FusionLayers(composite, alpha, foreground)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The composite ``(N, 3, H, W)`` in [0, 1] for ``x`` of shape ``(N, 7 or 10, H, W)``."""
        return self.layers(x).composite


class FusionNet(_FusionNetwork):
    """Multi-stream fusion: a foreground encoder (RGB + mask, 4 channels; + the photo with ``photo_input``)
    and a background encoder (RGB).

    Input ``(N, 7, H, W)`` (``(N, 10, H, W)`` with ``photo_input``) as in the module docstring; output the
    composite ``(N, 3, H, W)`` in [0, 1]. ``layers`` also returns the blending alpha and the corrected
    foreground. ``encoder`` with ``widths``, ``depths`` and ``expansion`` sizes each stream's encoder (as
    in ``SegmentationNet``), ``decoder_widths`` the decoder levels at strides 16, 8, 4, 2, 1, and ``band``
    the channels each fused level passes to every finer level.
    """

    def __init__(
        self,
        widths: Sequence[int] | None = None,
        depths: Sequence[int] | None = None,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int | None = None,
        band: int = 8,
        encoder: str = "mobilenet",
        photo_input: bool = False,
    ) -> None:
        foreground = FOREGROUND_CHANNELS + (PHOTO_CHANNELS if photo_input else 0)
        streams = (foreground, BACKGROUND_CHANNELS)
        super().__init__(streams, widths, depths, decoder_widths, expansion, band, encoder, photo_input)

    def _streams(self, x: torch.Tensor) -> list[torch.Tensor]:
        background = slice(FOREGROUND_CHANNELS, FOREGROUND_CHANNELS + BACKGROUND_CHANNELS)
        foreground = [x[:, :FOREGROUND_CHANNELS], x[:, background.stop :]]
        return [torch.cat(foreground, dim=1), x[:, background]]


class SingleStreamFusionNet(_FusionNetwork):
    """The paper's single-stream ablation: foreground, mask and background concatenated into one encoder.

    Same input, output, arguments and decoder shape as ``FusionNet``; the decoder sees one stream.
    """

    def __init__(
        self,
        widths: Sequence[int] | None = None,
        depths: Sequence[int] | None = None,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int | None = None,
        band: int = 8,
        encoder: str = "mobilenet",
        photo_input: bool = False,
    ) -> None:
        streams = (PHOTO_INPUT_PLANES if photo_input else PLANES,)
        super().__init__(streams, widths, depths, decoder_widths, expansion, band, encoder, photo_input)

    def _streams(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [x]
