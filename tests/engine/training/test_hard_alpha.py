"""Procedural hard alpha on small arrays: ranges, where alpha is added, and what is preserved."""

from __future__ import annotations

import numpy as np
import pytest

from engine.training.hard_alpha import (
    add_motion_blur,
    add_semi_transparency,
    add_strands,
    apply_hard_alpha,
    line_kernel,
)
from tests.engine.training.conftest import soft_ellipse

RED = (0.9, 0.1, 0.1)


def subject(size: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """A red soft-edged ellipse; F outside it is black (as if unknown)."""
    alpha = soft_ellipse(size, size, (26.0, 30.0), softness=2.0)
    foreground = np.zeros((size, size, 3), np.float32)
    foreground[alpha > 0] = RED
    return foreground, alpha


def assert_valid(foreground: np.ndarray, alpha: np.ndarray) -> None:
    assert foreground.dtype == np.float32 and alpha.dtype == np.float32
    assert foreground.shape == (*alpha.shape, 3)
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    assert foreground.min() >= 0.0 and foreground.max() <= 1.0


def test_strands_add_fractional_alpha_outside_the_subject() -> None:
    foreground, alpha = subject()
    new_fg, new_alpha = add_strands(foreground, alpha, np.random.default_rng(0), density=0.3)
    assert_valid(new_fg, new_alpha)
    added = (alpha == 0) & (new_alpha > 0)
    assert added.sum() > 100
    # Thin strands cover pixels partly: most new pixels are fractional.
    assert np.mean(new_alpha[added] < 1.0) > 0.9
    # Strands pass behind the subject: alpha never decreases.
    assert np.all(new_alpha >= alpha - 1e-6)


def test_strands_take_the_subject_colour() -> None:
    foreground, alpha = subject()
    new_fg, new_alpha = add_strands(foreground, alpha, np.random.default_rng(1), density=0.3)
    strand_pixels = (alpha == 0) & (new_alpha > 0.05)
    colours = new_fg[strand_pixels]
    # Tinted red (0.75–1.15 × the root colour), never the black F had outside the subject.
    assert colours[:, 0].min() > 0.5
    assert colours[:, 1:].max() < 0.2


def test_semi_transparency_lowers_alpha_inside_only() -> None:
    foreground, alpha = subject()
    new_fg, new_alpha = add_semi_transparency(foreground, alpha, np.random.default_rng(2))
    assert_valid(new_fg, new_alpha)
    assert np.all(new_alpha <= alpha + 1e-6)
    assert np.all(new_alpha[alpha == 0] == 0)
    # Part of the opaque subject becomes a veil.
    opaque = alpha == 1
    assert np.mean(new_alpha[opaque] < 0.95) > 0.1
    np.testing.assert_array_equal(new_fg, foreground)


def test_motion_blur_keeps_total_alpha_and_spreads_it() -> None:
    foreground, alpha = subject()
    new_fg, new_alpha = add_motion_blur(foreground, alpha, np.random.default_rng(3), length=9)
    assert_valid(new_fg, new_alpha)
    assert new_alpha.sum() == pytest.approx(alpha.sum(), rel=0.01)
    fractional = lambda a: np.count_nonzero((a > 0) & (a < 1))  # noqa: E731
    assert fractional(new_alpha) > 1.5 * fractional(alpha)
    # The smeared fringe keeps the subject's colour (the blur is premultiplied).
    fringe = (alpha == 0) & (new_alpha > 0.05)
    np.testing.assert_allclose(new_fg[fringe], np.broadcast_to(RED, new_fg[fringe].shape), atol=1e-3)


def test_line_kernel_is_normalised_and_centred() -> None:
    for angle in (0.0, 0.7, np.pi / 2):
        kernel = line_kernel(7, angle)
        assert kernel.shape == (7, 7)
        assert kernel.sum() == pytest.approx(1.0)
        rows, cols = np.mgrid[0:7, 0:7]
        assert (kernel * rows).sum() == pytest.approx(3.0, abs=0.05)
        assert (kernel * cols).sum() == pytest.approx(3.0, abs=0.05)


def test_apply_hard_alpha_is_valid_and_deterministic() -> None:
    foreground, alpha = subject()
    for seed in range(6):
        first = apply_hard_alpha(foreground, alpha, np.random.default_rng(seed))
        again = apply_hard_alpha(foreground, alpha, np.random.default_rng(seed))
        assert_valid(*first)
        np.testing.assert_array_equal(first[1], again[1])
        assert not np.array_equal(first[1], alpha)


def test_a_matte_without_subject_is_left_alone() -> None:
    empty = np.zeros((32, 32), np.float32)
    colour = np.zeros((32, 32, 3), np.float32)
    _new_fg, new_alpha = add_strands(colour, empty, np.random.default_rng(0))
    np.testing.assert_array_equal(new_alpha, empty)
    _, veiled = add_semi_transparency(colour, empty, np.random.default_rng(0))
    np.testing.assert_array_equal(veiled, empty)
