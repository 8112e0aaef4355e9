"""Quick select from scribbles: Lazy Snapping's graph cut on pre-segmented regions (Li et al. 2004).

The photo is cut into superpixels (SLIC) at a working resolution of about 0.3 MP, so the min-cut runs
on a few thousand region nodes instead of millions of pixels. Each region's data term compares its mean
colour with k-means clusters of the foreground and background scribble colours; neighbouring regions
pay to take different labels in proportion to their shared boundary, less so across strong colour
edges; scribbled regions are hard constraints. Selected regions not connected to a foreground scribble
are dropped. The region labels are mapped back to full resolution through the label map (no blurry
resize), and every scribbled pixel keeps its scribble's label. The paper's pixel-level boundary editing
is not done, so at full resolution the outline follows the working resolution's region boundaries.
"""

from __future__ import annotations

import cv2
import maxflow
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
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
    smoothness: float = 5.0,
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
    rng = np.random.default_rng(0)
    centres = (_cluster_centres(image, foreground, rng), _cluster_centres(image, background, rng))
    small, seeds = _to_working_size(image, foreground, background)
    progress(0.1, _MESSAGE)
    raise_if_cancelled(is_cancelled)
    labels = slic(small, n_segments=segments, compactness=10.0, start_label=0, channel_axis=-1)
    progress(0.6, _MESSAGE)
    raise_if_cancelled(is_cancelled)
    selected = _cut_regions(small, labels, seeds, centres, smoothness)
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
) -> tuple[np.ndarray, np.ndarray]:
    """The image at about ``_WORKING_PIXELS`` and the fraction of each pixel scribbled (h, w, 2).

    Fractions rather than a nearest-neighbour resize, so a one-pixel stroke still marks its regions.
    """
    height, width = foreground.shape
    seeds = np.dstack([foreground, background]).astype(np.float32)
    scale = min(1.0, float(np.sqrt(_WORKING_PIXELS / (height * width))))
    if scale == 1.0:
        return image, seeds
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.clip(cv2.resize(image, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)
    return small, cv2.resize(seeds, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], 2)


def _cut_regions(
    image: np.ndarray,
    labels: np.ndarray,
    seeds: np.ndarray,
    centres: tuple[np.ndarray, np.ndarray],
    smoothness: float,
) -> np.ndarray:
    """Min-cut on the region adjacency graph; returns a bool per region, True for foreground."""
    count = int(labels.max()) + 1
    area, colour = _region_means(image, labels, count)
    cost_fg, cost_bg = (area * cost for cost in _data_terms(colour, centres))
    seeds_fg, seeds_bg = (np.bincount(labels.ravel(), seeds[..., k].ravel(), count) for k in range(2))
    # Hard constraints: a region belongs to the scribble that covers more of it.
    cost_fg[seeds_fg > seeds_bg], cost_bg[seeds_fg > seeds_bg] = 0.0, _HARD
    cost_fg[seeds_bg > seeds_fg], cost_bg[seeds_bg > seeds_fg] = _HARD, 0.0
    first, second, length = _adjacency(labels)
    weight = smoothness * length * _contrast(colour[first] - colour[second])
    graph = maxflow.Graph[float]()
    nodes = graph.add_nodes(count)
    graph.add_edges(nodes[first], nodes[second], weight, weight)
    # The source side is foreground: cutting a node's source link labels it background.
    graph.add_grid_tedges(nodes, cost_bg, cost_fg)
    graph.maxflow()
    selected = ~graph.get_grid_segments(nodes)
    return _connected_to(selected, seeds_fg > seeds_bg, first, second)


def _region_means(image: np.ndarray, labels: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel count (n,) and mean colour on the 0–255 scale (n, 3) of every region."""
    flat = labels.ravel()
    area = np.bincount(flat, minlength=count).astype(np.float64)
    sums = np.stack([np.bincount(flat, image[..., c].ravel(), count) for c in range(3)], axis=1)
    return area, 255.0 * sums / np.maximum(area, 1.0)[:, None]


def _data_terms(colour: np.ndarray, centres: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """E1 per region: dF/(dF + dB) to be foreground and dB/(dF + dB) to be background.

    dF and dB are the distances from the region's mean colour to the nearest foreground and background
    cluster centre.
    """
    distance_fg, distance_bg = (np.sqrt(_squared_distances(colour, c).min(axis=1)) for c in centres)
    total = np.maximum(distance_fg + distance_bg, 1e-9)
    return distance_fg / total, distance_bg / total


def _contrast(difference: np.ndarray) -> np.ndarray:
    """The paper's 1/(1 + ‖Ci − Cj‖²), the squared difference taken relative to its mean over the graph.

    Relative, so that one smoothness suits dull and contrasty photos alike.
    """
    squared = np.sum(difference**2, axis=1)
    typical = float(squared.mean()) if squared.size else 1.0
    return 1.0 / (1.0 + squared / max(typical, 1e-9))


def _connected_to(
    selected: np.ndarray, seeds: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """Keep the selected regions linked to a seed region through selected neighbours.

    Not in the paper: colour alone often picks up look-alike patches far from the object, and a user
    who wants a second, separate part scribbles on it.
    """
    both = selected[first] & selected[second]
    count = len(selected)
    links = coo_matrix((np.ones(int(both.sum())), (first[both], second[both])), shape=(count, count))
    _, component = connected_components(links, directed=False)
    reached = np.zeros(int(component.max()) + 1, dtype=bool)
    reached[component[seeds & selected]] = True
    return selected & reached[component]


def _cluster_centres(image: np.ndarray, scribbles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """k-means centres (k, 3) of the scribbled colours on the 0–255 scale, from the full-size photo.

    At most ``_MAX_SEEDS`` colours are clustered; an empty cluster keeps its previous centre.
    """
    where = np.flatnonzero(scribbles)
    if len(where) > _MAX_SEEDS:
        where = rng.choice(where, _MAX_SEEDS, replace=False)
    colours = 255.0 * image.reshape(-1, 3)[where].astype(np.float64)
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
