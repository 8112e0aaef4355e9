"""Alpha matting network after Deep Image Matting (Xu, Price, Cohen, Huang; CVPR 2017).

Stage 1 is an encoder–decoder on the photo and its trimap (and, optionally, closed-form matting's alpha
as a hint to correct) that predicts a raw alpha. Stage 2 refines it:
four convolutions at full resolution (ReLU after the first three, no down-sampling) on the photo and the
stage-1 alpha, whose output is added to that alpha (a skip connection), which sharpens edges. The paper's
VGG-16 encoder (14 convolutions, 5 max-pools) is replaced by the MobileNetV2-style ``Encoder`` of
``engine.nets.parts`` or the ImageNet-pretrained EfficientNet-Lite0, and its unpooling decoder by the U-Net
``Decoder``, so the network fits a laptop.
Training (not here) uses the paper's alpha-prediction and compositional losses over the unknown region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from classic.checks import InvalidInputError
from engine.nets.base import Network, check_positive, check_widths
from engine.nets.parts import DECODER_WIDTHS, Decoder, Head
from engine.nets.segmentation import build_encoder, encoder_config


class MattingOutput(NamedTuple):
    """Both stages' alphas, each ``(N, 1, H, W)`` in [0, 1]; unpacks as ``raw, refined = net(x)``."""

    raw_alpha: torch.Tensor
    refined_alpha: torch.Tensor


class RefinementStage(nn.Sequential):
    """Deep Image Matting's stage 2 body: four 3×3 convolutions, ReLU after the first three.

    Input ``(N, 4, H, W)`` (RGB and stage-1 alpha); output an alpha correction ``(N, 1, H, W)``.
    """

    def __init__(self, width: int) -> None:
        super().__init__(
            nn.Conv2d(4, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, 1, 3, padding=1),
        )


class MattingNet(Network):
    """Photo + trimap in, raw and refined alpha out (Deep Image Matting, two stages).

    Input ``(N, C, H, W)`` float32 with H and W multiples of 32: channels 0–2 the photo's RGB in [0, 1],
    channel 3 the trimap (0 background, 0.5 unknown, 1 foreground). With ``closed_form_input=True`` a
    fifth channel carries a closed-form alpha in [0, 1] (``classic.matting.estimate_alpha``) as a hint,
    so ``in_channels`` is 5 (the paper uses only the first four), and stage 1 predicts a correction added
    to the hint instead of an alpha of its own; both stages' last layers start at zero, so an untrained
    network returns the hint unchanged and training learns where closed-form matting goes wrong.

    ``forward`` returns a ``MattingOutput``: ``raw_alpha`` is stage 1's alpha (a sigmoid, or the corrected
    hint) and ``refined_alpha`` is ``raw_alpha + stage2(RGB, raw_alpha)``, both ``(N, 1, H, W)`` clamped to
    [0, 1]. ``predict`` returns ``refined_alpha``. Pixels the trimap marks as known are not overwritten
    here; as in the paper's evaluation, the caller pastes them back.

    ``encoder`` is one of ``engine.nets.segmentation.ENCODERS``: ``"mobilenet"`` sized by ``widths``,
    ``depths`` and ``expansion`` as in ``SegmentationNet``, or the ImageNet-pretrained
    ``"efficientnet-lite0"`` (fixed shape). ``decoder_widths`` are the U-Net decoder's channels at strides
    16 to 1; ``refine_width`` is the channel count of stage 2 (the paper's 64 costs ~15 GFLOPs per layer
    at 640²).
    """

    def __init__(
        self,
        widths: Sequence[int] | None = None,
        depths: Sequence[int] | None = None,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int | None = None,
        refine_width: int = 16,
        closed_form_input: bool = False,
        encoder: str = "mobilenet",
    ) -> None:
        if not isinstance(closed_form_input, bool):
            raise InvalidInputError(f"closed_form_input must be True or False, got {closed_form_input!r}")
        config: dict[str, Any] = {
            "decoder_widths": check_widths("decoder_widths", decoder_widths, 5),
            "refine_width": check_positive("refine_width", refine_width),
            "closed_form_input": closed_form_input,
            **encoder_config(encoder, widths, depths, expansion),
        }
        in_channels = 5 if closed_form_input else 4
        super().__init__(in_channels, config)
        self.encoder = build_encoder(in_channels, config)
        self.decoder = Decoder([in_channels, *self.encoder.out_channels], decoder_widths)
        self.head = Head(decoder_widths[-1], 1)
        self.refinement = RefinementStage(refine_width)
        if closed_form_input:
            # Both stages start as the identity on the hint: training can only move away from closed-form
            # matting where that lowers the loss.
            last = self.refinement[-1]
            assert isinstance(last, nn.Conv2d)
            for layer in (self.head, last):
                nn.init.zeros_(layer.weight)
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> MattingOutput:
        """Raw and refined alpha ``(N, 1, H, W)`` for ``x`` of shape ``(N, in_channels, H, W)``."""
        self.check_input(x)
        features = self.encoder(x)
        decoded = self.head(self.decoder([x, *features]))
        # Stage 1 corrects the closed-form hint when it has one, else predicts the alpha itself.
        hinted = self.in_channels == 5
        raw_alpha = _unit_clamp(x[:, 4:5] + decoded) if hinted else torch.sigmoid(decoded)
        # Stage 2 sees only the photo and stage 1's alpha, and learns a correction to that alpha.
        correction = self.refinement(torch.cat([x[:, :3], raw_alpha], dim=1))
        return MattingOutput(raw_alpha, _unit_clamp(raw_alpha + correction))

    def _prediction(self, output: Any) -> torch.Tensor:
        refined: torch.Tensor = output.refined_alpha
        return refined


def _unit_clamp(alpha: torch.Tensor) -> torch.Tensor:
    """``alpha`` clamped to [0, 1], with the gradient passed straight through: a correction that
    overshoots still learns its way back."""
    return alpha + (alpha.clamp(0.0, 1.0) - alpha).detach()
