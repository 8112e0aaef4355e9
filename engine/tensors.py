"""The one boundary between the interchange arrays and torch tensors.

Arrays are ``float32`` ``(H, W)`` (mask, alpha, trimap) or ``(H, W, C)`` (RGB image) in [0, 1]; networks
take ``(1, C, H, W)`` tensors whose height and width are multiples of 32. ``pad_to_multiple`` pads the
bottom and right edges by repeating the last row and column (reflection fails on inputs smaller than the
padding), and ``crop_to`` removes that padding from a network's output, so any photo size works.
(After kornia's ``image/utils.py::image_to_tensor``.)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from classic.checks import InvalidInputError

NETWORK_MULTIPLE = 32


def _describe(array: object) -> str:
    if isinstance(array, np.ndarray | torch.Tensor):
        return f"{type(array).__name__} of shape {tuple(array.shape)} and dtype {array.dtype}"
    return type(array).__name__


def image_to_tensor(array: np.ndarray, device: torch.device | str | None = None) -> torch.Tensor:
    """A ``(1, C, H, W)`` float32 tensor (a copy) from a float array of shape ``(H, W)`` or ``(H, W, C)``.

    ``(H, W)`` arrays give one channel. Values are not rescaled, so integer arrays are refused rather than
    guessed at (is 255 white?).
    """
    if not isinstance(array, np.ndarray) or array.ndim not in (2, 3):
        raise InvalidInputError(f"expected an (H, W) or (H, W, C) array, got {_describe(array)}")
    if not np.issubdtype(array.dtype, np.floating):
        raise InvalidInputError(f"expected a float array with values in [0, 1], got {_describe(array)}")
    planes = array[:, :, None] if array.ndim == 2 else array
    chw = np.array(planes.transpose(2, 0, 1), dtype=np.float32, copy=True, order="C")
    return torch.from_numpy(chw).unsqueeze(0).to(device)


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    """A float32 ``(H, W)`` array (one channel) or ``(H, W, C)`` array from a ``(1, C, H, W)`` tensor.

    ``(C, H, W)`` tensors are accepted too. The result is a new array on the CPU, detached from autograd.
    """
    if not isinstance(tensor, torch.Tensor) or tensor.ndim not in (3, 4):
        raise InvalidInputError(f"expected a (1, C, H, W) or (C, H, W) tensor, got {_describe(tensor)}")
    if tensor.ndim == 4:
        if tensor.shape[0] != 1:
            raise InvalidInputError(f"expected a batch of one image, got {_describe(tensor)}")
        tensor = tensor[0]
    chw = tensor.detach().to("cpu", torch.float32).numpy()
    if chw.shape[0] == 1:
        return np.array(chw[0], dtype=np.float32, copy=True)
    return np.ascontiguousarray(chw.transpose(1, 2, 0), dtype=np.float32)


def padded_size(height: int, width: int, multiple: int = NETWORK_MULTIPLE) -> tuple[int, int]:
    """The smallest ``(height, width)`` at least as large as the given one and divisible by ``multiple``."""
    return -(-height // multiple) * multiple, -(-width // multiple) * multiple


def pad_to_multiple(
    tensor: torch.Tensor, multiple: int = NETWORK_MULTIPLE
) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad an ``(N, C, H, W)`` tensor at the bottom and right so H and W divide by ``multiple``.

    Returns the padded tensor and the original ``(H, W)``, for ``crop_to``. Padding repeats the edge rows
    and columns; an already divisible tensor is returned as is.
    """
    if tensor.ndim != 4:
        raise InvalidInputError(f"expected an (N, C, H, W) tensor, got {_describe(tensor)}")
    if multiple < 1:
        raise InvalidInputError(f"multiple must be a positive integer, got {multiple}")
    height, width = int(tensor.shape[-2]), int(tensor.shape[-1])
    if height == 0 or width == 0:
        raise InvalidInputError(f"cannot pad an empty tensor ({_describe(tensor)})")
    target_h, target_w = padded_size(height, width, multiple)
    if (target_h, target_w) == (height, width):
        return tensor, (height, width)
    padded = F.pad(tensor, (0, target_w - width, 0, target_h - height), mode="replicate")
    return padded, (height, width)


def crop_to(tensor: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The top-left ``size = (H, W)`` of an ``(..., H', W')`` tensor: undoes ``pad_to_multiple``."""
    height, width = size
    if tensor.ndim < 2 or tensor.shape[-2] < height or tensor.shape[-1] < width:
        raise InvalidInputError(f"cannot crop {_describe(tensor)} to height {height}, width {width}")
    return tensor[..., :height, :width]
