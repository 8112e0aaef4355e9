from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.matting import MATTING_METHODS, estimate_alpha
from classic.progress import Cancelled
from classic.tiles import TileGrid
from classic.trimap import trimap_from_mask
from tests.classic.synthetic import composed, soft_disc_alpha


def _problem(height: int = 60, width: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    alpha = soft_disc_alpha(height, width, radius=min(height, width) * 0.3, softness=5)
    image, _, _ = composed(alpha)
    trimap = trimap_from_mask((alpha >= 0.5).astype(np.float32), band=10)
    return image, trimap, alpha


def _sad(estimate: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    return float(np.abs(estimate - truth)[trimap == 0.5].sum())


# Error budgets per method: mean |α − α_gt| over the ~1,100 unknown pixels of this noisy problem
# (measured: closed-form 0.021, KNN 0.026, Bayesian 0.040).
@pytest.mark.parametrize(("method", "budget"), [("closed-form", 0.03), ("knn", 0.035), ("bayesian", 0.05)])
def test_recovers_alpha_of_a_synthetic_composite(method: str, budget: float) -> None:
    image, trimap, truth = _problem()
    alpha = estimate_alpha(image, trimap, method=method)
    assert alpha.shape == truth.shape and alpha.dtype == np.float32
    assert (alpha[trimap == 1.0] == 1.0).all() and (alpha[trimap == 0.0] == 0.0).all()
    assert _sad(alpha, truth, trimap) / (trimap == 0.5).sum() < budget


def test_closed_form_through_the_project_equals_pymatting() -> None:
    from pymatting import estimate_alpha_cf

    image, trimap, _ = _problem()
    direct = estimate_alpha_cf(image.astype(np.float64), trimap.astype(np.float64))
    np.testing.assert_allclose(estimate_alpha(image, trimap), direct, atol=1e-5)


def test_tiled_solution_matches_the_whole_image() -> None:
    image, trimap, truth = _problem(120, 160)
    whole = estimate_alpha(image, trimap)
    tiled_grid = TileGrid(tile=48, margin=16, max_direct_pixels=0)
    reports: list[float] = []
    tiled = estimate_alpha(image, trimap, grid=tiled_grid, progress=lambda f, _m: reports.append(f))
    assert len(reports) > 2 and reports[-1] == 1.0
    assert np.abs(tiled - whole).max() < 0.05
    assert _sad(tiled, truth, trimap) < 1.1 * _sad(whole, truth, trimap) + 1.0


def test_no_unknown_pixels_returns_the_trimap() -> None:
    trimap = np.zeros((8, 8), np.float32)
    trimap[2:6, 2:6] = 1.0
    np.testing.assert_array_equal(estimate_alpha(np.zeros((8, 8, 3), np.float32), trimap), trimap)


def test_errors_and_cancellation() -> None:
    image, trimap, _ = _problem()
    assert set(MATTING_METHODS) == {"closed-form", "knn", "bayesian"}
    with pytest.raises(InvalidInputError, match="unknown matting method"):
        estimate_alpha(image, trimap, method="magic")
    with pytest.raises(InvalidInputError, match="same size"):
        estimate_alpha(image, trimap[:-1])
    with pytest.raises(Cancelled):
        estimate_alpha(
            image, trimap, grid=TileGrid(tile=20, margin=8, max_direct_pixels=0), is_cancelled=lambda: True
        )


@pytest.mark.slow
def test_closed_form_on_a_dev_photo_is_as_accurate_as_pymatting(shared_data: Path) -> None:
    from pymatting import estimate_alpha_cf

    from classic.imageio import read_image, read_matte, read_trimap

    folder = shared_data / "matting-dev"
    image = read_image(folder / "image" / "GT01.png").rgb
    trimap = read_trimap(folder / "trimap" / "GT01.png")
    truth = read_matte(folder / "alpha" / "GT01.png")
    ours = _sad(estimate_alpha(image, trimap), truth, trimap)
    direct = _sad(estimate_alpha_cf(image.astype(np.float64), trimap.astype(np.float64)), truth, trimap)
    assert ours <= direct * 1.001 + 1e-3


@pytest.mark.parametrize("method", MATTING_METHODS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 300), (300, 1), (2, 400), (3, 3)])
def test_photos_one_or_two_pixels_thin_get_an_alpha(method: str, shape: tuple[int, int]) -> None:
    # The closed-form Laplacian has no 3 x 3 window in a 1-pixel-thin photo (its conjugate gradient
    # "did not converge"), and KNN matting wants 20 neighbours.
    rng = np.random.default_rng(0)
    image = rng.random((*shape, 3), dtype=np.float32)
    trimap = np.full(shape, 0.5, np.float32)
    trimap.flat[0], trimap.flat[-1] = 0.0, 1.0
    alpha = estimate_alpha(image, trimap, method=method)
    assert alpha.shape == shape and alpha.dtype == np.float32
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    if alpha.size > 1:
        assert alpha.flat[0] == 0.0 and alpha.flat[-1] == 1.0  # known pixels keep their value
