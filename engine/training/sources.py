"""Finding and loading training material in folders.

A training-data folder (what ``build-training-set`` writes and ``train --data`` reads)::

    DATA/foregrounds/*.png            RGBA clip-art or cut-outs: F and α known
    DATA/foregrounds/image/ + alpha/  (or mask/) photos with their mattes: F is estimated
    DATA/backgrounds/*.jpg|png        any photos
    DATA/pairs/image/ + mask/|alpha/  segmentation pairs (the DUTS layout)
    DATA/pairs/SET/image/ + mask/     real photos with hand masks, one folder per set (``real/SET`` of
                                      the shared data); an empty file ``SET/SEQUENCES`` says the names
                                      are ``SEQUENCE_FRAME`` (video frames)
    DATA/pairs/SET/image/ + soft/     photos with a teacher's soft masks (``engine.teacher``): only the
                                      pixels the teacher is sure of are targets

``DATA`` may also be a DUTS-style folder itself (``image/`` + ``mask/`` or ``alpha/``): a user's own photos.
With pairs and no foregrounds, the pairs serve as foregrounds (photos with mattes). Images, mattes and
masks are matched by file stem. The development sets (matting-dev, segmentation-dev) are refused: the
project's figures are measured on them.

The validation split holds out whole groups, set by set: a group is one photo, or one video sequence in
a ``SEQUENCES`` set, so no frame of a held-out sequence is trained on.

Loading downscales to ``max_side`` pixels on the long side (decoding is the costly step of a training
item, and a crop of at most 640 pixels needs no more) and keeps the result in a per-process LRU cache.
"""

from __future__ import annotations

import collections
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from classic.checks import InvalidInputError
from classic.foreground import estimate_foreground
from classic.imageio import READ_EXTENSIONS, read_image, read_matte
from classic.resize import resize_to

DEV_SETS = ("matting-dev", "segmentation-dev")
MATTE_FOLDERS = ("alpha", "mask", "soft")
TEACHER_FOLDER = "soft"  # masks from a teacher network: only its confident pixels are targets
SEQUENCES_MARKER = "SEQUENCES"
MAX_SIDE = 1000
_T = TypeVar("_T")


@dataclass(frozen=True)
class ForegroundSource:
    """An RGBA file (``matte`` None: α is its alpha channel) or a photo ``image`` with its ``matte``."""

    name: str
    image: Path
    matte: Path | None = None


@dataclass(frozen=True)
class SegmentationPair:
    """A photo and its subject mask (or alpha), the DUTS layout.

    ``group`` is what the validation split holds out together (the name, or the video sequence) and
    ``collection`` the set it came from (split separately); ``confident_only`` marks a teacher's soft
    mask, of which only the confident pixels are targets.
    """

    name: str
    image: Path
    mask: Path
    group: str = ""
    collection: str = ""
    confident_only: bool = False


@dataclass(frozen=True)
class TrainingSources:
    """Everything found under a training-data folder; backgrounds may be empty (procedural ones then).

    ``foregrounds_from_pairs``: there were no foregrounds of their own, so the pairs stand in for them.
    """

    foregrounds: tuple[ForegroundSource, ...]
    backgrounds: tuple[Path, ...]
    pairs: tuple[SegmentationPair, ...]
    foregrounds_from_pairs: bool = False


def check_not_dev_set(path: Path) -> None:
    """Raise ``InvalidInputError`` when ``path`` is or lies inside a development evaluation set."""
    parts = set(Path(path).resolve().parts)
    for name in DEV_SETS:
        if name in parts:
            raise InvalidInputError(
                f"{path}: {name} is a development evaluation set; training on it would void the "
                "project's figures (use other data)"
            )


def find_sources(data: Path) -> TrainingSources:
    """The foregrounds, backgrounds and segmentation pairs under ``data`` (layouts in the module doc)."""
    data = Path(data)
    check_not_dev_set(data)
    if not data.is_dir():
        raise InvalidInputError(f"{data}: no such training-data folder")
    folder = data / "foregrounds"
    foregrounds = [ForegroundSource(p.stem, p) for p in _images(folder) if has_alpha_channel(p)]
    foregrounds += [ForegroundSource(pair.name, pair.image, pair.mask) for pair in find_pairs(folder)]
    pairs = find_pairs(data / "pairs") + find_pair_sets(data / "pairs") + find_pairs(data)
    borrowed = not foregrounds
    if borrowed:
        foregrounds = [ForegroundSource(pair.name, pair.image, pair.mask) for pair in pairs]
    backgrounds = tuple(_images(data / "backgrounds"))
    if not foregrounds and not pairs:
        raise InvalidInputError(
            f"{data}: no training material: expected foregrounds/ (RGBA PNGs or image/ + alpha/), "
            "pairs/ (image/ + mask/) or image/ + mask/ (or alpha/)"
        )
    return TrainingSources(tuple(foregrounds), backgrounds, tuple(pairs), foregrounds_from_pairs=borrowed)


