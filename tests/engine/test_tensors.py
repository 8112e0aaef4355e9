"""The array ↔ tensor boundary, on 4×3 arrays with exact values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from classic.checks import InvalidInputError
from engine.tensors import crop_to, image_to_tensor, pad_to_multiple, padded_size, tensor_to_image


def _rgb() -> np.ndarray:
    # 4 rows, 3 columns, 3 channels; every value distinct and exact in float32.
    return (np.arange(36, dtype=np.float32) / 64).reshape(4, 3, 3)


def test_rgb_round_trip_is_exact() -> None:
    image = _rgb()
    tensor = image_to_tensor(image)
    assert tensor.shape == (1, 3, 4, 3) and tensor.dtype == torch.float32
    assert tensor[0, 2, 3, 1].item() == image[3, 1, 2]  # channel-first, rows and columns kept
    back = tensor_to_image(tensor)
    assert back.dtype == np.float32 and back.shape == (4, 3, 3)
    np.testing.assert_array_equal(back, image)


def test_matte_round_trip_is_exact() -> None:
    matte = _rgb()[..., 0]
    tensor = image_to_tensor(matte, device="cpu")
    assert tensor.shape == (1, 1, 4, 3)
    back = tensor_to_image(tensor)
    assert back.shape == (4, 3) and back.dtype == np.float32
    np.testing.assert_array_equal(back, matte)
    np.testing.assert_array_equal(tensor_to_image(tensor[0]), matte)


def test_conversions_copy() -> None:
    image = _rgb()
    tensor = image_to_tensor(image)
    tensor += 1
    back = tensor_to_image(tensor)
    back += 1
    np.testing.assert_array_equal(image, _rgb())
    assert tensor[0, 0, 0, 0].item() == 1.0


def test_float64_becomes_float32_and_other_inputs_are_refused() -> None:
    assert image_to_tensor(_rgb().astype(np.float64)).dtype == torch.float32
    with pytest.raises(InvalidInputError, match="float array"):
        image_to_tensor((_rgb() * 255).astype(np.uint8))
    with pytest.raises(InvalidInputError, match=r"shape \(1, 4, 3, 3\)"):
        image_to_tensor(_rgb()[None])
    with pytest.raises(InvalidInputError, match="batch of one"):
        tensor_to_image(torch.zeros(2, 3, 4, 3))


def test_pad_and_crop_round_trip() -> None:
    tensor = image_to_tensor(_rgb())
    padded, size = pad_to_multiple(tensor, 4)
    assert padded.shape == (1, 3, 4, 4) and size == (4, 3)
    # The extra column repeats the last one.
    torch.testing.assert_close(padded[..., 3], tensor[..., 2], rtol=0, atol=0)
    assert torch.equal(crop_to(padded, size), tensor)
    same, size = pad_to_multiple(tensor, 1)
    assert same is tensor and size == (4, 3)


def test_pad_to_the_network_multiple() -> None:
    padded, size = pad_to_multiple(image_to_tensor(_rgb()))
    assert padded.shape == (1, 3, 32, 32) and size == (4, 3)
    np.testing.assert_array_equal(tensor_to_image(crop_to(padded, size)), _rgb())
    assert padded_size(70, 50) == (96, 64) and padded_size(64, 32) == (64, 32)


def test_bad_padding_and_cropping_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"\(N, C, H, W\)"):
        pad_to_multiple(torch.zeros(3, 4, 3))
    with pytest.raises(InvalidInputError, match="cannot crop"):
        crop_to(torch.zeros(1, 1, 4, 3), (5, 3))
