"""Where trained network weights are installed, and the clear refusal when none are.

Trained weights ship under ``resources/weights/NAME.pt``. Until the training issue ships them, the
``network`` and ``fusion`` methods of the command line and the GUI report that no trained network is
installed, and the classic methods stay the defaults.
"""

from __future__ import annotations

from pathlib import Path

from classic.checks import InvalidInputError

WEIGHTS_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "weights"
NETWORK_KINDS = ("segmentation", "refinement", "matting", "fusion")


class NetworkUnavailableError(InvalidInputError):
    """Raised when a method needs a trained network that is not installed."""


def installed_weights(kind: str, *, folder: Path = WEIGHTS_FOLDER) -> Path | None:
    """Path of the installed weights for ``kind`` (one of ``NETWORK_KINDS``), or None."""
    if kind not in NETWORK_KINDS:
        raise InvalidInputError(f"unknown network kind {kind!r}; choose one of {', '.join(NETWORK_KINDS)}")
    path = folder / f"{kind}.pt"
    return path if path.is_file() else None


def require_network(kind: str, *, classic_alternative: str, folder: Path = WEIGHTS_FOLDER) -> Path:
    """Return the installed weights for ``kind`` or raise ``NetworkUnavailableError`` saying what to use."""
    path = installed_weights(kind, folder=folder)
    if path is None:
        raise NetworkUnavailableError(
            f"no trained {kind} network is installed yet (expected {folder / (kind + '.pt')}); "
            f"use {classic_alternative} instead"
        )
    raise NetworkUnavailableError(
        f"found {path}, but this version cannot run {kind} networks yet; use {classic_alternative} instead"
    )
