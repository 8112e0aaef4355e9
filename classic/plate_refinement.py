"""Closed-form matting that knows the background: the clean plate as a data term.

Closed-form matting (Levin, Lischinski, Weiss; PAMI 2008) finds the alpha inside a trimap's unknown
band from the matting Laplacian L alone: within every small window the subject's and the background's
colours lie on lines, so α is locally an affine function of the colour. Where the two colours are alike,
or the window holds more than two of them, that model leaves α ambiguous. A clean plate removes most of
the ambiguity: with the background B known at each pixel, the compositing equation I = αF + (1 − α)B
gives, for a foreground colour F,

    α̂ = (I − B)·(F − B) / ‖F − B‖²,

a per-pixel estimate that is reliable where ‖F − B‖ is large (a hair strand against the sky) and
worthless where it is small (the subject the colour of its background). As Levin et al. suggest for
extra constraints, the estimate enters as a data term weighted by that reliability,

    min  αᵀLα + Σ κ‖F − B‖² (α − α̂)²   over the unknown pixels, the known ones fixed,

and F comes from the current alpha (``classic.foreground``), alternating a few times, as Bayesian
matting alternates α and the colours (Chuang et al. 2001). Only the unknown pixels are unknowns of the
linear system (L's rows for them, the known ones moved to the right-hand side), solved by conjugate
gradients with an incomplete-Cholesky preconditioner (pymatting's). The preconditioner is factored once,
from the first round's system, and serves every round: only the data term's diagonal changes between
rounds, and refactoring cost three times what the extra CG iterations do (on a dev photo with 140,000
unknowns: 4.7 s for the refinement with a factor per round, 1.7 s with one, the alphas equal to 1e-4).

The refinement solves twice. A trimap drawn before the solve cannot know where the alpha will settle:
its band is wider than needed around a solid edge, and its sure background or foreground cuts through
a strand the first alpha missed. So a first, loose solve is followed by a second one in the band of what
it left fractional (``settled_trimap``): the pixels it settled at 0 or 1 hold the solution in place, and
the band grows past the first one's edge where the alpha there was still fractional.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import scipy.sparse as sp

from classic.channels import channel_dot, largest_channel
from classic.checks import check_image, check_matte, check_same_size, check_trimap
from classic.foreground import estimate_foreground
from classic.matting_laplacian import band_system, quiet_ichol
from classic.progress import CancelCallback, never_cancelled, raise_if_cancelled
from classic.tiles import bounding_box

PLATE_WEIGHT = 0.3  # κ: the data term against the Laplacian (chosen on the training composites' scale)
ITERATIONS = 3  # on the clean-plate dev set: SAD 5.10 with 2, 4.73 with 3, 4.66 with 4 (no trimap)
# The first of the two solves (``settle``) only finds the settled pixels: two loose rounds give SAD 3.678
# on the clean-plate dev set (no trimap) against 3.671 for three to the final tolerance, in 23 % less time.
SETTLE_ITERATIONS = 2
_AGREE = 0.04  # |photo − plate| below which a pixel the first alpha calls background is sure of it
# The subject's body (``plate_trimap``): at least _DEEP band radii inside the first alpha's 0.5 edge and
# differing from the plate by _UNLIKE or more. On the clean-plate dev set (no trimap): SAD 4.705 against
# 4.697 without the rule (4.82 / 4.74 / 4.70 with 4 / 5 / 8 radii; gradient 2.26 against 2.25), SAD over
# the whole photo 11.02 against 12.24, solid pixels (true α ≥ 0.99) left below 0.9: 7.3 % against 8.6 %,
# and 14 % less time per photo (old and new interleaved: 2.42 → 2.09 s, 2.19 → 1.86 s).
_DEEP = 6
_UNLIKE = 0.1
_MIN_CONTRAST = 1e-4  # ‖F − B‖² below which the estimate α̂ is left out (weight ~0 there anyway)
# The incomplete Cholesky factor's drop threshold (pymatting's default 1e-4): the sparser factor of 1e-2
# takes more CG iterations but is built and applied faster; the alphas are within 2e-3 of 1e-3's and the
# dev set's errors the same, the refinement 10-20 % faster.
_DISCARD = 1e-2
_CONTEXT = 2  # pixels around the unknown band whose Laplacian rows the band's own rows need (3×3 windows)
_TOLERANCE = 1e-5  # CG's relative residual: alphas within 1e-3 of a 1e-7 solve, a third fewer iterations
# The rounds before the last only feed the next foreground estimate: solved this loosely, the clean-plate
# dev set's SAD is 4.697 against 4.690 (no trimap) and 3.284 against 3.273 (true trimap), and a photo
# takes 11-28 % less time, old and new code interleaved (GT03, 290,000 unknowns: CG 2.0 s against 3.3 s).
_EARLY_TOLERANCE = 1e-3
# ``settled_trimap``: a solved α within _SETTLED of 0 or 1 is settled; the pixels within _MARGIN of the
# long side of an unsettled one stay open. Grid on the clean-plate dev set (no trimap, second solve of
# three rounds; 4.22 with none): margins of 0 / 0.25 / 0.5 / 0.75 % give SAD 4.02 / 3.73 / 3.67 / 3.66;
# _SETTLED 0.01 gives 3.66, and 0.05 with the 0.25 % margin 3.75 against 3.73. With the second band held
# inside the first, 4.07: most of the gain is the band growing past the first one's edge.
_SETTLED = 0.02
_MARGIN = 0.005


def refine_with_plate(
    image: np.ndarray,
    background: np.ndarray,
    trimap: np.ndarray,
    alpha: np.ndarray,
    *,
    weight: float = PLATE_WEIGHT,
    iterations: int = ITERATIONS,
    settle: bool = True,
    reopen: bool = False,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Alpha (H, W) float32 in [0, 1]: closed-form matting in ``trimap``'s unknown band with the aligned
    clean plate ``background`` as a data term, started from ``alpha`` (e.g. a network's).

    With ``settle`` it solves twice: a first, loose solve of ``SETTLE_ITERATIONS`` rounds, then
    ``iterations`` rounds in the band of what that left fractional, its settled pixels held fixed
    (``settled_trimap``). ``reopen`` lets the second band grow into ``trimap``'s known pixels, for a
    trimap drawn by ``plate_trimap``; without it they keep the trimap's values, as every known pixel does
    without ``settle``. All arrays share the photo's size.
    """
    check_image("image", image)
    check_image("background", background)
    check_trimap("trimap", trimap)
    check_matte("alpha", alpha)
    for name, array in (("background", background), ("trimap", trimap), ("alpha", alpha)):
        check_same_size("image", image, name, array)
    if not settle:
        return _solve(image, background, trimap, alpha, weight, iterations, is_cancelled)
    first = _solve(image, background, trimap, alpha, weight, SETTLE_ITERATIONS, is_cancelled, loose=True)
    second = settled_trimap(first, kept=None if reopen else trimap)
    return _solve(image, background, second, first, weight, iterations, is_cancelled)


