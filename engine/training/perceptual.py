"""The perceptual loss of Deep Image Compositing: L1 between VGG-16 features of two images.

No wheel ships VGG-16, so the ImageNet EfficientNet-Lite0 (``engine.pretrained``) serves in its place when
no VGG-16 file is found: ``EfficientNetFeatures`` taps blocks 0/2/4/7/10/14/15 of the frozen network.

Only the first three blocks of VGG-16's ``features`` (up to relu3_3) are built, with torchvision's layer
indices, so torchvision's ImageNet file ``vgg16-397923af.pth`` loads into them directly and torchvision
itself is not needed (it does not import on every machine this runs on). Nothing is downloaded: the
weights are used only when a file is found locally (``find_vgg16_weights``); otherwise the fusion loss
falls back to its stated substitute (``engine.training.losses``).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from classic.checks import InvalidInputError
from engine.nets.efficientnet import EfficientNetLite0Features

VGG16_FILE = "vgg16-397923af.pth"
VGG16_ENVIRONMENT = "COMPOSITOR_VGG16"
# torchvision's vgg16().features up to relu3_3: channels of each 3×3 conv, "M" for a 2×2 max-pool.
_LAYOUT: tuple[int | str, ...] = (64, 64, "M", 128, 128, "M", 256, 256, 256)
# Indices in that Sequential of relu1_2, relu2_2 and relu3_3, the features compared.
FEATURE_TAPS = (3, 8, 15)
EFFICIENTNET_TAPS = (0, 2, 4, 7, 10, 14, 15)
RELATIVE_EPS = 1e-3
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def find_vgg16_weights(path: Path | None = None) -> Path | None:
    """The local VGG-16 ImageNet weights file, or None when there is none.

    Looks at ``path`` (an explicit choice: a missing file is an error), then ``$COMPOSITOR_VGG16`` (also
    an error when it names a missing file), then torch hub's cache (``$TORCH_HOME``/hub/checkpoints).
    """
    for label, chosen in (("VGG-16 weights", path), (VGG16_ENVIRONMENT, _environment_path())):
        if chosen is not None:
            if not chosen.is_file():
                raise InvalidInputError(f"{label}: no such file {chosen}")
            return chosen
    cached = Path(torch.hub.get_dir()) / "checkpoints" / VGG16_FILE
    return cached if cached.is_file() else None


def _environment_path() -> Path | None:
    value = os.environ.get(VGG16_ENVIRONMENT, "").strip()
    return Path(value).expanduser() if value else None


class VGG16Features(nn.Module):
    """Frozen VGG-16 blocks 1–3. Input ``(N, 3, H, W)`` RGB in [0, 1]; output relu1_2, relu2_2, relu3_3."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for item in _LAYOUT:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                assert isinstance(item, int)
                layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU(inplace=True)]
                channels = item
        self.features = nn.Sequential(*layers)
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_file(cls, path: Path) -> VGG16Features:
        """The network with the ``features.*`` weights of torchvision's VGG-16 file at ``path``."""
        try:
            stored = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises many types for bad bytes
            raise InvalidInputError(f"{path} is not a readable VGG-16 weights file: {error}") from None
        network = cls()
        wanted = network.features.state_dict()
        found = stored if isinstance(stored, dict) else {}
        state = {key: found.get(f"features.{key}") for key in wanted}
        bad = [
            key
            for key, value in state.items()
            if not isinstance(value, torch.Tensor) or value.shape != wanted[key].shape
        ]
        if bad:
            raise InvalidInputError(f"{path} does not hold VGG-16 features (missing or wrong: {bad[:3]})")
        network.features.load_state_dict(state)
        return network

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = (x - self.mean) / self.std
        taps = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in FEATURE_TAPS:
                taps.append(x)
        return taps


class EfficientNetFeatures(nn.Module):
    """Frozen ImageNet EfficientNet-Lite0. Input ``(N, 3, H, W)`` RGB in [0, 1]; output the features after
    each block of ``EFFICIENTNET_TAPS`` (strides 2 to 32)."""

    def __init__(self) -> None:
        super().__init__()
        self.network = EfficientNetLite0Features(3)
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_file(cls, path: Path) -> EfficientNetFeatures:
        """The network with the ImageNet weights of the EfficientNet-Lite0 state dict at ``path``."""
        try:
            stored = torch.load(path, map_location="cpu", weights_only=True)
            features = cls()
            features.network.load_pretrained(stored)
        except Exception as error:  # torch raises many types for bad bytes; KeyError for missing keys
            message = f"{path} is not a readable EfficientNet-Lite0 weights file: {error}"
            raise InvalidInputError(message) from None
        return features.eval()

    def train(self, mode: bool = True) -> EfficientNetFeatures:
        return super().train(False)  # batch statistics stay ImageNet's

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.network.block_outputs(x, EFFICIENTNET_TAPS)


class PerceptualLoss(nn.Module):
    """Mean over the feature taps (VGG-16's relu1_2, relu2_2 and relu3_3, or EfficientNet-Lite0's blocks) of
    the L1 distance between the two images' features; for EfficientNet-Lite0 each relative to the mean
    magnitude of the target's features at that tap."""

    def __init__(self, features: VGG16Features | EfficientNetFeatures) -> None:
        super().__init__()
        self.features = features

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        pairs = zip(self.features(prediction), self.features(target), strict=True)
        distances = [self._distance(predicted, wanted) for predicted, wanted in pairs]
        return torch.stack(distances).mean()

    def _distance(self, predicted: torch.Tensor, wanted: torch.Tensor) -> torch.Tensor:
        distance = F.l1_loss(predicted, wanted)
        if isinstance(self.features, EfficientNetFeatures):
            # Its blocks' magnitudes differ tenfold: each counts relative to the target's own.
            distance = distance / (wanted.abs().mean() + RELATIVE_EPS)
        return distance
