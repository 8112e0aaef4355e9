"""Build a compositing set from a matting set, as Deep Image Matting (Xu et al. 2017) and Deep Image
Compositing (Zhang et al. 2021) built theirs.

For each photo the foreground colours F are estimated from the ground-truth alpha
(``classic.foreground.estimate_foreground``); two different backgrounds A and B are drawn with a seeded
generator and brought to the photo's size (scaled to cover it, then centre-cropped). The input photo is
``fg = αF + (1 − α)A``, the new background ``bg = B`` and the ground truth ``gt = αF + (1 − α)B``; the
trimap and the alpha are copied. ``sources.json`` records which backgrounds each image used.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from app.evaluation.datasets import Sample, find_samples, make_folder
from classic.checks import InvalidInputError
from classic.foreground import estimate_foreground
from classic.imageio import READ_EXTENSIONS, read_image, read_matte, read_trimap, write_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from classic.resize import resize_to

OUTPUT_FOLDERS = ("fg", "bg", "gt", "trimap", "alpha")


def background_files(folder: Path) -> list[Path]:
    """The photos of ``folder``, sorted; at least two are needed."""
    if not folder.is_dir():
        raise InvalidInputError(f"{folder}: not a folder")
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in READ_EXTENSIONS and p.name[0] != ".")
    if len(photos) < 2:
        raise InvalidInputError(f"{folder}: at least two background photos are needed, found {len(photos)}")
    return photos


def fit_background(background: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale ``background`` to cover ``height`` × ``width`` (keeping its aspect), then crop the centre."""
    scale = max(height / background.shape[0], width / background.shape[1])
    size = (max(width, round(background.shape[1] * scale)), max(height, round(background.shape[0] * scale)))
    scaled = resize_to(background, size)
    top, left = (scaled.shape[0] - height) // 2, (scaled.shape[1] - width) // 2
    return np.ascontiguousarray(scaled[top : top + height, left : left + width])


def make_compositing_set(
    matting: Path,
    backgrounds: Path,
    out: Path,
    *,
    trimaps: str = "trimap",
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> int:
    """Write the compositing set built from the matting set ``matting`` under ``out``; returns its size."""
    samples = find_samples(matting, {"image": "image", "trimap": trimaps, "alpha": "alpha"})
    photos = background_files(backgrounds)
    if out.resolve() in (matting.resolve(), backgrounds.resolve()):
        raise InvalidInputError(f"{out}: the output folder must differ from the input folders")
    for folder in OUTPUT_FOLDERS:
        make_folder(out / folder)
    rng = np.random.default_rng(seed)
    sources: dict[str, dict[str, str]] = {}
    for index, sample in enumerate(samples):
        raise_if_cancelled(is_cancelled)
        progress(index / len(samples), sample.name)
        first, second = (photos[int(i)] for i in rng.choice(len(photos), size=2, replace=False))
        _write_sample(sample, first, second, out)
        sources[sample.name] = {"photo": str(sample.files["image"]), "old": first.name, "new": second.name}
    (out / "sources.json").write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    progress(1.0, "Compositing set done")
    return len(samples)


def _write_sample(sample: Sample, old: Path, new: Path, out: Path) -> None:
    image = read_image(sample.files["image"]).rgb
    alpha = read_matte(sample.files["alpha"])
    trimap = read_trimap(sample.files["trimap"])
    if image.shape[:2] != alpha.shape or alpha.shape != trimap.shape:
        raise InvalidInputError(f"{sample.name}: the image, trimap and alpha differ in size")
    height, width = alpha.shape
    foreground = estimate_foreground(image, alpha)
    weight = alpha[:, :, None]
    old_background, new_background = (fit_background(read_image(p).rgb, height, width) for p in (old, new))
    name = f"{sample.name}.png"
    write_image(out / "fg" / name, weight * foreground + (1 - weight) * old_background)
    write_image(out / "bg" / name, new_background)
    write_image(out / "gt" / name, weight * foreground + (1 - weight) * new_background)
    write_image(out / "trimap" / name, trimap)
    write_image(out / "alpha" / name, alpha)
