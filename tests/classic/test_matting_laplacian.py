"""The unknown pixels' closed-form equations equal pymatting's whole-image Laplacian, sliced."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from classic import matting_laplacian
from classic.matting_laplacian import band_system, quiet_ichol


def _photo_and_trimap(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random photo and a trimap with unknown pixels in blobs, on the frame's edge and corner too."""
    rng = np.random.default_rng(seed)
    height, width = 23, 31
    photo = rng.uniform(0.0, 1.0, (height, width, 3)).astype(np.float32)
    trimap = np.where(rng.uniform(size=(height, width)) < 0.5, 0.0, 1.0).astype(np.float32)
    trimap[5:12, 8:20] = 0.5
    trimap[0:3, 0:4] = 0.5
    trimap[-2:, -6:] = 0.5
    trimap[rng.uniform(size=(height, width)) < 0.1] = 0.5
    return photo, trimap


def _pymatting_system(photo: np.ndarray, trimap: np.ndarray, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    from pymatting import cf_laplacian

    unknown = (trimap == 0.5).ravel()
    laplacian = cf_laplacian(photo.astype(np.float64), epsilon=epsilon).tocsr()
    rows = laplacian[np.flatnonzero(unknown)]
    inner = rows[:, np.flatnonzero(unknown)]
    outer = -(rows[:, np.flatnonzero(~unknown)] @ trimap.ravel()[~unknown].astype(np.float64))
    return inner.toarray(), outer


@pytest.mark.parametrize(("seed", "epsilon"), [(0, 1e-7), (1, 1e-4)])
def test_the_band_system_is_pymattings_laplacian_sliced(seed: int, epsilon: float) -> None:
    photo, trimap = _photo_and_trimap(seed)
    system = band_system(photo, trimap, epsilon=epsilon)
    inner, outer = _pymatting_system(photo, trimap, epsilon)
    scale = np.abs(inner).max()
    np.testing.assert_allclose(system.inner.toarray(), inner, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(system.outer, outer, rtol=0, atol=1e-9 * scale)


def test_the_band_system_stores_pymattings_pattern() -> None:
    # Every unknown neighbour within two pixels is stored, a zero or not, as in pymatting's matrix: the
    # incomplete Cholesky factor depends on the pattern. (pymatting also stores its rows' out-of-frame
    # neighbours as zeros in column 0, the first pixel's: that pixel is known here.)
    photo, trimap = _photo_and_trimap(2)
    trimap[0, 0] = 1.0
    system = band_system(photo, trimap)
    from pymatting import cf_laplacian

    unknown = np.flatnonzero((trimap == 0.5).ravel())
    expected = cf_laplacian(photo.astype(np.float64)).tocsr()[unknown][:, unknown]
    assert system.inner.nnz == expected.nnz


def test_a_trimap_without_unknown_pixels_gives_an_empty_system() -> None:
    photo, trimap = _photo_and_trimap(3)
    system = band_system(photo, np.where(trimap == 0.5, 1.0, trimap).astype(np.float32))
    assert system.inner.shape == (0, 0) and system.outer.shape == (0,)


def test_the_preconditioner_reserves_storage_for_its_matrix_not_for_250_million_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pymatting

    image, trimap = _photo_and_trimap(0)
    matrix = band_system(image, trimap).inner
    asked: list[int] = []
    original = pymatting.ichol

    def spy(matrix: object, **options: Any) -> Any:
        asked.append(options["max_nnz"])
        return original(matrix, **options)

    monkeypatch.setattr(pymatting, "ichol", spy)
    vector = np.linspace(0.0, 1.0, matrix.shape[0])
    expected = original(matrix, discard_threshold=1e-3)(vector)
    np.testing.assert_allclose(quiet_ichol(matrix, 1e-3)(vector), expected)
    assert asked == [4 * matrix.nnz + matrix.shape[0]]
    # Storage that overflows grows fourfold and the factor is the same.
    monkeypatch.setattr(matting_laplacian, "_FILL", 0)
    asked.clear()
    np.testing.assert_allclose(quiet_ichol(matrix, 1e-3)(vector), expected)
    assert asked[0] == matrix.shape[0] and asked[1:] == [4 * value for value in asked[:-1]]
