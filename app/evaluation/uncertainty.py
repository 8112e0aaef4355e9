"""``python main.py evaluate uncertainty``: does the uncertainty map point at the automatic cut-out's
mistakes, and does it save the photographer brush dabs?

For every photo with a ground-truth mask it runs the automatic cut-out (``engine.pipeline``'s ``auto``),
measures the uncertainty cues (``classic.uncertainty``) and scores, over the truth's labelled pixels:

- **capture**: the share of all misclassified pixels (mask ≥ 0.5 against the truth) that lie in the
  photo's top ``TOP`` most-unsure pixels, pooled over the set (a map that knew nothing would capture
  ``TOP``), for each cue alone, the combination, the combination without each cue, and a baseline that
  only knows the mask's edge (closeness to it);
- **dabs**: a simulated correction (``app.evaluation.brushing``) from the automatic mask with a brush of
  radius ``BRUSH_FRACTION`` × the diagonal, guided by a map or placed at random (in the subject's box
  grown by 10 %, or in a band of two brush radii around the mask's edge), until the IoU gains 0.05 (or
  half the way to 1 when nearer), at most ``MAX_DABS``.

``--data`` sets (image/ + mask/, 128 unlabelled) are scored whole; ``--held-out REAL`` takes from a
folder of real sets (``../shared/data/real``) only the photos the segmentation network held out for
validation (``engine.training.sources.split_pairs``, 5 %, by sequence for DAVIS), never a photo it was
trained on.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.evaluation import brushing
from app.evaluation.datasets import find_samples, make_folder
from classic.atomic_file import write_atomically
from classic.grabcut import WORKING_MEGAPIXELS as GRABCUT_MEGAPIXELS
from classic.imageio import read_image
from classic.pipeline import Cutout
from classic.progress import ProgressCallback, no_progress
from classic.resize import downscale, resize_to
from classic.uncertainty import CUE_WEIGHTS, CUES, IMAGE_CUE_WEIGHTS, combine_cues, uncertainty_cues
from engine.pipeline import Pipeline, PipelineOptions
from engine.training.sources import find_pair_sets, split_sources

TOP = 0.10
BRUSH_FRACTION = 0.025
MAX_DABS = 150
SEQUENCE_SETS = ("davis",)  # Sets whose photos are video frames named SEQUENCE_FRAME.
VAL_FRACTION = 0.05  # The shipped networks' held-out share (resources/weights/MODEL_CARD.md).
COMBINED = "combined"
NETWORK_ONLY = "network cues only"
IMAGE_ONLY = "image cues only (the map without a network)"
EDGE = "baseline: near the mask's edge"
GUIDES = (COMBINED, *CUES, IMAGE_ONLY, EDGE)
RANDOM_GUIDES = ("random in the subject's box", "random near the mask's edge")
RANDOM_RUNS = 3


@dataclass(frozen=True)
class Photo:
    set_name: str
    name: str
    image: Path
    mask: Path


def dev_photos(folder: Path) -> list[Photo]:
    """Every photo of an image/ + mask/ set."""
    samples = find_samples(folder, {"image": "image", "mask": "mask"})
    return [Photo(folder.name, s.name, s.files["image"], s.files["mask"]) for s in samples]


def held_out_photos(real: Path) -> list[Photo]:
    """The photos of ``real/SET/`` the segmentation network held out for validation."""
    pairs = find_pair_sets(real)
    chosen = []
    for collection in dict.fromkeys(pair.collection for pair in pairs):
        members = [pair for pair in pairs if pair.collection == collection]
        # As training grouped them: DAVIS frames by sequence (its SEQUENCES marker), the rest by photo.
        groups = [
            pair.name.rsplit("_", 1)[0] if collection in SEQUENCE_SETS else pair.name for pair in members
        ]
        chosen += split_sources(members, groups, split="val", val_fraction=VAL_FRACTION)
    return [Photo(f"held-out {p.collection}", p.name.split("/", 1)[1], p.image, p.mask) for p in chosen]


def edge_closeness(mask: np.ndarray, scale: float) -> np.ndarray:
    """exp(−d / ``scale``), d the distance in pixels to the mask's boundary: the baseline map."""
    inside = (mask >= 0.5).astype(np.uint8)
    # Each side's distance to the other side (distanceTransform measures to the nearest zero).
    distance = np.where(
        inside > 0,
        cv2.distanceTransform(inside, cv2.DIST_L2, 3),
        cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3),
    )
    return np.exp(-distance / scale).astype(np.float32)


