"""The lasso's maths: a filled outline replacing, added to or subtracted from a mask."""

from __future__ import annotations

import numpy as np

from app.model.brush import EMPTY, Region
from app.model.selection import lasso_mask, lasso_region

SQUARE = [(10.0, 10.0), (29.0, 10.0), (29.0, 29.0), (10.0, 29.0)]


def test_the_outline_is_filled_inclusively() -> None:
    new = lasso_mask(np.zeros((40, 50), np.float32), SQUARE, "replace")
    assert new.dtype == np.float32 and new.sum() == 20 * 20
    assert new[10, 10] == 1.0 and new[29, 29] == 1.0 and new[9, 10] == 0.0 and new[30, 20] == 0.0


def test_replace_add_and_subtract() -> None:
    mask = np.zeros((40, 50), np.float32)
    mask[:, 25:] = 0.5
    replaced, added = lasso_mask(mask, SQUARE, "replace"), lasso_mask(mask, SQUARE, "add")
    subtracted = lasso_mask(mask, SQUARE, "subtract")
    assert replaced[5, 40] == 0.0 and added[5, 40] == 0.5 and added[20, 20] == 1.0
    assert subtracted[20, 27] == 0.0 and subtracted[5, 40] == 0.5 and subtracted[20, 20] == 0.0
    assert lasso_mask(mask, SQUARE[:2], "replace").sum() == 0.0  # Two points enclose nothing.


def test_the_changed_region() -> None:
    old = np.zeros((40, 50), np.float32)
    assert lasso_region(old, old) == EMPTY
    assert lasso_region(old, lasso_mask(old, SQUARE, "add")) == Region(10, 10, 30, 30)
