"""Where trained network weights are installed, and the clear refusal when none are.

Trained weights ship under ``resources/weights/NAME.pt``; the ``COMPOSITOR_WEIGHTS`` environment variable
points at another folder (tests install checkpoints of untrained networks in a temporary one). Without
weights, the ``network`` and ``fusion`` methods of the command line and the GUI report that no trained
network is installed, and the classic methods stay the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

from classic.checks import InvalidInputError

WEIGHTS_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "weights"
WEIGHTS_ENVIRONMENT = "COMPOSITOR_WEIGHTS"
NETWORK_KINDS = ("segmentation", "refinement", "matting", "fusion")


class NetworkUnavailableError(InvalidInputError):
    """Raised when a method needs a trained network that is not installed."""


def weights_folder() -> Path:
    """The folder of installed weights: ``$COMPOSITOR_WEIGHTS`` when set, else ``resources/weights``."""
    override = os.environ.get(WEIGHTS_ENVIRONMENT, "").strip()
    return Path(override).expanduser() if override else WEIGHTS_FOLDER


def weights_path(kind: str, *, folder: Path | None = None) -> Path:
    """Where the weights for ``kind`` (one of ``NETWORK_KINDS``) are expected, installed or not."""
    if kind not in NETWORK_KINDS:
        raise InvalidInputError(f"unknown network kind {kind!r}; choose one of {', '.join(NETWORK_KINDS)}")
    return (folder if folder is not None else weights_folder()) / f"{kind}.pt"


def installed_weights(kind: str, *, folder: Path | None = None) -> Path | None:
    """Path of the installed weights for ``kind`` (one of ``NETWORK_KINDS``), or None."""
    path = weights_path(kind, folder=folder)
    return path if path.is_file() else None


def require_network(kind: str, *, classic_alternative: str, folder: Path | None = None) -> Path:
    """Return the installed weights for ``kind`` or raise ``NetworkUnavailableError`` saying what to use."""
    path = installed_weights(kind, folder=folder)
    if path is None:
        raise NetworkUnavailableError(
            f"no trained {kind} network is installed yet (expected {weights_path(kind, folder=folder)}); "
            f"use {classic_alternative} instead"
        )
    return path
