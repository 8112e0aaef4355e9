"""Build a clean-plate matting set from a matting set, the way Background Matting (Sengupta et al. 2020)
made its synthetic test composites.

For each photo the foreground colours F are estimated from the ground-truth alpha
(``classic.foreground.estimate_foreground``); a background B is drawn with a seeded generator and brought to
the photo's size (``fit_background``: scaled to cover it, then centre-cropped). The photo is
``image = αF + (1 − α)B`` and its clean plate ``plate = perturb_plate(B)``: B as a second shot from a tripod
that moved (up to 3 px, 0.5°) and a camera that re-metered (gamma, white balance) with sensor noise
(``engine.training.plate_items``; the clean-plate network is trained on the same perturbation). The
trimaps and the alpha are copied. ``sources.json`` records each photo's background; ``SOURCE.md`` says how
the set was made.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from app.evaluation.compositing_set import background_files, fit_background
from app.evaluation.datasets import Sample, find_samples, make_folder
from classic.checks import InvalidInputError
from classic.foreground import estimate_foreground
from classic.imageio import read_image, read_matte, read_trimap, write_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from engine.training.plate_items import (
    PLATE_GAIN_SIGMA,
    PLATE_GAMMA_SIGMA,
    PLATE_MAX_NOISE,
    PLATE_MAX_ROTATION,
    PLATE_MAX_SHIFT,
    perturb_plate,
)

COPIED = {"trimap": "trimap", "alpha": "alpha"}
COPIED_IF_PRESENT = {"trimap-wide": "trimap-wide"}


def make_plate_set(
    matting: Path,
    backgrounds: Path,
    out: Path,
    *,
    seed: int = 0,
    command: str = "",
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> int:
    """Write the clean-plate set built from the matting set ``matting`` under ``out``; returns its size.
    ``command`` (the command line that ran) goes into ``SOURCE.md``."""
    samples = find_samples(matting, {"image": "image", **COPIED}, optional=COPIED_IF_PRESENT)
    photos = background_files(backgrounds)
    if out.resolve() in (matting.resolve(), backgrounds.resolve()):
        raise InvalidInputError(f"{out}: the output folder must differ from the input folders")
    for folder in ("image", "plate", *(role for role in samples[0].files if role != "image")):
        make_folder(out / folder)
    rng = np.random.default_rng(seed)
    sources: dict[str, dict[str, str]] = {}
    for index, sample in enumerate(samples):
        raise_if_cancelled(is_cancelled)
        progress(index / len(samples), sample.name)
        background = photos[int(rng.integers(len(photos)))]
        _write_sample(sample, background, out, rng)
        sources[sample.name] = {"photo": str(sample.files["image"]), "background": background.name}
    (out / "sources.json").write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    source_text = _source_text(matting, backgrounds, seed, samples, sources, command)
    (out / "SOURCE.md").write_text(source_text, encoding="utf-8")
    progress(1.0, "Clean-plate set done")
    return len(samples)


def _write_sample(sample: Sample, background_file: Path, out: Path, rng: np.random.Generator) -> None:
    image = read_image(sample.files["image"]).rgb
    alpha = read_matte(sample.files["alpha"])
    for role in sample.files.keys() - {"image", "alpha"}:
        if read_trimap(sample.files[role]).shape != alpha.shape:
            raise InvalidInputError(f"{sample.name}: the image, {role} and alpha differ in size")
    if image.shape[:2] != alpha.shape:
        raise InvalidInputError(f"{sample.name}: the image and alpha differ in size")
    foreground = estimate_foreground(image, alpha)
    background = fit_background(read_image(background_file).rgb, *alpha.shape)
    weight = alpha[:, :, None]
    name = f"{sample.name}.png"
    write_image(out / "image" / name, weight * foreground + (1 - weight) * background)
    write_image(out / "plate" / name, perturb_plate(background, rng))
    for role in sample.files.keys() - {"image"}:  # copied byte for byte: the benchmark's own files
        source = sample.files[role]
        shutil.copyfile(source, out / role / f"{sample.name}{source.suffix}")


def _source_text(
    matting: Path,
    backgrounds: Path,
    seed: int,
    samples: list[Sample],
    sources: dict[str, dict[str, str]],
    command: str,
) -> str:
    folders = ", ".join(
        f"`{role}/`" for role in ("image", "plate", *sorted(samples[0].files.keys() - {"image"}))
    )
    rows = "\n".join(f"| {name} | {entry['background']} |" for name, entry in sources.items())
    made_by = f"`{command}`" if command else "`app.evaluation.plate_set.make_plate_set`"
    return f"""# Clean-plate matting dev set

{len(samples)} synthetic clean-plate shots for evaluating clean-plate matting (Background Matting,
Sengupta et al. CVPR 2020): `main.py evaluate matting --data THIS_FOLDER --method clean-plate`.
Folders: {folders}, files of the same names.

Made by {made_by} (seed {seed}) from the matting set `{matting}` and the backgrounds in `{backgrounds}`:

- F, the subject's colours: `classic.foreground.estimate_foreground(image, alpha)` from the matting
  set's photo and ground-truth alpha.
- B: one background photo per image, drawn with numpy's `default_rng({seed})`, scaled to cover the
  photo's size and centre-cropped (`app.evaluation.compositing_set.fit_background`).
- `image/` = αF + (1 − α)B, 8-bit PNG.
- `plate/` = B as a second shot of the scene (`engine.training.plate_items.perturb_plate`, the same
  generator): the tripod moved by up to {PLATE_MAX_SHIFT:g} px and turned by up to {PLATE_MAX_ROTATION:g}°,
  gamma ~ N(1, {PLATE_GAMMA_SIGMA:g}), per-channel gains ~ N(1, {PLATE_GAIN_SIGMA:g}), Gaussian noise of
  σ up to {PLATE_MAX_NOISE:g}; 8-bit PNG.
- `alpha/` and the trimap folders: the matting set's files, copied unchanged.

Backgrounds used (also in `sources.json`):

| image | background |
|---|---|
{rows}

Terms: those of the sources. The photos and alphas come from the matting set (alphamatting.com's is a
research benchmark: evaluation only, never train on it or ship it); the backgrounds keep their own
licences (see the licence files beside them). Do not commit this folder; rebuild it with the command above.
"""