def maps_of(image: np.ndarray, cutout: Cutout, probability: np.ndarray | None) -> dict[str, np.ndarray]:
    """Every map scored, at the photo's size: the cues, the combination, leave-one-out and the baseline."""
    cues = uncertainty_cues(image, cutout.mask, cutout.trimap, cutout.alpha, probability=probability)
    maps = {COMBINED: combine_cues(cues), **cues}
    maps[NETWORK_ONLY] = combine_cues(cues, {"probability": 1.0, "disagreement": 1.0})
    maps[IMAGE_ONLY] = combine_cues(cues, IMAGE_CUE_WEIGHTS)
    for left_out in CUES:
        maps[f"{COMBINED} without {left_out}"] = combine_cues(
            cues, {name: w for name, w in CUE_WEIGHTS.items() if name != left_out}
        )
    size = (image.shape[1], image.shape[0])
    full = {name: resize_to(value, size) for name, value in maps.items()}
    full[EDGE] = edge_closeness(cutout.mask, 0.01 * float(np.hypot(*size)))
    return full


def capture(
    uncertainty: np.ndarray, wrong: np.ndarray, labelled: np.ndarray, rng: np.random.Generator
) -> int:
    """How many ``wrong`` pixels lie among the ``TOP`` most-unsure labelled pixels (ties broken at random)."""
    values = uncertainty[labelled].astype(np.float64) + rng.uniform(0.0, 1e-9, int(labelled.sum()))
    count = max(1, round(TOP * values.size))
    top = np.argpartition(-values, count - 1)[:count]
    return int(wrong[labelled][top].sum())


def score_photo(
    image: np.ndarray, truth: np.ndarray, cutout: Cutout, probability: np.ndarray | None, seed: int
) -> dict[str, object]:
    """Capture counts and dab counts of one photo (see the module's doc)."""
    rng = np.random.default_rng(seed)
    labelled = truth != brushing.IGNORED
    wrong = ((cutout.mask >= 0.5) != (truth > brushing.IGNORED)) & labelled
    maps = maps_of(image, cutout, probability)
    result: dict[str, object] = {
        "errors": int(wrong.sum()),
        "captured": {name: capture(value, wrong, labelled, rng) for name, value in maps.items()},
    }
    start = brushing.Brushing(cutout.mask, truth, 1).iou
    target = brushing.target_iou(start)
    radius = max(2, round(BRUSH_FRACTION * float(np.hypot(*truth.shape))))
    dabs: dict[str, float] = {
        name: brushing.guided(cutout.mask, truth, maps[name], radius=radius, target=target, max_dabs=MAX_DABS)
        for name in GUIDES
    }
    regions = (brushing.subject_box(cutout.mask), brushing.edge_band(cutout.mask, 2 * radius))
    for name, allowed in zip(RANDOM_GUIDES, regions, strict=True):
        runs = [
            brushing.unguided(
                cutout.mask, truth, allowed, radius=radius, target=target, max_dabs=MAX_DABS, rng=rng
            )
            for _ in range(RANDOM_RUNS)
        ]
        dabs[name] = float(np.mean(runs))
    result.update(start_iou=start, target_iou=target, radius=radius, dabs=dabs)
    return result


def evaluate_uncertainty(
    photos: list[Photo],
    *,
    pipeline: Pipeline | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, dict[str, object]]:
    """Per photo (``SET/NAME``), ``score_photo``'s figures for the automatic cut-out."""
    pipeline = pipeline or Pipeline(PipelineOptions())
    networked = pipeline.segmentation_method() == "network-grabcut"
    results: dict[str, dict[str, object]] = {}
    for index, photo in enumerate(photos):
        progress(index / max(1, len(photos)), f"{photo.set_name}/{photo.name}")
        image = read_image(photo.image).rgb
        truth = _truth(photo.mask)
        cutout = pipeline.cut_out(image)
        # The probability the cut-out was seeded with: the network on GrabCut's working size, as
        # engine.pipeline runs it (deterministic, so the same numbers).
        probability = (
            pipeline.subject_probability(downscale(image, GRABCUT_MEGAPIXELS)) if networked else None
        )
        results[f"{photo.set_name}/{photo.name}"] = score_photo(image, truth, cutout, probability, index)
    progress(1.0, "done")
    return results


def _truth(path: Path) -> np.ndarray:
    """The ground truth as 0 / 0.5 (unlabelled) / 1; soft masks are cut at 0.5, grey 128 is unlabelled."""
    levels = np.round(read_image(path).rgb[:, :, 0] * 255.0)
    return np.where(levels == 128, 0.5, (levels > 128).astype(np.float32)).astype(np.float32)