def _solve(
    image: np.ndarray,
    background: np.ndarray,
    trimap: np.ndarray,
    alpha: np.ndarray,
    weight: float,
    iterations: int,
    is_cancelled: CancelCallback,
    *,
    loose: bool = False,
) -> np.ndarray:
    """One solve: ``iterations`` rounds of foreground estimate and linear solve, the last to CG's
    relative residual ``_TOLERANCE``, the others to ``_EARLY_TOLERANCE``. A ``loose`` solve takes every
    round to ``_EARLY_TOLERANCE`` with the diagonal as preconditioner: to that tolerance CG needs no
    factor (on the clean-plate dev set the same SAD, 3.678, and 9-17 % less time for the refinement)."""
    from pymatting import cg

    result = np.where(trimap == 0.5, alpha, trimap).astype(np.float32)
    box = bounding_box(trimap == 0.5, _CONTEXT)
    if box is None:
        return result
    # The linear system needs only the band's bounding box; the foreground colours are estimated on the
    # whole photo (cropped, the estimate changes near the crop's edge: SAD +1.5 % on the dev set).
    system = band_system(image[box], trimap[box])
    plate = background[box].astype(np.float64)
    photo = image[box].astype(np.float64)
    band = trimap[box] == 0.5
    unknown = band.ravel()
    preconditioner = None
    for round_ in range(iterations):
        raise_if_cancelled(is_cancelled)
        colours = estimate_foreground(image, result, is_cancelled=is_cancelled)[box].astype(np.float64)
        difference = colours - plate
        contrast = channel_dot(difference, difference)
        estimate = channel_dot(photo - plate, difference) / np.maximum(contrast, _MIN_CONTRAST)
        data = weight * contrast.ravel()[unknown]
        matrix = (system.inner + sp.diags(data)).tocsr()
        if preconditioner is None:
            preconditioner = _jacobi(matrix) if loose else quiet_ichol(matrix, _DISCARD)
        crop = result[box]
        solved = cg(
            matrix,
            system.outer + data * np.clip(estimate, 0.0, 1.0).ravel()[unknown],
            x0=crop[band].astype(np.float64),
            M=preconditioner,
            rtol=_TOLERANCE if round_ == iterations - 1 and not loose else _EARLY_TOLERANCE,
        )
        crop[band] = np.clip(solved, 0.0, 1.0)
    return result


