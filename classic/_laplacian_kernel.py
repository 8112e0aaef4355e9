"""The numba kernel behind ``classic.matting_laplacian.band_system`` (imported on first use: numba
compiles it once and caches the result, as it does pymatting's kernels)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def accumulate_band(
    image: np.ndarray,
    epsilon: float,
    index: np.ndarray,
    trimap: np.ndarray,
    values: np.ndarray,
    outer: np.ndarray,
) -> None:  # pragma: no cover - compiled; tested through band_system
    """Add every 3 × 3 window's matting Laplacian terms to the unknown pixels' rows.

    ``image`` (H, W, 3) float64; ``index`` (H, W) int64, each unknown pixel's row (−1 for known ones);
    ``trimap`` (H, W) float64; ``values`` (rows, 5, 5) receives row i's entry for the pixel at offset
    (dy − 2, dx − 2); ``outer`` (rows,) receives minus the known pixels' terms times their trimap value.
    The window arithmetic is pymatting's ``_cf_laplacian``, term for term.
    """
    height, width, _ = image.shape
    area = 9.0
    centred = np.zeros((3, 3, 3))
    for y in range(1, height - 1):
        for x in range(1, width - 1):
            touches = False
            for dy in range(3):
                for dx in range(3):
                    if index[y + dy - 1, x + dx - 1] >= 0:
                        touches = True
            if not touches:
                continue
            for channel in range(3):
                total = 0.0
                for dy in range(3):
                    for dx in range(3):
                        total += image[y + dy - 1, x + dx - 1, channel]
                for dy in range(3):
                    for dx in range(3):
                        centred[dy, dx, channel] = image[y + dy - 1, x + dx - 1, channel] - total / area
            a00, a01, a02, a11, a12, a22 = epsilon, 0.0, 0.0, epsilon, 0.0, epsilon
            for dy in range(3):
                for dx in range(3):
                    r, g, b = centred[dy, dx, 0], centred[dy, dx, 1], centred[dy, dx, 2]
                    a00 += r * r
                    a01 += r * g
                    a02 += r * b
                    a11 += g * g
                    a12 += g * b
                    a22 += b * b
            a00 /= area
            a01 /= area
            a02 /= area
            a11 /= area
            a12 /= area
            a22 /= area
            det = a00 * a12 * a12 + a01 * a01 * a22 + a02 * a02 * a11 - a00 * a11 * a22 - 2 * a01 * a02 * a12
            inv_det = 1.0 / det
            m00 = (a12 * a12 - a11 * a22) * inv_det
            m01 = (a01 * a22 - a02 * a12) * inv_det
            m02 = (a02 * a11 - a01 * a12) * inv_det
            m11 = (a02 * a02 - a00 * a22) * inv_det
            m12 = (a00 * a12 - a01 * a02) * inv_det
            m22 = (a01 * a01 - a00 * a11) * inv_det
            for dyi in range(3):
                for dxi in range(3):
                    row = index[y + dyi - 1, x + dxi - 1]
                    if row < 0:
                        continue
                    s, t, u = centred[dyi, dxi, 0], centred[dyi, dxi, 1], centred[dyi, dxi, 2]
                    c0 = m00 * s + m01 * t + m02 * u
                    c1 = m01 * s + m11 * t + m12 * u
                    c2 = m02 * s + m12 * t + m22 * u
                    for dyj in range(3):
                        for dxj in range(3):
                            temp = (
                                c0 * centred[dyj, dxj, 0]
                                + c1 * centred[dyj, dxj, 1]
                                + c2 * centred[dyj, dxj, 2]
                            )
                            same = 1.0 if (dyi == dyj and dxi == dxj) else 0.0
                            value = same - (1.0 + temp) / area
                            column = index[y + dyj - 1, x + dxj - 1]
                            if column >= 0:
                                values[row, dyj - dyi + 2, dxj - dxi + 2] += value
                            else:
                                outer[row] -= value * trimap[y + dyj - 1, x + dxj - 1]


@numba.njit(cache=True, nogil=True)
def compress_rows(
    index: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled; tested through band_system
    """CSR arrays (indptr, indices, data) of the unknown rows ``accumulate_band`` filled: each row holds
    every unknown pixel within two in the frame (a zero or not, as pymatting stores them), in raster
    order, which is the columns' order."""
    height, width = index.shape
    reach = values.shape[1] // 2
    indptr = np.zeros(values.shape[0] + 1, np.int64)
    for stage in range(2):  # count each row's entries, then fill them in
        if stage == 1:
            for row in range(values.shape[0]):
                indptr[row + 1] += indptr[row]
            indices = np.empty(indptr[-1], np.int64)
            data = np.empty(indptr[-1])
        else:
            indices = np.empty(0, np.int64)
            data = np.empty(0)
        for y in range(height):
            for x in range(width):
                row = index[y, x]
                if row < 0:
                    continue
                slot = indptr[row]
                for dy in range(-reach, reach + 1):
                    for dx in range(-reach, reach + 1):
                        if 0 <= y + dy < height and 0 <= x + dx < width and index[y + dy, x + dx] >= 0:
                            if stage == 0:
                                indptr[row + 1] += 1
                            else:
                                indices[slot] = index[y + dy, x + dx]
                                data[slot] = values[row, dy + reach, dx + reach]
                                slot += 1
    return indptr, indices, data
