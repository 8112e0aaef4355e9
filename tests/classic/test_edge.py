from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.edge import shift_edge, smooth_edge


def _square() -> np.ndarray:
    alpha = np.zeros((20, 20), np.float32)
    alpha[6:14, 6:14] = 1.0  # 8 x 8 = 64 pixels
    return alpha


def test_shift_edge_expands_and_contracts_by_whole_pixels() -> None:
    alpha = _square()
    grown = shift_edge(alpha, 1)
    shrunk = shift_edge(alpha, -1)
    # A 3x3 disc (a plus sign) grows the square by one pixel on each side, without the corners.
    assert grown.sum() == 10 * 10 - 4
    assert shrunk.sum() == 6 * 6
    assert grown.dtype == np.float32 and shrunk.dtype == np.float32


def test_shift_edge_zero_is_a_copy_and_soft_values_survive() -> None:
    alpha = _square() * 0.5
    same = shift_edge(alpha, 0.2)
    assert same is not alpha and np.array_equal(same, alpha)
    assert set(np.unique(shift_edge(alpha, 2))) == {0.0, 0.5}


def test_smooth_edge_keeps_mass_and_range() -> None:
    alpha = _square()
    smooth = smooth_edge(alpha, 1.0)
    assert smooth.min() >= 0.0 and smooth.max() <= 1.0
    assert abs(smooth.sum() - alpha.sum()) < 0.5
    assert 0.0 < smooth[5, 10] < 1.0


def test_edge_functions_reject_bad_input() -> None:
    with pytest.raises(InvalidInputError):
        shift_edge(np.zeros((4, 4, 3), np.float32), 1)
    with pytest.raises(InvalidInputError):
        smooth_edge(_square(), -1.0)