def find_pairs(folder: Path, *, collection: str = "") -> list[SegmentationPair]:
    """Pairs ``folder/image/NAME.*`` + ``folder/alpha/NAME.*`` (else ``mask/``, else ``soft/``), matched
    by stem. In a ``collection`` (a set under ``pairs/``) names are ``COLLECTION/NAME``, and a
    ``SEQUENCES`` file makes each video sequence one group."""
    images = {p.stem: p for p in _images(folder / "image")}
    sequences = (folder / SEQUENCES_MARKER).is_file()
    prefix = f"{collection}/" if collection else ""
    for matte_folder in MATTE_FOLDERS:
        mattes = {p.stem: p for p in _images(folder / matte_folder)}
        if mattes:
            return [
                SegmentationPair(
                    f"{prefix}{stem}",
                    images[stem],
                    mattes[stem],
                    group=prefix + (stem.rsplit("_", 1)[0] if sequences else stem),
                    collection=collection,
                    confident_only=matte_folder == TEACHER_FOLDER,
                )
                for stem in images
                if stem in mattes
            ]
    return []


def find_pair_sets(folder: Path) -> list[SegmentationPair]:
    """The pairs of every set ``folder/SET/`` (each laid out as ``find_pairs`` reads), sets by name."""
    if not folder.is_dir():
        return []
    sets = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "image").is_dir())
    return [pair for path in sets for pair in find_pairs(path, collection=path.name)]


def has_alpha_channel(path: Path) -> bool:
    """Whether the image file has transparency (read from its header; pixels are not decoded)."""
    try:
        with Image.open(path) as image:
            return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    except (UnidentifiedImageError, OSError):
        return False


def split_sources(items: Sequence[_T], names: Sequence[str], *, split: str, val_fraction: float) -> list[_T]:
    """The ``split`` ("train" or "val") share of ``items``, decided by name so it never changes.

    Items sharing a name form one group, held out or kept together. Groups are ordered by a checksum of
    their name and the first ``ceil(val_fraction · groups)`` are held out (at least one when there are
    two or more groups and ``val_fraction`` > 0; none when there is one). Items keep their order.
    """
    if split not in ("train", "val"):
        raise InvalidInputError(f"split must be 'train' or 'val', got {split!r}")
    if not 0.0 <= val_fraction < 1.0:
        raise InvalidInputError(f"val_fraction must lie in [0, 1), got {val_fraction}")
    groups = sorted(set(names), key=lambda name: (zlib.crc32(name.encode()), name))
    held = 0 if len(groups) < 2 or val_fraction == 0 else max(1, int(np.ceil(val_fraction * len(groups))))
    held_groups = set(groups[: min(held, max(0, len(groups) - 1))])
    return [
        item for item, name in zip(items, names, strict=True) if (name in held_groups) == (split == "val")
    ]


def split_pairs(
    pairs: Sequence[SegmentationPair], *, split: str, val_fraction: float
) -> list[SegmentationPair]:
    """``split_sources`` of ``pairs`` set by set (every set gives its share), by group."""
    chosen: list[SegmentationPair] = []
    for collection in dict.fromkeys(pair.collection for pair in pairs):
        members = [pair for pair in pairs if pair.collection == collection]
        groups = [pair.group or pair.name for pair in members]
        chosen += split_sources(members, groups, split=split, val_fraction=val_fraction)
    return chosen