def summarise(results: Mapping[str, Mapping[str, object]]) -> dict[str, object]:
    """Pooled capture shares and mean dabs, over all the photos and per set."""
    groups: dict[str, list[Mapping[str, object]]] = {"all": list(results.values())}
    for key, value in results.items():
        groups.setdefault(key.rsplit("/", 1)[0].split("/")[0], []).append(value)
    summary: dict[str, object] = {}
    for group, items in groups.items():
        errors = sum(int(_get(item, "errors")) for item in items)
        captured = _sum_maps(item["captured"] for item in items)
        dabs = _sum_maps(item["dabs"] for item in items)
        summary[group] = {
            "photos": len(items),
            "errors": errors,
            "capture": {name: value / errors if errors else 0.0 for name, value in captured.items()},
            "mean_dabs": {name: value / len(items) for name, value in dabs.items()},
            "capped": {name: sum(float(_dabs(item)[name]) >= MAX_DABS for item in items) for name in dabs},
            "mean_start_iou": float(np.mean([float(_get(item, "start_iou")) for item in items])),
        }
    return summary


def _get(item: Mapping[str, object], key: str) -> float:
    value = item[key]
    assert isinstance(value, int | float)
    return float(value)


def _dabs(item: Mapping[str, object]) -> Mapping[str, float]:
    value = item["dabs"]
    assert isinstance(value, Mapping)
    return value


def _sum_maps(maps: Iterable[object]) -> dict[str, float]:
    total: dict[str, float] = {}
    for item in maps:
        assert isinstance(item, Mapping)
        for name, value in item.items():
            total[name] = total.get(name, 0.0) + float(value)
    return total


def markdown(summary: Mapping[str, object], command: str) -> str:
    """The report: one capture table and one dab table per group."""
    lines = [
        "# Uncertainty map: does it point at the mistakes?",
        "",
        f"Command: `{command}`",
        "",
        f"Capture: share of all misclassified labelled pixels that lie in each photo's top {TOP:.0%} "
        f"most-unsure labelled pixels (a blind map captures {TOP:.0%}). Dabs: brush of radius "
        f"{BRUSH_FRACTION:.1%} of the diagonal, set to the truth inside, until the IoU gains 0.05 (or half "
        f"the way to 1), at most {MAX_DABS}; random rows are the mean of {RANDOM_RUNS} runs.",
    ]
    for group, value in summary.items():
        assert isinstance(value, Mapping)
        lines += [
            "",
            f"## {group}: {value['photos']} photos, {value['errors']} misclassified pixels, "
            f"mean start IoU {value['mean_start_iou']:.3f}",
            "",
            "| map | capture in top 10 % | mean dabs | photos at the cap |",
            "|---|---:|---:|---:|",
        ]
        capture_shares, dabs, capped = value["capture"], value["mean_dabs"], value["capped"]
        assert (
            isinstance(capture_shares, Mapping) and isinstance(dabs, Mapping) and isinstance(capped, Mapping)
        )
        for name in dict.fromkeys([*capture_shares, *dabs]):
            share = f"{capture_shares[name]:.1%}" if name in capture_shares else "—"
            dab = f"{dabs[name]:.1f}" if name in dabs else "—"
            cap = str(capped[name]) if name in capped else "—"
            lines.append(f"| {name} | {share} | {dab} | {cap} |")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, progress: Callable[[float, str], None] = no_progress) -> int:
    """The ``evaluate uncertainty`` command: score, write ``summary.json``, ``per_image.json`` and
    ``report.md`` under ``--out`` and print the report."""
    photos = [photo for folder in args.data_sets for photo in dev_photos(Path(folder))]
    if args.held_out:
        photos += held_out_photos(Path(args.held_out))
    if args.limit:
        photos = photos[: args.limit]
    out = make_folder(Path(args.out))
    results = evaluate_uncertainty(photos, progress=progress)
    summary = summarise(results)
    words = ["python", "main.py", "evaluate", "uncertainty"]
    words += [w for folder in args.data_sets for w in ("--data", folder)]
    words += ["--held-out", args.held_out] if args.held_out else []
    words += ["--limit", str(args.limit)] if args.limit else []
    report = markdown(summary, shlex.join([*words, "--out", args.out]))
    for name, data in (("summary.json", summary), ("per_image.json", results)):
        write_atomically(out / name, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    write_atomically(out / "report.md", report.encode("utf-8"))
    print(report)
    print(f"report written to {out / 'report.md'}", file=sys.stderr)
    return 0