def _jacobi(matrix: sp.csr_matrix) -> Callable[[np.ndarray], np.ndarray]:
    """The diagonal preconditioner of ``matrix`` (positive on its diagonal), for pymatting's CG."""
    inverse = 1.0 / matrix.diagonal()
    return lambda residual: inverse * residual


def plate_trimap(image: np.ndarray, background: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """A trimap (0 / 0.5 / 1) for ``refine_with_plate`` from a first alpha and the aligned plate.

    Unknown: a band around the alpha's 0.5 edge (1 % of the long side on either side), its fractional
    pixels, and whatever the alpha calls background where the photo still differs from the plate (a
    strand the first alpha missed). Foreground: α ≥ 0.95 outside the band, eroded by 3 px, and the
    subject's body: pixels deep inside the α ≥ 0.5 region (``_DEEP`` band radii from its edge) that are
    clearly unlike the plate (``_UNLIKE``). A first alpha below 0.95 there is the network unsure of a
    solid interior (a face, a jacket), not hair, which lies near the edge; left unknown, the solve
    keeps it translucent. A hole in the subject that shows the background matches the plate and stays
    unknown.
    """
    check_image("image", image)
    check_image("background", background)
    check_matte("alpha", alpha)
    radius = max(3, round(0.01 * max(alpha.shape)))
    inside = (alpha >= 0.5).astype(np.uint8)
    edge = cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, _disc(1))
    band = cv2.dilate(edge, _disc(radius)) > 0
    difference = cv2.GaussianBlur(_misaligned_difference(image, background), (0, 0), 0.7)
    background_sure = (alpha < 0.05) & (difference < _AGREE) & ~band
    body = (cv2.distanceTransform(inside, cv2.DIST_L2, 5) >= _DEEP * radius) & (difference >= _UNLIKE)
    foreground_sure = ((cv2.erode((alpha >= 0.95).astype(np.uint8), _disc(3)) > 0) | body) & ~band
    trimap = np.full(alpha.shape, 0.5, np.float32)
    trimap[foreground_sure] = 1.0
    trimap[background_sure] = 0.0
    return trimap


def settled_trimap(alpha: np.ndarray, kept: np.ndarray | None = None) -> np.ndarray:
    """A trimap (0 / 0.5 / 1) for a second ``refine_with_plate`` from the first one's ``alpha``.

    A pixel the first solve settled (α within ``_SETTLED`` of 0 or 1) and not near one it left
    fractional becomes known; the rest are the unknowns of the second solve. The settled pixels then
    hold the solution in place, and where the first band's edge cut through fractional alpha (a strand
    the first trimap's sure background or foreground clipped) the band grows past it. Known pixels of
    ``kept`` (a trimap the caller was given) stay as they are.
    """
    check_matte("alpha", alpha)
    margin = _disc(max(2, round(_MARGIN * max(alpha.shape))))
    trimap = np.full(alpha.shape, 0.5, np.float32)
    trimap[cv2.erode((alpha >= 1.0 - _SETTLED).astype(np.uint8), margin) > 0] = 1.0
    trimap[cv2.erode((alpha <= _SETTLED).astype(np.uint8), margin) > 0] = 0.0
    if kept is None:
        return trimap
    check_trimap("kept", kept)
    check_same_size("alpha", alpha, "kept", kept)
    return np.where(kept == 0.5, trimap, kept).astype(np.float32)


def _misaligned_difference(image: np.ndarray, background: np.ndarray) -> np.ndarray:
    """How far (largest channel) the photo lies outside the range of the plate's 3×3 neighbourhood.

    The alignment leaves a fraction of a pixel; on fine texture (grass, foliage) that alone makes photo
    and plate differ, and the band would fill the background with faint alpha. A plate shifted by less
    than a pixel takes values between its neighbours', so a background pixel lies within their range; a
    subject's pixel, even a one-pixel strand, mostly does not."""
    kernel = np.ones((3, 3), np.uint8)
    above = image - cv2.dilate(background, kernel)
    below = cv2.erode(background, kernel) - image
    return largest_channel(np.maximum(np.maximum(above, below), 0.0))


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
