"""Procedural hard alpha: hair and fur strands, semi-transparent regions and motion blur.

Clip-art mattes are vector-render anti-aliasing: a one-pixel ramp around a hard shape. A matting network
trained only on those never sees the fractional alpha of hair, veils or moving subjects. These functions
turn such a matte into a harder one, and change the foreground colours F to match, so I = αF + (1 − α)B
stays a faithful composite:

- ``add_strands`` grows thin anti-aliased curves of varying opacity outward from the subject's edge, drawn
  at twice the resolution and averaged down so a strand covers a fraction of a pixel; each strand takes
  the subject's colour where it is rooted;
- ``add_semi_transparency`` scales α down in smooth blobs (a veil, glass, smoke);
- ``add_motion_blur`` convolves α and the premultiplied colour αF with one line kernel, as a moving subject
  photographed with a slow shutter (total alpha is kept, up to what leaves the frame).

All take and return ``foreground`` float32 (H, W, 3) and ``alpha`` float32 (H, W) in [0, 1], new arrays.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

_SUPERSAMPLE = 2
_SHIFT_BITS = 4  # cv2 drawing: sub-pixel coordinates with 4 fractional bits
_MAX_STRANDS = 400
_STRAND_STEPS = 16


def add_strands(
    foreground: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, *, density: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Hair-like strands grown outward from the edge of ``alpha`` (where it crosses 0.5).

    ``density`` is the number of strands per edge pixel (random in [0.05, 0.4] when None). Strands add
    fractional alpha outside the original matte; where they cover a pixel, F mixes towards the strand's
    colour in proportion to the strand's share of the new alpha.
    """
    edge = _edge_pixels(alpha)
    if edge.shape[0] == 0:
        return foreground.copy(), alpha.copy()
    density = float(rng.uniform(0.05, 0.4)) if density is None else density
    count = int(min(_MAX_STRANDS, max(1, round(edge.shape[0] * density))))
    roots = edge[rng.integers(0, edge.shape[0], count)]
    paths = _strand_paths(roots, _outward_normals(alpha, roots), rng, side=min(alpha.shape))
    tints = np.clip(foreground[roots[:, 0], roots[:, 1]] * rng.uniform(0.75, 1.15, (count, 1)), 0.0, 1.0)
    opacities = rng.uniform(0.3, 1.0, count)
    strands = _draw_coverage(paths, opacities, alpha.shape)
    colour, painted = _draw_colours(paths, tints, foreground.shape)
    # Where the colour canvas missed an anti-aliased fringe pixel, the strand takes F itself.
    colour = np.where(painted[:, :, None] > 0, colour, foreground)
    return _over(foreground, alpha, colour, strands)


