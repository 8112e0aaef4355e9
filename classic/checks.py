"""Validation of the interchange types, with errors that say what was received."""

from __future__ import annotations

import numpy as np


class InvalidInputError(ValueError):
    """Raised when an input does not match the interchange types or is otherwise unusable."""


def _describe(array: object) -> str:
    if isinstance(array, np.ndarray):
        return f"array of shape {array.shape} and dtype {array.dtype}"
    return f"{type(array).__name__}"


def _check_float_range(name: str, array: np.ndarray) -> None:
    if array.dtype != np.float32:
        raise InvalidInputError(f"{name} must be float32, got {_describe(array)}")
    if array.size == 0:
        raise InvalidInputError(f"{name} is empty ({_describe(array)})")
    low, high = float(array.min()), float(array.max())
    if not (low >= 0.0 and high <= 1.0):
        raise InvalidInputError(f"{name} values must lie in [0, 1], got [{low:.4g}, {high:.4g}]")


def check_image(name: str, array: object) -> np.ndarray:
    """Check an RGB image: float32 (H, W, 3) in [0, 1]. Returns the array unchanged."""
    if not isinstance(array, np.ndarray) or array.ndim != 3 or array.shape[2] != 3:
        raise InvalidInputError(f"{name} must be an RGB image of shape (H, W, 3), got {_describe(array)}")
    _check_float_range(name, array)
    return array


def check_matte(name: str, array: object) -> np.ndarray:
    """Check a mask or alpha: float32 (H, W) in [0, 1]. Returns the array unchanged."""
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        raise InvalidInputError(f"{name} must be a single-channel (H, W) array, got {_describe(array)}")
    _check_float_range(name, array)
    return array


def check_trimap(name: str, array: object) -> np.ndarray:
    """Check a trimap: float32 (H, W) whose values are only 0, 0.5 and 1."""
    check_matte(name, array)
    assert isinstance(array, np.ndarray)
    bad = (array != 0.0) & (array != 0.5) & (array != 1.0)
    if bad.any():
        values = np.unique(array[bad])[:5]
        raise InvalidInputError(
            f"{name} must contain only 0 (background), 0.5 (unknown) and 1 (foreground); "
            f"found other values such as {', '.join(f'{v:.4g}' for v in values)}"
        )
    return array


def check_same_size(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise unless ``a`` and ``b`` have the same height and width."""
    if a.shape[:2] != b.shape[:2]:
        raise InvalidInputError(
            f"{name_a} is {a.shape[1]}x{a.shape[0]} but {name_b} is {b.shape[1]}x{b.shape[0]}; "
            "they must have the same size"
        )
