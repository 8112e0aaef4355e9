"""Alpha matting from a trimap: closed-form (its equations from ``classic.matting_laplacian``, solved with
pymatting's preconditioned conjugate gradient) and KNN through pymatting, Bayesian implemented here.

Every method is solved only around the trimap's unknown pixels (see ``classic.tiles``): a small photo
is cropped to the unknown band's bounding box plus context, a large one is solved in overlapping tiles,
so memory stays bounded on a 24 MP photo. Known pixels keep their trimap value. pymatting compiles its
numba kernels on first import, so it is imported only when a matting method runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from classic.checks import InvalidInputError, check_image, check_same_size, check_trimap
from classic.matting_laplacian import DEFAULT_EPSILON, band_system, quiet_ichol
from classic.progress import CancelCallback, ProgressCallback, never_cancelled, no_progress
from classic.tiles import TileGrid, solve_in_tiles

MATTING_METHODS = ("closed-form", "knn", "bayesian")
# pymatting's KNN matting keeps about 3 kB of neighbour lists per pixel it solves, so it gets smaller
# tiles than closed-form (whose Laplacian only covers windows that touch unknown pixels).
# The smallest side a solver is given: thinner windows are padded (see ``_guarded``).
MIN_SIDE = 5
# The closed-form Laplacian's regularisation when its default (1e-7) leaves a system CG cannot solve.
FALLBACK_EPSILON = 1e-4
# Closed-form's solve: pymatting's defaults are a relative residual of 1e-7 and a drop threshold of 1e-4.
# On matting-dev, 1e-5 and 1e-3 give SAD 4.965 / MSE 0.01727 against 4.969 / 0.01740 in two thirds of
# the time (8.7-8.9 s against 13.2-13.3 s for the eight photos, interleaved); the alphas differ by
# about 1e-3, a quarter of an 8-bit step.
_TOLERANCE = 1e-5
_DISCARD = 1e-3
_GRIDS = {"knn": TileGrid(tile=640, margin=64, max_direct_pixels=600_000)}

Solver = Callable[[np.ndarray, np.ndarray], np.ndarray]


def estimate_alpha(
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    method: str = "closed-form",
    grid: TileGrid | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Alpha (H, W) float32 in [0, 1] for an RGB image (H, W, 3) and a trimap (H, W) of 0 / 0.5 / 1.

    ``method`` is one of ``MATTING_METHODS``; ``grid`` overrides the method's tile layout.
    """
    check_image("image", image)
    check_trimap("trimap", trimap)
    check_same_size("image", image, "trimap", trimap)
    solver = _solver(method)
    alpha = trimap.copy()
    unknown = trimap == 0.5

    def solve(window: tuple[slice, slice]) -> np.ndarray:
        return solver(image[window], trimap[window])

    solve_in_tiles(
        unknown,
        solve,
        alpha,
        grid=grid or _GRIDS.get(method, TileGrid()),
        progress=progress,
        is_cancelled=is_cancelled,
    )
    return np.clip(alpha, 0.0, 1.0)


def _solver(method: str) -> Solver:
    solvers: dict[str, Solver] = {
        "closed-form": _closed_form,
        "knn": _knn,
        "bayesian": _bayesian,
    }
    if method not in solvers:
        raise InvalidInputError(
            f"unknown matting method {method!r}; choose one of {', '.join(MATTING_METHODS)}"
        )
    return solvers[method]


def _single_kind_known(trimap: np.ndarray) -> float | None:
    # A window with known pixels of a single kind has a constant solution; the solvers would divide by
    # zero or refuse it, so answer directly.
    has_foreground = bool((trimap == 1.0).any())
    has_background = bool((trimap == 0.0).any())
    if has_foreground and has_background:
        return None
    return 1.0 if has_foreground else 0.0


def _guarded(solve: Solver) -> Solver:
    def guarded(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        constant = _single_kind_known(trimap)
        if constant is not None:
            return np.full(trimap.shape, constant, np.float32)
        height, width = trimap.shape
        if min(height, width) < MIN_SIDE:
            # A 1- or 2-pixel-thin photo has no 3 × 3 window for the matting Laplacian, and KNN matting
            # wants 20 neighbours: repeat the last row or column, which adds no new colour, then crop.
            padding = ((0, max(0, MIN_SIDE - height)), (0, max(0, MIN_SIDE - width)))
            image = np.pad(image, (*padding, (0, 0)), mode="edge")
            trimap = np.pad(trimap, padding, mode="edge")
        try:
            alpha = solve(image, trimap)
        except ValueError as error:  # pymatting's conjugate gradient gives up on a degenerate system.
            raise InvalidInputError(f"matting could not find an alpha for this photo ({error})") from None
        return np.ascontiguousarray(alpha[:height, :width], np.float32)

    return guarded


@_guarded
def _closed_form(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    try:
        return _solve_closed_form(image, trimap, DEFAULT_EPSILON)
    except ValueError:
        # The conjugate gradient gave up: the system is nearly singular (a photo a pixel or two thin, or
        # noise-like colours with few known pixels). A larger ε regularises every window's colour
        # covariance; the alpha comes out a little smoother, which beats no alpha.
        return _solve_closed_form(image, trimap, FALLBACK_EPSILON)


def _solve_closed_form(image: np.ndarray, trimap: np.ndarray, epsilon: float) -> np.ndarray:
    """pymatting's ``estimate_alpha_cf`` (the same equations, its incomplete-Cholesky preconditioner and
    conjugate gradient), on the unknown pixels' equations alone (``classic.matting_laplacian``) rather
    than the whole Laplacian, to ``_TOLERANCE`` with a factor of drop threshold ``_DISCARD``."""
    from pymatting import cg

    system = band_system(image, trimap, epsilon=epsilon)
    alpha = trimap.astype(np.float64)
    alpha[trimap == 0.5] = cg(
        system.inner, system.outer, M=quiet_ichol(system.inner, _DISCARD), rtol=_TOLERANCE
    )
    return np.clip(alpha, 0.0, 1.0)


@_guarded
def _knn(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    from pymatting import estimate_alpha_knn

    return estimate_alpha_knn(image.astype(np.float64), trimap.astype(np.float64))


@_guarded
def _bayesian(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    from classic.bayesian import estimate_alpha_bayesian

    return estimate_alpha_bayesian(image, trimap)
