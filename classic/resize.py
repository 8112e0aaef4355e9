"""Working resolution and guided upsampling.

Slow algorithms (GrabCut, saliency, matting) run on a downscaled copy of the photo; their masks and
alphas come back to full resolution through the fast guided filter (He & Sun 2015, "Fast Guided
Filter"): the filter's local linear coefficients are fitted at the working resolution, upsampled
bilinearly and applied to the full-resolution photo, so edges follow the full-resolution pixels.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

_STRIP_ROWS = 1024


def working_scale(shape: tuple[int, ...], megapixels: float) -> float:
    """Scale factor (≤ 1) that brings an image of ``shape`` down to at most ``megapixels``."""
    pixels = shape[0] * shape[1]
    return min(1.0, math.sqrt(megapixels * 1e6 / pixels)) if pixels else 1.0


def resize_to(
    array: np.ndarray, size: tuple[int, int], *, nearest: bool = False, unit_range: bool = True
) -> np.ndarray:
    """Resize to ``size`` = (width, height): area averaging down, bilinear up, or nearest.

    Area and bilinear weights are convex, but float rounding can step a hair outside the input's range;
    with ``unit_range`` (for interchange arrays) the result is clipped back to [0, 1].
    """
    width, height = size
    if array.shape[1] == width and array.shape[0] == height:
        return array
    if nearest:
        interpolation = cv2.INTER_NEAREST
    elif width < array.shape[1]:
        interpolation = cv2.INTER_AREA
    else:
        interpolation = cv2.INTER_LINEAR
    resized = cv2.resize(array, (width, height), interpolation=interpolation)
    return np.clip(resized, 0.0, 1.0, out=resized) if unit_range and not nearest else resized


def upsample_window(array: np.ndarray, size: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    """The window ``rows``, ``cols`` of ``array`` resized bilinearly to ``size`` = (width, height), made
    without resizing the rest: the same values as ``resize_to(array, size)[rows, cols]`` when upsampling.
    """
    width, height = size
    scale_y, scale_x = array.shape[0] / height, array.shape[1] / width
    top, left = rows.start or 0, cols.start or 0
    out_height = (rows.stop if rows.stop is not None else height) - top
    out_width = (cols.stop if cols.stop is not None else width) - left
    # cv2.resize's pixel-centre mapping, src = (dst + 0.5) · scale − 0.5, shifted to the window.
    mapping = np.array(
        [[scale_x, 0.0, (left + 0.5) * scale_x - 0.5], [0.0, scale_y, (top + 0.5) * scale_y - 0.5]],
        np.float64,
    )
    flags, border = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, cv2.BORDER_REPLICATE
    return cv2.warpAffine(array, mapping, (out_width, out_height), flags=flags, borderMode=border)


def downscale(image: np.ndarray, megapixels: float) -> np.ndarray:
    """Return ``image`` scaled down to at most ``megapixels`` (the same array when already small)."""
    scale = working_scale(image.shape, megapixels)
    if scale >= 1.0:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return resize_to(image, size)


def guided_upsample(
    matte: np.ndarray,
    guide: np.ndarray,
    full_guide: np.ndarray,
    *,
    radius: int = 4,
    epsilon: float = 1e-4,
) -> np.ndarray:
    """Upsample a low-resolution ``matte`` (h, w) to ``full_guide``'s size (H, W), edge-aware.

    ``guide`` is the photo at the matte's resolution (h, w, 3) and ``full_guide`` the full photo
    (H, W, 3), both float32 in [0, 1]. ``radius`` is the box radius in low-resolution pixels and
    ``epsilon`` the regularisation of the colour guided filter (He et al. 2010). Returns float32 (H, W)
    clipped to [0, 1].
    """
    a, b = _guided_coefficients(matte, guide, radius, epsilon)
    height, width = full_guide.shape[:2]
    result = np.empty((height, width), np.float32)
    # Coefficient maps at full size cost 16 bytes a pixel, so apply them a strip of rows at a time.
    scale_y = matte.shape[0] / height
    for top in range(0, height, _STRIP_ROWS):
        bottom = min(height, top + _STRIP_ROWS)
        map_x, map_y = _strip_map(top, bottom, scale_y, matte.shape[1], width)
        a_strip = cv2.remap(a, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        b_strip = cv2.remap(b, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        strip = np.einsum("ijc,ijc->ij", a_strip, full_guide[top:bottom]) + b_strip
        result[top:bottom] = np.clip(strip, 0.0, 1.0)
    return result


def _strip_map(
    top: int, bottom: int, scale_y: float, low_width: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    # Pixel-centre aligned sampling positions, as cv2.resize uses for bilinear interpolation.
    xs = ((np.arange(width, dtype=np.float32) + 0.5) * (low_width / width) - 0.5).astype(np.float32)
    ys = ((np.arange(top, bottom, dtype=np.float32) + 0.5) * scale_y - 0.5).astype(np.float32)
    map_x = np.broadcast_to(xs[None, :], (bottom - top, width))
    map_y = np.broadcast_to(ys[:, None], (bottom - top, width))
    return np.ascontiguousarray(map_x), np.ascontiguousarray(map_y)


def _box(array: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(array, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)


def _guided_coefficients(
    matte: np.ndarray, guide: np.ndarray, radius: int, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    # Colour guided filter: in each window, matte ≈ aᵀ·I + b with a = (Σ + εI)⁻¹ cov(I, p).
    p = matte.astype(np.float32)
    mean_i = _box(guide, radius)
    mean_p = _box(p, radius)
    cov_ip = _box(guide * p[:, :, None], radius) - mean_i * mean_p[:, :, None]
    products = np.einsum("hwi,hwj->hwij", guide, guide).reshape(*p.shape, 9)
    sigma = _box(np.ascontiguousarray(products), radius).reshape(*p.shape, 3, 3)
    sigma -= np.einsum("hwi,hwj->hwij", mean_i, mean_i)
    sigma += epsilon * np.eye(3, dtype=np.float32)
    a = _solve_symmetric_3x3(sigma, cov_ip)
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_i)
    return _box(a, radius), _box(b.astype(np.float32), radius)


def _solve_symmetric_3x3(matrices: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """x with ``matrices`` (…, 3, 3) · x = ``rhs`` (…, 3) for symmetric positive-definite matrices, by
    their adjugate in float64: four times faster than ``np.linalg.solve``'s batched LU at 1 MP."""
    m = matrices.astype(np.float64)
    a00, a01, a02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    a11, a12, a22 = m[..., 1, 1], m[..., 1, 2], m[..., 2, 2]
    c00, c01, c02 = a11 * a22 - a12 * a12, a02 * a12 - a01 * a22, a01 * a12 - a02 * a11
    c11, c12, c22 = a00 * a22 - a02 * a02, a01 * a02 - a00 * a12, a00 * a11 - a01 * a01
    inverse_det = 1.0 / (a00 * c00 + a01 * c01 + a02 * c02)
    r0, r1, r2 = (rhs[..., k].astype(np.float64) for k in range(3))
    x = np.empty(rhs.shape, np.float32)
    x[..., 0] = (c00 * r0 + c01 * r1 + c02 * r2) * inverse_det
    x[..., 1] = (c01 * r0 + c11 * r1 + c12 * r2) * inverse_det
    x[..., 2] = (c02 * r0 + c12 * r1 + c22 * r2) * inverse_det
    return x