def load_foreground(source: ForegroundSource, *, max_side: int = MAX_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """Foreground colours F (H, W, 3) and alpha (H, W), float32 in [0, 1], long side ≤ ``max_side``.

    F is extended past the subject's edge with its edge colours (so strands, blur and resampling find
    plausible colour there); for a photo it is first estimated from the photo and matte
    (``classic.foreground``).
    """
    if source.matte is not None:
        _, colours, alpha = load_real_subject(source, max_side=max_side)
        return colours, alpha
    rgba = _decode(source.image)
    if rgba.shape[2] != 4:
        raise InvalidInputError(f"{source.image}: an RGBA foreground has no alpha channel")
    rgb, alpha = fit_rgba(rgba[:, :, :3], rgba[:, :, 3], max_side)
    return extend_colours(rgb, alpha), alpha


def load_real_subject(
    source: ForegroundSource, *, max_side: int = MAX_SIDE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A photo source's photo (H, W, 3), its foreground colours F estimated from the photo and matte and
    extended as ``load_foreground``'s, and α (H, W); float32 in [0, 1], long side ≤ ``max_side``."""
    if source.matte is None:
        raise InvalidInputError(f"{source.image}: an RGBA cut-out has no photo of its own")
    photo, alpha = load_pair(SegmentationPair(source.name, source.image, source.matte), max_side=max_side)
    return photo, extend_colours(estimate_foreground(photo, alpha), alpha), alpha


def fit_rgba(rgb: np.ndarray, alpha: np.ndarray, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    """A cut-out (colours (H, W, 3), alpha (H, W)) scaled down to ``max_side`` on its long side.

    The colours are resized premultiplied by α, so the arbitrary colour of invisible pixels does not
    bleed into the edge; they come back as 0 where α is 0. Returns float32 arrays in [0, 1].
    """
    stacked = np.concatenate([rgb * alpha[:, :, None], alpha[:, :, None]], axis=2).astype(np.float32)
    stacked = _fit(stacked, max_side)
    fitted = np.ascontiguousarray(stacked[:, :, 3])
    visible = fitted[:, :, None] > 1e-4
    colours = np.where(visible, stacked[:, :, :3] / np.maximum(fitted, 1e-4)[:, :, None], 0.0)
    return np.clip(colours, 0.0, 1.0).astype(np.float32), fitted


def load_photo(path: Path, *, max_side: int = MAX_SIDE) -> np.ndarray:
    """A photo as float32 RGB (H, W, 3) in [0, 1], long side ≤ ``max_side`` (alpha, if any, is dropped)."""
    return _fit(np.ascontiguousarray(_decode(path)[:, :, :3]), max_side)


def load_pair(pair: SegmentationPair, *, max_side: int = MAX_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """The pair's photo (H, W, 3) and matte (H, W), float32 in [0, 1], long side ≤ ``max_side``."""
    image = read_image(pair.image).rgb
    matte = read_matte(pair.mask)
    if matte.shape != image.shape[:2]:
        matte = resize_to(matte, (image.shape[1], image.shape[0]))
    return _fit(image, max_side), _fit(matte, max_side)


def extend_colours(foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """F (H, W, 3) with every pixel where α = 0 given the colour of the nearest visible pixel.

    Visible pixels are unchanged. (A distance transform labels each invisible pixel with its nearest
    visible one: one pass, where a push–pull pyramid costs several times more per decoded file.)
    """
    invisible = (alpha <= 0).astype(np.uint8)
    if not invisible.any() or invisible.all():
        return foreground.copy()
    _, labels = cv2.distanceTransformWithLabels(invisible, cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    # Labels number the visible (zero) pixels 1, 2, … in raster order.
    visible = np.flatnonzero(invisible.ravel() == 0)
    nearest = visible[labels.ravel() - 1]
    return np.ascontiguousarray(foreground.reshape(-1, 3)[nearest].reshape(foreground.shape), np.float32)


class SourceCache:
    """A least-recently-used cache of decoded sources, bounded in bytes (one per worker process)."""

    def __init__(self, max_bytes: int = 384 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._entries: collections.OrderedDict[object, tuple[np.ndarray, ...]] = collections.OrderedDict()
        self._bytes = 0

    def get(self, key: object, load: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        """The float32 arrays ``load()`` returns for ``key``, decoded once and kept as 8-bit copies."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return tuple(a.astype(np.float32) / np.float32(255.0) for a in self._entries[key])
        arrays = load()
        stored = tuple(np.round(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8) for a in arrays)
        self._entries[key] = stored
        self._bytes += sum(a.nbytes for a in stored)
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= sum(a.nbytes for a in evicted)
        return tuple(a.astype(np.float32) / np.float32(255.0) for a in stored)

    def __len__(self) -> int:
        return len(self._entries)


def _images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in READ_EXTENSIONS and p.name[0] != "."
    )


def _decode(path: Path) -> np.ndarray:
    """float32 RGB or RGBA (H, W, 3|4) in [0, 1], decoded by OpenCV without ``read_image``'s checks.

    Training decodes thousands of prepared files; ``read_image`` verifies checksums and reads EXIF
    (which decodes a PNG twice). Whatever OpenCV cannot read goes through ``read_image`` for its error.
    """
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if (
        raw is None
        or raw.dtype not in (np.uint8, np.uint16)
        or (raw.ndim == 3 and raw.shape[2] not in (3, 4))
    ):
        loaded = read_image(path)
        planes = [loaded.rgb] if loaded.alpha is None else [loaded.rgb, loaded.alpha[:, :, None]]
        return np.concatenate(planes, axis=2)
    values = raw.astype(np.float32) / np.float32(65535.0 if raw.dtype == np.uint16 else 255.0)
    if values.ndim == 2:
        return np.repeat(values[:, :, None], 3, axis=2)
    if values.shape[2] == 4:
        return cv2.cvtColor(values, cv2.COLOR_BGRA2RGBA)
    return cv2.cvtColor(values[:, :, :3], cv2.COLOR_BGR2RGB)


def _fit(array: np.ndarray, max_side: int) -> np.ndarray:
    height, width = array.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1.0:
        return array
    return resize_to(array, (max(1, round(width * scale)), max(1, round(height * scale))))