def add_semi_transparency(
    foreground: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """α scaled down in smooth random blobs to an opacity in [0.15, 0.8]; F is unchanged."""
    height, width = alpha.shape
    cells = int(rng.integers(2, 6))
    noise = rng.random((cells, cells)).astype(np.float32)
    field = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    subject = field[alpha > 0.5]
    if subject.size == 0:
        return foreground.copy(), alpha.copy()
    # The threshold is a quantile of the field over the subject, so the blobs cover 20–70 % of it; a smooth
    # step around it gives blobs with soft borders, not a hard cut.
    threshold = float(np.quantile(subject, rng.uniform(0.3, 0.8)))
    blobs = np.clip((field - threshold) / 0.1 + 0.5, 0.0, 1.0)
    opacity = float(rng.uniform(0.15, 0.8))
    scaled = alpha * (1.0 - blobs * (1.0 - opacity))
    return foreground.copy(), np.clip(scaled, 0.0, 1.0).astype(np.float32)


def add_motion_blur(
    foreground: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, *, length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """α and αF blurred along one random direction by a line ``length`` pixels long (random when None)."""
    if length is None:
        length = int(rng.integers(3, max(4, round(0.05 * min(alpha.shape))) + 1))
    kernel = line_kernel(length, float(rng.uniform(0.0, math.pi)))
    blurred_alpha = cv2.filter2D(alpha, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    premultiplied = cv2.filter2D(foreground * alpha[:, :, None], -1, kernel, borderType=cv2.BORDER_CONSTANT)
    blurred_alpha = np.clip(blurred_alpha, 0.0, 1.0)
    visible = blurred_alpha > 1e-4
    colour = np.where(
        visible[:, :, None], premultiplied / np.maximum(blurred_alpha, 1e-4)[:, :, None], foreground
    )
    return np.clip(colour, 0.0, 1.0).astype(np.float32), blurred_alpha.astype(np.float32)


def line_kernel(length: int, angle: float) -> np.ndarray:
    """A normalised (L, L) float32 kernel: an anti-aliased line of ``length`` pixels at ``angle`` radians."""
    length = max(1, int(length)) | 1  # odd, so the kernel has a centre and does not shift the image
    kernel = np.zeros((length, length), np.float32)
    centre = (length - 1) / 2.0
    dx, dy = math.cos(angle) * centre, math.sin(angle) * centre
    scale = 1 << _SHIFT_BITS
    start = (round((centre - dx) * scale), round((centre - dy) * scale))
    end = (round((centre + dx) * scale), round((centre + dy) * scale))
    cv2.line(kernel, start, end, 1.0, 1, cv2.LINE_AA, _SHIFT_BITS)
    if kernel.sum() <= 0:
        kernel[length // 2, length // 2] = 1.0
    return kernel / kernel.sum()


def apply_hard_alpha(
    foreground: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A random mix of the three effects (at least one): semi-transparency, then strands, then blur."""
    use_veil = rng.random() < 0.35
    use_strands = rng.random() < 0.7
    use_blur = rng.random() < 0.3
    if not (use_veil or use_strands or use_blur):
        use_strands = True
    if use_veil:
        foreground, alpha = add_semi_transparency(foreground, alpha, rng)
    if use_strands:
        foreground, alpha = add_strands(foreground, alpha, rng)
    if use_blur:
        foreground, alpha = add_motion_blur(foreground, alpha, rng)
    return foreground, alpha


def _edge_pixels(alpha: np.ndarray) -> np.ndarray:
    """(K, 2) row/column indices of subject pixels (α ≥ 0.5) with a neighbour below 0.5."""
    inside = (alpha >= 0.5).astype(np.uint8)
    outside_near = cv2.dilate(1 - inside, np.ones((3, 3), np.uint8))
    return np.argwhere((inside > 0) & (outside_near > 0))


def _outward_normals(alpha: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(K, 2) unit vectors (drow, dcol) pointing from the subject out: down the smoothed α's gradient."""
    smooth = cv2.GaussianBlur(alpha, (0, 0), 2.0)
    grad_row = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)[points[:, 0], points[:, 1]]
    grad_col = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)[points[:, 0], points[:, 1]]
    normals = -np.stack([grad_row, grad_col], axis=1)
    norms = np.linalg.norm(normals, axis=1, keepdims=True)
    flat = norms[:, 0] < 1e-6
    # A flat neighbourhood (a one-pixel speck) has no direction: any will do.
    normals[flat] = [0.0, 1.0]
    norms[flat] = 1.0
    return normals / norms


def _strand_paths(
    roots: np.ndarray, normals: np.ndarray, rng: np.random.Generator, *, side: int
) -> np.ndarray:
    """(K, S, 2) float (x, y) points of curling strands that start a little inside the subject.

    Each strand heads outward give or take ~25°, turns with a constant curl plus a random wobble per
    step, and is 3–15 % of the image's short side long.
    """
    count = roots.shape[0]
    lengths = np.asarray(rng.uniform(0.03, 0.15, count)) * side
    start = np.arctan2(normals[:, 0], normals[:, 1]) + rng.normal(0.0, 0.45, count)
    turns = rng.normal(0.0, 0.08, (count, 1)) + rng.normal(0.0, 0.12, (count, _STRAND_STEPS))
    headings = start[:, None] + np.cumsum(turns, axis=1)
    steps = (lengths / _STRAND_STEPS)[:, None, None] * np.stack([np.cos(headings), np.sin(headings)], axis=2)
    depth = np.asarray(rng.uniform(0.0, 3.0, count))[:, None]
    origin = roots[:, ::-1] - normals[:, ::-1] * depth
    return np.concatenate([origin[:, None], origin[:, None] + np.cumsum(steps, axis=1)], axis=1)


def _draw_coverage(paths: np.ndarray, opacities: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(H, W) strand coverage: anti-aliased lines drawn at 2× and averaged down, fading to the tips.

    Each strand is drawn in three pieces of decreasing opacity; pieces are grouped by quantised opacity
    so each group is one drawing call.
    """
    canvas = np.zeros((shape[0] * _SUPERSAMPLE, shape[1] * _SUPERSAMPLE), np.uint8)
    scale = float(1 << _SHIFT_BITS)
    fine = np.round((paths + 0.5) * _SUPERSAMPLE * scale - 0.5 * scale).astype(np.int32)
    bounds = np.linspace(0, paths.shape[1] - 1, 4).round().astype(int)
    groups: dict[int, list[np.ndarray]] = {}
    for piece in range(3):
        levels = np.round(opacities * (1.0 - 0.3 * piece) * 16).astype(int)
        for strand, level in enumerate(levels):
            # Pieces share their end points so the strand has no gaps.
            groups.setdefault(int(level), []).append(fine[strand, bounds[piece] : bounds[piece + 1] + 1])
    for level in sorted(groups):
        cv2.polylines(canvas, groups[level], False, min(255, level * 16), 1, cv2.LINE_AA, _SHIFT_BITS)
    coverage = cv2.resize(canvas.astype(np.float32) / 255.0, shape[::-1], interpolation=cv2.INTER_AREA)
    return np.clip(coverage, 0.0, 1.0)


def _draw_colours(
    paths: np.ndarray, tints: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) strand colours drawn 3 px wide at 1× and the (H, W) uint8 mask of what was painted."""
    colour = np.zeros(shape, np.float32)
    painted = np.zeros(shape[:2], np.uint8)
    coarse = np.round(paths * float(1 << _SHIFT_BITS)).astype(np.int32)
    for points, tint in zip(coarse, tints, strict=True):
        cv2.polylines(colour, [points], False, tint.tolist(), 3, cv2.LINE_8, _SHIFT_BITS)
    cv2.polylines(painted, list(coarse), False, 1, 3, cv2.LINE_8, _SHIFT_BITS)
    return colour, painted


def _over(
    foreground: np.ndarray, alpha: np.ndarray, colour: np.ndarray, strands: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Layer the subject over the strands: α' = α + (1 − α)s, α'F' = αF + (1 − α)s·C."""
    behind = (1.0 - alpha) * strands
    combined = alpha + behind
    premultiplied = foreground * alpha[:, :, None] + colour * behind[:, :, None]
    visible = combined > 1e-6
    mixed = np.where(visible[:, :, None], premultiplied / np.maximum(combined, 1e-6)[:, :, None], foreground)
    return np.clip(mixed, 0.0, 1.0).astype(np.float32), np.clip(combined, 0.0, 1.0).astype(np.float32)
