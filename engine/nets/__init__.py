"""The networks of Deep Image Compositing and Deep Image Matting, built from ``engine.nets.parts``.

Every network takes one ``(N, C, H, W)`` float32 tensor with H and W multiples of 32 (see
``engine.tensors.pad_to_multiple``), remembers its constructor ``config`` and has ``predict``.
Build them by name with ``engine.registry.create_model``.
"""

from __future__ import annotations

from engine.nets.base import Network
from engine.nets.fusion import PHOTO_INPUT_PLANES, FusionLayers, FusionNet, SingleStreamFusionNet
from engine.nets.matting import MattingNet, MattingOutput
from engine.nets.plate_matting import PlateMattingNet
from engine.nets.segmentation import RefinementNet, SegmentationNet
from engine.nets.trimap import TrimapNet

__all__ = [
    "PHOTO_INPUT_PLANES",
    "FusionLayers",
    "FusionNet",
    "MattingNet",
    "MattingOutput",
    "Network",
    "PlateMattingNet",
    "RefinementNet",
    "SegmentationNet",
    "SingleStreamFusionNet",
    "TrimapNet",
]
