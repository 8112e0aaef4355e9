"""The fusion decoder of Deep Image Compositing's MLF network: streams fused level by level, densely.

Laplacian-pyramid blending merges two images band by band and collapses the pyramid coarse to fine. This
decoder does the learnt equivalent: at each level (strides 32, 16, 8, 4, 2, 1) it concatenates every
stream's features at that level with the upsampled output of the level before, and with a narrow "band"
projected from each coarser fused level (dense connections, as in DenseNet), so fine levels still see
the coarse decisions directly, not only through one chain of upsamplings.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from engine.nets.parts import ConvBNReLU, DecoderBlock, upsample_to


class DenseFusionDecoder(nn.Module):
    """Fuses any number of encoder streams into one full-resolution feature map.

    ``skip_channels`` holds, per stream, the channels of its skips from fine to coarse: the full-resolution
    input, then the encoder's features at strides 2, 4, 8, 16, 32. ``widths`` are the fused channels at
    strides 16, 8, 4, 2, 1 (the stride-32 level is the streams' deepest features, concatenated). Each
    fused level, the stride-32 one included, also projects ``band`` channels that reach every level finer
    than the next one directly.

    ``forward(skips)`` takes one list per stream in the same order and returns ``(N, widths[-1], H, W)``.
    """

    def __init__(self, skip_channels: Sequence[Sequence[int]], widths: Sequence[int], *, band: int) -> None:
        super().__init__()
        depth = len(widths) + 1
        if any(len(stream) != depth for stream in skip_channels):
            raise ValueError(
                f"every stream needs {depth} skips for {len(widths)} levels, got {skip_channels}"
            )
        # Channels of all streams together at each level, coarse to fine.
        fused = [sum(stream[i] for stream in skip_channels) for i in reversed(range(depth))]
        outputs = [fused[0], *widths]  # what each level hands on, the stride-32 concatenation first
        self.bands = nn.ModuleList(ConvBNReLU(channels, band, kernel_size=1) for channels in outputs[:-2])
        self.blocks = nn.ModuleList(
            # Level k gets: the level before (outputs[k]), the streams (fused[k + 1]), and one band from
            # each level coarser than the one before (k of them).
            DecoderBlock(outputs[k] + fused[k + 1] + band * k, widths[k])
            for k in range(len(widths))
        )
        self.out_channels = widths[-1]

    def forward(self, skips: Sequence[Sequence[torch.Tensor]]) -> torch.Tensor:
        levels = [torch.cat(same_level, dim=1) for same_level in zip(*skips, strict=True)][::-1]
        x = levels[0]
        bands: list[torch.Tensor] = []
        for k, (block, streams) in enumerate(zip(self.blocks, levels[1:], strict=True)):
            dense = [upsample_to(b, streams) for b in bands]
            previous = x
            x = block(torch.cat([upsample_to(previous, streams), streams, *dense], dim=1))
            if k < len(self.bands):
                bands.append(self.bands[k](previous))
        return x
