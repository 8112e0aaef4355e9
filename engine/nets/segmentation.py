"""Subject segmentation and mask refinement networks of Deep Image Compositing.

Zhang et al., "Deep Image Compositing" (WACV 2021) use any salient-object or portrait segmentation model,
then a mask refinement network of the same architecture whose input adds the raw mask as a fourth channel
(trained on crops with cross-entropy; run in two stages, at 320×320 and again at 640×640, by the
inference service). Both are built here as one encoder–decoder family: an encoder (strides 2 to 32), a
U-Net decoder and a 1×1 head producing one logit plane.

Two encoders exist (``encoder`` in the config, so a checkpoint says which it holds):

- ``"mobilenet"``: the project's MobileNetV2-style ``engine.nets.parts.Encoder``, sized by ``widths``,
  ``depths`` and ``expansion``, trained from random weights (checkpoints from before the choice existed
  have no ``encoder`` key and load as this one);
- ``"efficientnet-lite0"``: EfficientNet-Lite0's stages (``engine.nets.efficientnet``), whose ImageNet
  weights the trainer loads before training (``load_pretrained_encoder``); ``widths``, ``depths`` and
  ``expansion`` do not apply.

``decoder_widths`` has five levels (strides 16, 8, 4, 2, 1: the finest skip is the input itself, so edges
can follow the photo's pixels) or four (strides 16 to 2: the logits are upsampled bilinearly to the input
size, which halves a training step's cost and suits a whole-subject mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from classic.checks import InvalidInputError
from engine.nets.base import Network, check_positive, check_widths
from engine.nets.efficientnet import EfficientNetLite0Features
from engine.nets.parts import DECODER_WIDTHS, DEPTHS, WIDTHS, Decoder, Encoder, Head

ENCODERS = ("mobilenet", "efficientnet-lite0")


class SegmentationNet(Network):
    """Salient-object / portrait segmentation: an RGB photo in, subject logits out.

    Input ``(N, in_channels, H, W)`` float32, RGB in [0, 1] (plus any extra planes in [0, 1]), H and W
    multiples of 32. ``forward`` returns logits ``(N, 1, H, W)`` (train with binary cross-entropy on
    logits); ``predict`` returns the subject probability ``sigmoid(logits)`` in [0, 1].

    ``encoder`` is one of ``ENCODERS``. For ``"mobilenet"``, ``widths`` and ``depths`` are the encoder's
    channels and blocks at strides 2, 4, 8, 16, 32 and ``expansion`` the inverted residuals' expansion
    ratio (the defaults have 2.2 M parameters, 0.66 GMAC at 320×320); for ``"efficientnet-lite0"`` they
    must be left out. ``decoder_widths`` are the decoder's channels at strides 16, 8, 4, 2 (and 1).
    """

    def __init__(
        self,
        in_channels: int = 3,
        widths: Sequence[int] | None = None,
        depths: Sequence[int] | None = None,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int | None = None,
        encoder: str = "mobilenet",
    ) -> None:
        decoder_widths = tuple(decoder_widths)
        levels = len(decoder_widths) if len(decoder_widths) in (4, 5) else 5
        config: dict[str, Any] = {
            "in_channels": check_positive("in_channels", in_channels),
            "decoder_widths": check_widths("decoder_widths", decoder_widths, levels),
        }
        config |= encoder_config(encoder, widths, depths, expansion)
        super().__init__(in_channels, config)
        self.encoder = build_encoder(in_channels, config)
        self.full_resolution = levels == 5
        skips = (
            [in_channels, *self.encoder.out_channels] if self.full_resolution else self.encoder.out_channels
        )
        self.decoder = Decoder(skips, decoder_widths)
        self.head = Head(decoder_widths[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, 1, H, W)`` for ``x`` of shape ``(N, in_channels, H, W)``."""
        self.check_input(x)
        features = self.encoder(x)
        skips = [x, *features] if self.full_resolution else features
        logits: torch.Tensor = self.head(self.decoder(skips))
        if not self.full_resolution:
            logits = F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)
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
        widths: Sequence[int] | None = None,
        depths: Sequence[int] | None = None,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        expansion: int | None = None,
        encoder: str = "mobilenet",
    ) -> None:
        super().__init__(in_channels, widths, depths, decoder_widths, expansion, encoder)


def load_pretrained_encoder(model: SegmentationNet, state_dict: dict[str, torch.Tensor]) -> None:
    """Put ImageNet weights into ``model``'s EfficientNet-Lite0 encoder (extra input planes start at 0)."""
    if not isinstance(model.encoder, EfficientNetLite0Features):
        raise InvalidInputError("only the efficientnet-lite0 encoder has pretrained weights")
    model.encoder.load_pretrained(state_dict)


def encoder_config(
    encoder: str, widths: Sequence[int] | None, depths: Sequence[int] | None, expansion: int | None
) -> dict[str, Any]:
    """The config entries of an encoder of ``ENCODERS``: its name, and for ``"mobilenet"`` its shape
    (defaults where None); a pretrained encoder's shape is fixed, so giving one is an error."""
    if encoder not in ENCODERS:
        raise InvalidInputError(f"unknown encoder {encoder!r}; choose one of {', '.join(ENCODERS)}")
    if encoder == "mobilenet":
        return {
            "encoder": encoder,
            "widths": check_widths("widths", WIDTHS if widths is None else widths, 5),
            "depths": check_widths("depths", DEPTHS if depths is None else depths, 5),
            "expansion": check_positive("expansion", 4 if expansion is None else expansion),
        }
    given = [name for name, v in (("widths", widths), ("depths", depths), ("expansion", expansion)) if v]
    if given:
        raise InvalidInputError(f"the {encoder} encoder has a fixed shape: leave out {', '.join(given)}")
    return {"encoder": encoder}


def build_encoder(in_channels: int, config: dict[str, Any]) -> Encoder | EfficientNetLite0Features:
    """The encoder ``encoder_config`` describes, taking ``in_channels`` planes."""
    if config["encoder"] == "mobilenet":
        return Encoder(in_channels, config["widths"], depths=config["depths"], expansion=config["expansion"])
    return EfficientNetLite0Features(in_channels)
