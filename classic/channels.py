"""Reductions over an image's colour channels (the last axis), written channel by channel.

numpy reduces a short last axis element by element: ``image.max(axis=2)`` on a 0.5 MP RGB image takes
about 20 ms where ``np.maximum`` over its three planes takes 1.3 ms, and the clean-plate path takes such
maxima and sums dozens of times per photo. Each function returns what the matching numpy reduction does.
"""

from __future__ import annotations

from functools import reduce

import numpy as np


def largest_channel(image: np.ndarray) -> np.ndarray:
    """``image.max(axis=-1)``."""
    return reduce(np.maximum, _planes(image))


def channel_dot(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``(first * second).sum(axis=-1)``: the dot product of each pixel's colours."""
    planes = zip(_planes(first), _planes(second), strict=True)
    return reduce(np.add, (a * b for a, b in planes))


def _planes(array: np.ndarray) -> list[np.ndarray]:
    if array.ndim < 1 or array.shape[-1] < 1:
        raise ValueError(f"expected an array with channels on its last axis, got shape {array.shape}")
    return [array[..., channel] for channel in range(array.shape[-1])]
