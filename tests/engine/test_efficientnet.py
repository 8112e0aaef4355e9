"""EfficientNet-Lite0: "SAME" padding, feature strides, the ImageNet weights loaded strictly (skipped when
they are not installed; tests never download), and the pretrained stem widened for extra planes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from classic.resize import resize_to
from engine.nets.efficientnet import (
    FEATURE_CHANNELS,
    EfficientNetLite0,
    EfficientNetLite0Features,
    SameConv2d,
)
from engine.pretrained import find_pretrained

WEIGHTS = find_pretrained("efficientnet-lite0")
needs_weights = pytest.mark.skipif(
    WEIGHTS is None,
    reason="ImageNet EfficientNet-Lite0 not installed: python -m engine.pretrained efficientnet-lite0",
)
EGYPTIAN_CAT, ESPRESSO = 285, 967


def test_same_padding_puts_the_extra_pixel_right_and_bottom() -> None:
    conv = SameConv2d(1, 1, 3, stride=2)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 0, 0] = 1.0  # picks the top-left pixel of each window
    x = torch.arange(16.0).view(1, 1, 4, 4)
    # TensorFlow pads a 4-pixel side by 0 before and 1 after for a 3×3, stride-2 window.
    torch.testing.assert_close(conv(x), torch.tensor([[[[0.0, 2.0], [8.0, 10.0]]]]))


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_a_stride_one_same_convolution_pads_one_half_kernel_on_every_side(kernel: int) -> None:
    torch.manual_seed(0)
    conv = SameConv2d(2, 3, kernel)
    x = torch.rand(1, 2, 7, 10)
    half = kernel // 2
    expected = F.conv2d(F.pad(x, (half, half, half, half)), conv.weight)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), expected)


def test_features_have_the_five_strides() -> None:
    features = EfficientNetLite0Features(4).eval()
    with torch.no_grad():
        out = features(torch.rand(1, 4, 64, 96))
    assert [tuple(f.shape[1:]) for f in out] == [
        (c, 64 // s, 96 // s) for c, s in zip(FEATURE_CHANNELS, (2, 4, 8, 16, 32), strict=True)
    ]


def _centre_crop(image: np.ndarray) -> torch.Tensor:
    """As the ImageNet evaluation: short side to 256, centre 224² crop, (1, 3, 224, 224) in [0, 1]."""
    height, width = image.shape[:2]
    scale = 256 / min(height, width)
    image = resize_to(image, (round(width * scale), round(height * scale)))
    top, left = (image.shape[0] - 224) // 2, (image.shape[1] - 224) // 2
    return torch.from_numpy(
        np.ascontiguousarray(image[top : top + 224, left : left + 224].transpose(2, 0, 1))
    )[None]


@needs_weights
def test_the_imagenet_classifier_loads_strictly_and_knows_a_cat_from_coffee() -> None:
    from skimage import data

    assert WEIGHTS is not None
    model = EfficientNetLite0()
    model.load_state_dict(torch.load(WEIGHTS, weights_only=True), strict=True)
    model.eval()
    with torch.no_grad():
        for photo, expected in ((data.chelsea(), EGYPTIAN_CAT), (data.coffee(), ESPRESSO)):
            logits = model(_centre_crop(photo.astype(np.float32) / 255))
            assert int(logits.argmax()) == expected


@needs_weights
def test_extra_input_planes_start_silent() -> None:
    assert WEIGHTS is not None
    state = torch.load(WEIGHTS, weights_only=True)
    rgb, rgbm = EfficientNetLite0Features(3).eval(), EfficientNetLite0Features(4).eval()
    rgb.load_pretrained(state)
    rgbm.load_pretrained(state)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = rgb(x)[-1]
        # Whatever the mask plane holds, the pretrained features are unchanged until training moves them.
        found = rgbm(torch.cat([x, torch.rand(1, 1, 64, 64)], dim=1))[-1]
    torch.testing.assert_close(found, expected)
