"""Clean-plate matting after Background Matting (Sengupta, Jayaram, Curless, Seitz, Kemelmacher-Shlizerman;
CVPR 2020).

A photographer on a tripod takes one more shot without the subject, the *clean plate*. Where the photo
differs from the plate is subject; how much it differs says how opaque the subject is. The cue fails where
the subject's colour matches the background, so the network also takes a soft segmentation, and a
*context-switching block* decides per region which cue to trust: for each cue it combines the photo's
features with the cue's features into a selector, then mixes the photo's features with all selectors.
Plain concatenation of every input leaves holes where the subject's colour matches the plate (the
paper's ablation).

Built from the project's parts: one ImageNet-pretrained EfficientNet-Lite0 encoder
(``engine.nets.efficientnet``) encodes the photo and the plate (shared weights, two passes); the
segmentation is pooled to each stride; context-switching blocks fuse {photo, plate, |photo − plate|} and
{photo, segmentation} at strides 8, 16 and 32; at strides 2 and 4 the photo's and the plate's features
and their difference are the skips, and at full resolution the pixels themselves, so edges follow the
photo. A U-Net decoder (``engine.nets.parts.Decoder``) predicts the alpha. The paper also predicts the
foreground colour; here the pipeline's foreground estimation (``classic.foreground``) does that.

Input ``(N, 7, H, W)`` float32, H and W multiples of 32: channels 0–2 the photo's RGB, 3–5 the aligned
plate's RGB (``classic.plate_alignment``), 6 the soft segmentation (or a trimap: 0 / 0.5 / 1), all in
[0, 1]. Output alpha ``(N, 1, H, W)`` in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from engine.nets.base import Network, check_widths
from engine.nets.efficientnet import FEATURE_CHANNELS, EfficientNetLite0Features
from engine.nets.parts import ConvBNReLU, Decoder, Head

INPUT_CHANNELS = 7
CONTEXT_WIDTHS = (48, 96, 160)  # the context-switching blocks' outputs at strides 8, 16 and 32
DECODER_WIDTHS = (96, 64, 32, 24, 16)


class ContextSwitch(nn.Module):
    """Background Matting's context-switching block at one stride.

    ``selectors[c] = ConvBNReLU(cat[photo, cue_c])`` for each cue c (the plate's features with their
    difference to the photo's, then the segmentation pooled to this stride), and the output is
    ``ConvBNReLU(cat[photo, selectors…])`` followed by a 3×3 block: ``(N, width, h, w)``.
    """

    def __init__(self, photo_channels: int, cue_channels: Sequence[int], width: int) -> None:
        super().__init__()
        self.selectors = nn.ModuleList(
            ConvBNReLU(photo_channels + cue, width // 2, kernel_size=1) for cue in cue_channels
        )
        self.mix = nn.Sequential(
            ConvBNReLU(photo_channels + len(cue_channels) * (width // 2), width, kernel_size=1),
            ConvBNReLU(width, width),
        )
        self.out_channels = width

    def forward(self, photo: torch.Tensor, cues: Sequence[torch.Tensor]) -> torch.Tensor:
        chosen = [
            select(torch.cat([photo, cue], dim=1)) for select, cue in zip(self.selectors, cues, strict=True)
        ]
        mixed: torch.Tensor = self.mix(torch.cat([photo, *chosen], dim=1))
        return mixed


class PlateMattingNet(Network):
    """Photo + aligned clean plate + soft segmentation in, alpha out (Background Matting).

    ``context_widths`` are the context-switching blocks' widths at strides 8, 16, 32 and
    ``decoder_widths`` the decoder's at strides 16, 8, 4, 2, 1. ``forward`` returns alpha ``(N, 1, H, W)``
    in [0, 1]; so does ``predict``.
    """

    def __init__(
        self,
        context_widths: Sequence[int] = CONTEXT_WIDTHS,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
    ) -> None:
        config: dict[str, Any] = {
            "context_widths": check_widths("context_widths", context_widths, 3),
            "decoder_widths": check_widths("decoder_widths", decoder_widths, 5),
        }
        super().__init__(INPUT_CHANNELS, config)
        self.encoder = EfficientNetLite0Features(3)
        fine = FEATURE_CHANNELS[:2]
        self.contexts = nn.ModuleList(
            ContextSwitch(channels, (2 * channels, 1), width)
            for channels, width in zip(FEATURE_CHANNELS[2:], config["context_widths"], strict=True)
        )
        # Full resolution: photo, plate, |photo − plate| and segmentation; strides 2 and 4: the photo's and
        # the plate's features and their difference; strides 8 to 32: the context-switching blocks.
        skips = [10, *(3 * channels for channels in fine), *config["context_widths"]]
        self.decoder = Decoder(skips, config["decoder_widths"])
        self.head = Head(config["decoder_widths"][-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Alpha ``(N, 1, H, W)`` in [0, 1] for ``x`` of shape ``(N, 7, H, W)``."""
        self.check_input(x)
        photo, plate, segmentation = x[:, :3], x[:, 3:6], x[:, 6:7]
        both = self.encoder(torch.cat([photo, plate], dim=0))
        count = photo.shape[0]
        skips = [torch.cat([photo, plate, (photo - plate).abs(), segmentation], dim=1)]
        for level, features in enumerate(both):
            photo_features, plate_features = features[:count], features[count:]
            difference = (photo_features - plate_features).abs()
            if level < 2:
                skips.append(torch.cat([photo_features, plate_features, difference], dim=1))
                continue
            pooled = F.adaptive_avg_pool2d(segmentation, photo_features.shape[-2:])
            plate_cue = torch.cat([plate_features, difference], dim=1)
            skips.append(self.contexts[level - 2](photo_features, (plate_cue, pooled * 2.0 - 1.0)))
        return torch.sigmoid(self.head(self.decoder(skips)))

    def _prediction(self, output: Any) -> torch.Tensor:
        alpha: torch.Tensor = output
        return alpha
