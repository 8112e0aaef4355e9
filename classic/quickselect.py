"""Quick select from scribbles: Lazy Snapping's graph cut on pre-segmented regions (Li et al. 2004).

The photo is cut into superpixels (SLIC) at a working resolution of about 0.3 MP, so the min-cut runs
on a few thousand region nodes instead of millions of pixels. Each region's data term compares its mean
colour with k-means clusters of the foreground and background scribble colours; neighbouring regions
pay to take different labels in proportion to their shared boundary, less so across strong colour
edges; scribbled regions are hard constraints. The region labels are mapped back to full resolution
through the label map (no blurry resize), and every scribbled pixel keeps its scribble's label.
"""

from __future__ import annotations

import cv2
import maxflow
import numpy as np
from skimage.segmentation import slic

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)

_MESSAGE = "Quick select"
_WORKING_PIXELS = 300_000
_CLUSTERS = 64  # k-means clusters per seed set, as in the paper
_MAX_SEEDS = 20_000  # seed colours kept for clustering; more only slows k-means down
_HARD = 1e9  # a t-link no cut can afford


def quick_select(
    image: np.ndarray,
    foreground_scribbles: np.ndarray,
    background_scribbles: np.ndarray,
    *,
    segments: int = 2000,
    smoothness: float = 50.0,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Select the scribbled object: a float32 (H, W) mask of 0 and 1.

    ``image`` is float32 (H, W, 3) in [0, 1]; the scribbles are bool or float32 (H, W) masks where
    nonzero means scribbled. A pixel scribbled as both is ignored. ``segments`` is the approximate
    number of superpixels at the working resolution and ``smoothness`` the weight λ of the prior
    E2 = |xi − xj|·1/(1 + ‖Ci − Cj‖²) against the data term E1. Raises ``InvalidInputError`` when the
    sizes differ or either scribble set is empty.
    """
    check_image("image", image)
    foreground, background = _scribbles(image, foreground_scribbles, background_scribbles)
    if segments < 2 or smoothness < 0:
        raise InvalidInputError(f"need segments >= 2 and smoothness >= 0, got {segments} and {smoothness}")
    small, small_fg, small_bg = _to_working_size(image, foreground, background)
    progress(0.05, _MESSAGE)
    raise_if_cancelled(is_cancelled)
    labels = slic(small, n_segments=segments, compactness=10.0, start_label=0, channel_axis=-1)
    progress(0.5, _MESSAGE)
    raise_if_cancelled(is_cancelled)
    selected = _cut_regions(small, labels, small_fg, small_bg, smoothness)
    progress(0.9, _MESSAGE)
    raise_if_cancelled(is_cancelled)
    height, width = foreground.shape
    mask = cv2.resize(selected[labels].astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    mask[foreground], mask[background] = 1, 0
    progress(1.0, _MESSAGE)
    return mask.astype(np.float32)


def _scribbles(image: np.ndarray, foreground: object, background: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate both scribble masks and return them as bool arrays without their overlap."""
    masks = []
    for name, scribbles in (("foreground scribbles", foreground), ("background scribbles", background)):
        if not (isinstance(scribbles, np.ndarray) and scribbles.dtype == np.bool_):
            check_matte(name, scribbles)
        assert isinstance(scribbles, np.ndarray)
        check_same_size("image", image, name, scribbles)
        masks.append(scribbles != 0)
    both = masks[0] & masks[1]
    foreground_mask, background_mask = masks[0] & ~both, masks[1] & ~both
    for name, mask in (("foreground", foreground_mask), ("background", background_mask)):
        if not mask.any():
            raise InvalidInputError(f"quick select needs {name} scribbles; none were drawn")
    return foreground_mask, background_mask


def _to_working_size(
    image: np.ndarray, foreground: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shrink to about ``_WORKING_PIXELS``; a scribble survives wherever it covers part of a pixel."""
    height, width = foreground.shape
    scale = min(1.0, float(np.sqrt(_WORKING_PIXELS / (height * width))))
    if scale == 1.0:
        return image, foreground, background
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)

    def shrink(mask: np.ndarray) -> np.ndarray:
        return cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0

    small_fg, small_bg = shrink(foreground), shrink(background)
    return np.clip(small, 0.0, 1.0), small_fg & ~small_bg, small_bg & ~small_fg


def _cut_regions(
    image: np.ndarray, labels: np.ndarray, foreground: np.ndarray, background: np.ndarray, smoothness: float
) -> np.ndarray:
    """Min-cut on the region adjacency graph; returns a bool per region, True for foreground."""
    count = int(labels.max()) + 1
    area = np.bincount(labels.ravel(), minlength=count).astype(np.float64)
    colour = 255.0 * np.stack(
        [np.bincount(labels.ravel(), image[..., c].ravel(), count) for c in range(3)], axis=1
    ) / np.maximum(area, 1.0)[:, None]
    cost_fg, cost_bg = _data_terms(255.0 * image, colour, foreground, background)
    cost_fg, cost_bg = area * cost_fg, area * cost_bg
    seeds_fg = np.bincount(labels[foreground], minlength=count)
    seeds_bg = np.bincount(labels[background], minlength=count)
    cost_fg[seeds_fg > seeds_bg], cost_bg[seeds_fg > seeds_bg] = 0.0, _HARD
    cost_fg[seeds_bg > seeds_fg], cost_bg[seeds_bg > seeds_fg] = _HARD, 0.0
    first, second, length = _adjacency(labels)
    difference2 = np.sum((colour[first] - colour[second]) ** 2, axis=1)
    weight = smoothness * length / (1.0 + difference2)
    graph = maxflow.Graph[float]()
    nodes = graph.add_nodes(count)
    graph.add_edges(nodes[first], nodes[second], weight, weight)
    # The source side is foreground: cutting a node's source link labels it background.
    graph.add_grid_tedges(nodes, cost_bg, cost_fg)
    graph.maxflow()
    return ~graph.get_grid_segments(nodes)


def _data_terms(
    image: np.ndarray, colour: np.ndarray, foreground: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """E1 per region: dF/(dF + dB) for foreground, dB/(dF + dB) for background (colours 0–255)."""
    rng = np.random.default_rng(0)
    distance_fg = _nearest_distance(colour, _cluster_centres(image[foreground], rng))
    distance_bg = _nearest_distance(colour, _cluster_centres(image[background], rng))
    total = np.maximum(distance_fg + distance_bg, 1e-9)
    return distance_fg / total, distance_bg / total


def _cluster_centres(colours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``_CLUSTERS`` k-means centres of the seed colours (n, 3); an empty cluster keeps its centre."""
    if len(colours) > _MAX_SEEDS:
        colours = colours[rng.choice(len(colours), _MAX_SEEDS, replace=False)]
    colours = colours.astype(np.float64)
    if len(colours) <= _CLUSTERS:
        return colours
    centres = colours[rng.choice(len(colours), _CLUSTERS, replace=False)]
    for _ in range(10):
        nearest = np.argmin(_squared_distances(colours, centres), axis=1)
        members = np.bincount(nearest, minlength=_CLUSTERS)
        sums = np.stack([np.bincount(nearest, colours[:, c], _CLUSTERS) for c in range(3)], axis=1)
        filled = members > 0
        centres[filled] = sums[filled] / members[filled, None]
    return centres


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.sum((points[:, None, :] - centres[None, :, :]) ** 2, axis=2)


def _nearest_distance(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.sqrt(_squared_distances(points, centres).min(axis=1))


def _adjacency(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of 4-adjacent regions (first < second) and the length of their shared boundary."""
    pairs = [
        (labels[:, :-1].ravel(), labels[:, 1:].ravel()),
        (labels[:-1, :].ravel(), labels[1:, :].ravel()),
    ]
    a = np.concatenate([p[0] for p in pairs]).astype(np.int64)
    b = np.concatenate([p[1] for p in pairs]).astype(np.int64)
    differs = a != b
    low, high = np.minimum(a[differs], b[differs]), np.maximum(a[differs], b[differs])
    count = int(labels.max()) + 1
    keys, length = np.unique(low * count + high, return_counts=True)
    return keys // count, keys % count, length.astype(np.float64)
