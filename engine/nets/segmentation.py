"""Subject segmentation and mask refinement networks of Deep Image Compositing.

Zhang et al., "Deep Image Compositing" (WACV 2021) use any salient-object or portrait segmentation model,
then a mask refinement network of the same architecture whose input adds the raw mask as a fourth channel
(trained on crops with cross-entropy; run in two stages, at 320×320 and again at 640×640, by the
inference service). Both are built here as one encoder–decoder family: a MobileNetV2-style encoder
(strides 2 to 32), a U-Net decoder whose finest skip is the input itself (so refined edges can follow the
photo's pixels), and a 1×1 head producing one logit plane.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from engine.nets.base import Network, check_positive, check_widths
from engine.nets.parts import DECODER_WIDTHS, DEPTHS, WIDTHS, Decoder, Encoder, Head


class SegmentationNet(Network):
    """Salient-object / portrait segmentation: an RGB photo in, subject logits out.

    Input ``(N, in_channels, H, W)`` float32, RGB in [0, 1] (plus any extra planes in [0, 1]), H and W
    multiples of 32. ``forward`` returns logits ``(N, 1, H, W)`` (train with binary cross-entropy on
    logits); ``predict`` returns the subject probability ``sigmoid(logits)`` in [0, 1].

    ``widths`` and ``depths`` are the encoder's channels and blocks at strides 2, 4, 8, 16, 32;
    ``decoder_widths`` the decoder's channels at strides 16, 8, 4, 2, 1; ``expansion`` the inverted
    residuals' expansion ratio. The defaults have 2.2 M parameters (0.66 GMAC at 320×320).
    """

    def __init__(
        self,
        in_channels: int = 3,
        widths: Sequence[int] = WIDTHS,
        depths: Sequence[int] = DEPTHS,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int = 4,
    ) -> None:
        config: dict[str, Any] = {
            "in_channels": check_positive("in_channels", in_channels),
            "widths": check_widths("widths", widths, 5),
            "depths": check_widths("depths", depths, 5),
            "decoder_widths": check_widths("decoder_widths", decoder_widths, 5),
            "expansion": check_positive("expansion", expansion),
        }
        super().__init__(in_channels, config)
        self.encoder = Encoder(in_channels, widths, depths=depths, expansion=expansion)
        self.decoder = Decoder([in_channels, *widths], decoder_widths)
        self.head = Head(decoder_widths[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, 1, H, W)`` for ``x`` of shape ``(N, in_channels, H, W)``."""
        self.check_input(x)
        features = self.encoder(x)
        logits: torch.Tensor = self.head(self.decoder([x, *features]))
        return logits

    def _prediction(self, output: Any) -> torch.Tensor:
        return torch.sigmoid(output)


class RefinementNet(SegmentationNet):
    """Mask refinement: the segmentation family with RGB + raw mask (4 channels) in, refined logits out.

    Input ``(N, 4, H, W)``: channels 0–2 the photo's RGB in [0, 1], channel 3 the raw (segmentation) mask
    in [0, 1]. Output logits ``(N, 1, H, W)``; ``predict`` gives the refined mask in [0, 1]. The two-stage
    use of the paper (320 then 640) belongs to the inference service.
    """

    def __init__(
        self,
        in_channels: int = 4,
        widths: Sequence[int] = WIDTHS,
        depths: Sequence[int] = DEPTHS,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int = 4,
    ) -> None:
        super().__init__(in_channels, widths, depths, decoder_widths, expansion)
