from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.compositing import COMPOSITING_METHODS, composite
from classic.placement import Placement, default_placement, place
from tests.classic.synthetic import disc_mask, soft_disc_alpha, textured

RED, BLUE = (0.9, 0.1, 0.1), (0.1, 0.2, 0.8)


def _inputs(height: int = 60, width: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    foreground = np.full((height, width, 3), RED, np.float32)
    background = np.full((height, width, 3), BLUE, np.float32)
    return foreground, soft_disc_alpha(height, width, radius=18, softness=4), background


@pytest.mark.parametrize("method", COMPOSITING_METHODS)
def test_every_method_puts_the_subject_inside_and_keeps_the_background_outside(method: str) -> None:
    foreground, alpha, background = _inputs()
    result = composite(foreground, alpha, background, method=method)
    assert result.shape == background.shape and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() <= 1.0
    centre, corner = result[30, 40], result[2, 2]
    if method == "poisson":  # gradient-domain: the flat red subject takes the background's colour
        np.testing.assert_allclose(corner, BLUE, atol=0.01)
        return
    np.testing.assert_allclose(centre, RED, atol=0.01)
    np.testing.assert_allclose(corner, BLUE, atol=0.01)


def test_alpha_blend_is_exact_and_copy_is_binary() -> None:
    foreground, alpha, background = _inputs()
    blended = composite(foreground, alpha, background, method="alpha")
    expected = alpha[:, :, None] * foreground + (1 - alpha[:, :, None]) * background
    np.testing.assert_allclose(blended, expected, atol=1e-6)
    copied = composite(foreground, alpha, background, method="copy")
    is_red = np.isclose(copied, RED).all(axis=2)
    np.testing.assert_array_equal(is_red, alpha >= 0.5)


def test_feathering_softens_the_edge_by_its_radius() -> None:
    foreground, _, background = _inputs()
    hard = disc_mask(60, 80, radius=18)
    narrow = composite(foreground, hard, background, method="feather", feather_radius=1)
    wide = composite(foreground, hard, background, method="feather", feather_radius=6)

    def mixed(image: np.ndarray) -> int:
        return int(((image[:, :, 0] > 0.15) & (image[:, :, 0] < 0.85)).sum())

    assert mixed(wide) > 2 * mixed(narrow) > 0


def test_laplacian_pyramid_blends_textures_smoothly() -> None:
    foreground = textured(64, 64, RED, seed=1)
    background = textured(64, 64, BLUE, seed=2)
    hard = np.zeros((64, 64), np.float32)
    hard[:, :32] = 1.0
    result = composite(foreground, hard, background, method="laplacian")
    np.testing.assert_allclose(result[:, :20].mean(axis=(0, 1)), RED, atol=0.02)
    np.testing.assert_allclose(result[:, 44:].mean(axis=(0, 1)), BLUE, atol=0.02)
    column_means = result[:, :, 0].mean(axis=0)
    assert np.abs(np.diff(column_means)).max() < 0.4  # the seam is spread over several columns


def test_laplacian_far_from_the_subject_equals_the_background() -> None:
    foreground = textured(256, 256, RED, seed=1)
    background = textured(256, 256, BLUE, seed=2)
    alpha = np.zeros((256, 256), np.float32)
    alpha[10:30, 10:30] = 1.0
    result = composite(foreground, alpha, background, method="laplacian")
    np.testing.assert_allclose(result[200:, 200:], background[200:, 200:], atol=1e-5)


def test_placement_moves_scales_rotates_and_flips() -> None:
    subject = np.zeros((20, 20), np.float32)
    subject[2:6, 2:6] = 1.0  # a square in the top-left corner
    moved = place(subject, Placement(x=30, y=10), (50, 60))
    assert moved.shape == (50, 60) and moved[12:16, 32:36].min() > 0.99
    flipped = place(subject, Placement(flip=True), (20, 20))
    assert flipped[2:6, 14:18].min() > 0.99
    half = place(subject, Placement(scale=0.5), (20, 20))
    assert abs(half.sum() - subject.sum() / 4) < 1.0
    quarter_turn = place(subject, Placement(rotation=90), (20, 20))
    assert quarter_turn[14:18, 2:6].mean() > 0.9  # counter-clockwise: top-left goes to bottom-left


def test_default_placement() -> None:
    assert default_placement((40, 60, 3), (40, 60, 3)) == Placement()
    centred = default_placement((20, 30, 3), (40, 60, 3))
    assert (centred.x, centred.y, centred.scale) == (15.0, 10.0, 1.0)
    shrunk = default_placement((200, 100, 3), (50, 100, 3))
    assert shrunk.scale == 0.25 and (shrunk.x, shrunk.y) == (37.5, 0.0)


def _cut_subject(height: int, width: int, rows: slice, cols: slice) -> np.ndarray:
    alpha = np.zeros((height, width), np.float32)
    alpha[rows, cols] = 1.0
    return alpha


def test_default_placement_keeps_a_subject_the_frame_cuts_on_that_edge() -> None:
    # A 20×30 photo on a 40×60 background: 20 px to spare across, 30 along.
    standing = _cut_subject(20, 30, slice(5, 20), slice(10, 20))  # Cut by the bottom edge only.
    assert default_placement((20, 30), (40, 60), standing) == Placement(x=15.0, y=20.0)
    at_left = _cut_subject(20, 30, slice(5, 15), slice(0, 10))
    assert default_placement((20, 30), (40, 60), at_left) == Placement(x=0.0, y=10.0)
    hanging = _cut_subject(20, 30, slice(0, 10), slice(25, 30))  # The top and right edges.
    assert default_placement((20, 30), (40, 60), hanging) == Placement(x=30.0, y=0.0)
    # Cut by both edges of an axis, by none, or grazed by a strand: centred, as without an alpha.
    tall = _cut_subject(20, 30, slice(0, 20), slice(10, 20))
    floating = _cut_subject(20, 30, slice(5, 15), slice(10, 20))
    for alpha in (tall, floating):
        assert default_placement((20, 30), (40, 60), alpha) == Placement(x=15.0, y=10.0)
    strand = _cut_subject(20, 100, slice(5, 20), slice(50, 51))  # 1 % of the bottom row.
    assert default_placement((20, 100), (40, 200), strand) == Placement(x=50.0, y=10.0)
    # Scaled down to fit, the cut edge still lands on the background's edge.
    shrunk = default_placement((200, 100), (50, 100), _cut_subject(200, 100, slice(50, 200), slice(30, 70)))
    assert shrunk.scale == 0.25 and (shrunk.x, shrunk.y) == (37.5, 0.0)
    wide = default_placement((50, 200), (100, 100), _cut_subject(50, 200, slice(10, 50), slice(80, 120)))
    assert wide.scale == 0.5 and (wide.x, wide.y) == (0.0, 75.0)
    # Same-size photos keep the subject where it is; an alpha of another size is refused.
    assert default_placement((20, 30), (20, 30), standing) == Placement()
    with pytest.raises(InvalidInputError, match="foreground photo's size"):
        default_placement((20, 31), (40, 60), standing)


def test_composite_stands_a_cut_subject_on_the_background_edge() -> None:
    foreground = np.full((20, 30, 3), RED, np.float32)
    background = np.full((40, 60, 3), BLUE, np.float32)
    result = composite(foreground, _cut_subject(20, 30, slice(5, 20), slice(10, 20)), background)
    np.testing.assert_allclose(result[39, 30], RED, atol=1e-6)  # Its feet on the bottom row.
    np.testing.assert_allclose(result[24, 30], BLUE, atol=1e-6)  # Nothing above its head.


def test_different_sizes_give_the_background_size() -> None:
    foreground, alpha, _ = _inputs(30, 40)
    background = np.full((90, 120, 3), BLUE, np.float32)
    result = composite(foreground, alpha, background, method="alpha")
    assert result.shape == (90, 120, 3)
    np.testing.assert_allclose(result[45, 60], RED, atol=0.02)


def test_bad_inputs_raise() -> None:
    foreground, alpha, background = _inputs()
    with pytest.raises(InvalidInputError, match="unknown compositing method"):
        composite(foreground, alpha, background, method="glue")
    with pytest.raises(InvalidInputError, match="same size"):
        composite(foreground, alpha[:10], background)
    with pytest.raises(InvalidInputError, match="scale"):
        Placement(scale=0)
