"""Closed-form matting's linear system for a trimap's unknown pixels alone (Levin, Lischinski, Weiss;
PAMI 2008).

Closed-form matting solves Lα = 0 with the known pixels fixed: only the unknown pixels' rows of the
matting Laplacian L enter, their block among themselves (``inner``) on the left, and what the known
pixels contribute (``outer``) on the right. pymatting's ``cf_laplacian`` builds the whole image's L, 25
stored entries for every pixel (12.5 million for 0.5 MP) even where it skips windows of known pixels;
allocating and first touching that memory took 0.08–0.6 s per call at 0.5 MP, more than the arithmetic,
and 400 bytes a pixel. ``band_system`` computes the same window terms (pymatting's formulas, window
radius 1, windows of known pixels alone skipped alike) into storage for the unknown rows only.
The numba kernel lives in ``classic._laplacian_kernel``, imported on first use (it compiles once and is
cached, as pymatting's are). ``quiet_ichol`` is the preconditioner both solvers of these equations use.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from classic.checks import check_image, check_same_size, check_trimap

DEFAULT_EPSILON = 1e-7  # the windows' colour-covariance regularisation, pymatting's default
_REACH = 2  # a pixel's row reaches pixels up to 2 away (two overlapping 3 × 3 windows)
_FILL = 4  # the incomplete Cholesky factor's first storage, in entries per entry of the matrix
_MAX_NNZ = 250_000_000  # pymatting's own storage for the factor (its default max_nnz)


@dataclass(frozen=True)
class BandSystem:
    """Closed-form matting's equations for a trimap's unknown pixels (in raster order): ``inner`` the
    Laplacian's block among them (CSR; symmetric, so pymatting's ``ichol`` takes it as it is),
    ``outer`` the right-hand side the known pixels contribute, so that ``inner @ α_unknown = outer``."""

    inner: sp.csr_matrix
    outer: np.ndarray


def band_system(image: np.ndarray, trimap: np.ndarray, *, epsilon: float = DEFAULT_EPSILON) -> BandSystem:
    """The closed-form equations of ``trimap``'s unknown pixels (trimap == 0.5) for ``image`` (H, W, 3).

    Equal, to rounding, to slicing pymatting's ``cf_laplacian(image, epsilon)``: its unknown rows and
    columns, and minus its unknown rows' known columns times the known pixels' trimap values.
    """
    from classic._laplacian_kernel import accumulate_band, compress_rows

    check_image("image", image)
    check_trimap("trimap", trimap)
    check_same_size("image", image, "trimap", trimap)
    band = trimap == 0.5
    height, width = band.shape
    count = int(band.sum())
    index = np.full((height, width), -1, np.int64)
    index[band] = np.arange(count)
    side = 2 * _REACH + 1
    values = np.zeros((count, side, side))  # row i's entry for its neighbour at (dy, dx) − _REACH
    outer = np.zeros(count)
    accumulate_band(
        np.ascontiguousarray(image, np.float64),
        float(epsilon),
        index,
        trimap.astype(np.float64),
        values,
        outer,
    )
    indptr, indices, data = compress_rows(index, values)
    return BandSystem(sp.csr_matrix((data, indices, indptr), shape=(count, count)), outer)


def quiet_ichol(matrix: sp.csr_matrix | sp.csc_matrix, discard_threshold: float) -> Any:
    """pymatting's incomplete-Cholesky preconditioner for ``matrix``, without its chatter: it prints a
    "PERFORMANCE WARNING" to stdout whenever it retries with a larger diagonal shift (common on tiles
    that are mostly known pixels), which is the intended behaviour and no news for the command line.

    pymatting sizes the factor's storage for 250 million entries whatever the matrix: 4 GB of address
    space reserved by every solve, which broke a 6 GiB address-space limit on a 2 × 4000 photo. The
    storage here starts at ``_FILL`` × the matrix's entries (the factor held 1.35–1.85 × on matting-dev
    at a drop threshold of 1e-3) and grows fourfold, up to pymatting's own size, only if that overflows.
    """
    from pymatting import ichol

    budget = _FILL * matrix.nnz + matrix.shape[0]
    while True:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return ichol(matrix, discard_threshold=discard_threshold, max_nnz=min(budget, _MAX_NNZ))
        except ValueError as error:
            if "max_nnz" not in str(error) or budget >= _MAX_NNZ:
                raise
            budget *= 4
