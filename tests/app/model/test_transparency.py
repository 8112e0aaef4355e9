"""A foreground whose alpha channel is a cut-out already gives that cut-out (colours decontaminated when
asked); other alpha channels do not."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.transparency import OWN_TRANSPARENCY, own_cutout
from classic.foreground import estimate_foreground
from classic.imageio import LoadedImage


def _photo(alpha: np.ndarray | None) -> LoadedImage:
    rng = np.random.default_rng(0)
    return LoadedImage(rng.random((6, 8, 3), dtype=np.float32), alpha, 8)


@pytest.mark.parametrize("decontaminate", [False, True])
def test_a_cut_out_gives_its_alpha_and_its_colours(decontaminate: bool) -> None:
    alpha = np.zeros((6, 8), np.float32)
    alpha[1:5, 2:6] = 1.0
    alpha[1:5, 6] = 0.4  # a soft edge
    photo = _photo(alpha)
    cutout = own_cutout(photo, decontaminate=decontaminate)
    assert cutout is not None and cutout.method == OWN_TRANSPARENCY
    colours = estimate_foreground(photo.rgb, alpha) if decontaminate else photo.rgb
    assert np.array_equal(cutout.alpha, alpha) and np.array_equal(cutout.foreground, colours)
    assert np.array_equal(cutout.mask, (alpha >= 0.5).astype(np.float32))
    assert set(np.unique(cutout.trimap).tolist()) == {0.0, 0.5, 1.0}
    assert np.array_equal(cutout.trimap == 0.5, (alpha > 0) & (alpha < 1))


@pytest.mark.parametrize("value", [None, 1.0, 0.0])
def test_no_alpha_an_opaque_one_or_an_empty_one_is_no_cut_out(value: float | None) -> None:
    alpha = None if value is None else np.full((6, 8), value, np.float32)
    assert own_cutout(_photo(alpha), decontaminate=True) is None
