"""Where network weights files live: the kinds of network, the shipped folder, the override.

The names the store (``engine.model_store``) and the loaders (``engine.weights``, ``engine.networks``)
share, in a module that imports neither, so they build on it without importing each other in a circle.
"""

from __future__ import annotations

import os
from pathlib import Path

from classic.checks import InvalidInputError

WEIGHTS_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "weights"
WEIGHTS_ENVIRONMENT = "COMPOSITOR_WEIGHTS"
NETWORK_KINDS = ("segmentation", "refinement", "matting", "fusion", "plate-matting", "trimap")
# The registry names a kind's checkpoint may hold.
CHECKPOINT_NAMES = {
    "segmentation": ("segmentation",),
    "refinement": ("refinement",),
    "matting": ("matting",),
    "fusion": ("fusion", "fusion-single-stream"),
    "plate-matting": ("plate-matting",),
    "trimap": ("trimap",),
}


def weights_folder() -> Path:
    """The folder of installed weights: ``$COMPOSITOR_WEIGHTS`` when set, else ``resources/weights``."""
    override = os.environ.get(WEIGHTS_ENVIRONMENT, "").strip()
    return Path(override).expanduser() if override else WEIGHTS_FOLDER


def weights_path(kind: str, *, folder: Path | None = None) -> Path:
    """Where the weights for ``kind`` (one of ``NETWORK_KINDS``) are expected, installed or not."""
    if kind not in NETWORK_KINDS:
        raise InvalidInputError(f"unknown network kind {kind!r}; choose one of {', '.join(NETWORK_KINDS)}")
    return (folder if folder is not None else weights_folder()) / f"{kind}.pt"
