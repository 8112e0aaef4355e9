"""GrabCut's colour models: likelihoods from OpenCV's model layout, and whether two models differ."""

from __future__ import annotations

import numpy as np

from classic.colour_models import log_likelihood, models_separate


def _model(weights: list[float], means: list[list[float]], variance: float = 4.0) -> np.ndarray:
    """An OpenCV GMM row: 5 weights, 5 means, 5 covariances (isotropic here)."""
    padded_weights = np.zeros(5)
    padded_weights[: len(weights)] = weights
    padded_means = np.zeros((5, 3))
    padded_means[: len(means)] = means
    covariances = np.tile((np.eye(3) * variance).ravel(), 5)
    return np.concatenate([padded_weights, padded_means.ravel(), covariances])[None, :]


def test_log_likelihood_of_one_component_is_the_gaussian_log_density() -> None:
    model = _model([1.0], [[10.0, 20.0, 30.0]], variance=4.0)
    colours = np.array([[10.0, 20.0, 30.0], [12.0, 20.0, 30.0]])
    # log N(x) + 1.5 log 2π = −0.5 log det Σ − 0.5 (x−μ)ᵀ Σ⁻¹ (x−μ), with det Σ = 4³.
    expected = -0.5 * np.log(64.0) - 0.5 * np.array([0.0, 4.0 / 4.0])
    np.testing.assert_allclose(log_likelihood(model, colours), expected, atol=1e-12)


def test_two_components_add_up() -> None:
    model = _model([0.25, 0.75], [[0.0, 0.0, 0.0], [100.0, 0.0, 0.0]])
    single = _model([1.0], [[0.0, 0.0, 0.0]])
    colour = np.zeros((1, 3))  # the far component adds nothing measurable here
    np.testing.assert_allclose(log_likelihood(model, colour), log_likelihood(single, colour) + np.log(0.25))


def test_the_same_model_twice_gives_no_evidence_and_distinct_ones_do() -> None:
    rng = np.random.default_rng(0)
    colours = np.concatenate([rng.normal(40, 2, (500, 3)), rng.normal(200, 2, (500, 3))])
    dark, light = _model([1.0], [[40.0] * 3]), _model([1.0], [[200.0] * 3])
    assert models_separate(colours, dark, light)
    assert not models_separate(colours, dark, dark.copy())
    assert not models_separate(np.zeros((0, 3)), dark, light)
