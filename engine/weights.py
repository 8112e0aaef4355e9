"""Where trained network weights are installed, and the clear refusal when none are.

Trained weights ship under ``resources/weights/NAME.pt``; a version the user fine-tuned and selected in
the model store (``engine.model_store``) takes their place. The ``COMPOSITOR_WEIGHTS`` environment
variable points at another folder instead of both (tests install checkpoints of untrained networks in a
temporary one), and ``pinned_weights`` points one kind at one file for a block of code on one thread
(evaluating a version without selecting it). Without weights, the ``network`` and ``fusion`` methods of
the command line and the GUI report that no trained network is installed, and the classic methods stay
the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from classic.checks import InvalidInputError
from engine.model_store import ModelStore
from engine.weight_files import (
    CHECKPOINT_NAMES,
    NETWORK_KINDS,
    WEIGHTS_ENVIRONMENT,
    WEIGHTS_FOLDER,
    weights_folder,
    weights_path,
)

__all__ = [
    "CHECKPOINT_NAMES",
    "NETWORK_KINDS",
    "WEIGHTS_ENVIRONMENT",
    "WEIGHTS_FOLDER",
    "NetworkUnavailableError",
    "installed_weights",
    "pinned_weights",
    "require_network",
    "weights_folder",
    "weights_path",
]

# A context variable, so a pin made by a job on the worker thread is seen by that job only.
_PINNED: ContextVar[Mapping[str, Path] | None] = ContextVar("pinned_weights", default=None)


class NetworkUnavailableError(InvalidInputError):
    """Raised when a method needs a trained network that is not installed."""


def installed_weights(kind: str, *, folder: Path | None = None) -> Path | None:
    """Path of the installed weights for ``kind`` (one of ``NETWORK_KINDS``), or None.

    Without ``folder``: a pinned file, else ``$COMPOSITOR_WEIGHTS``' file, else the model store's active
    version (the selected one, or the shipped default).
    """
    path = weights_path(kind, folder=folder)
    if folder is None:
        pinned = (_PINNED.get() or {}).get(kind)
        if pinned is not None:
            return pinned if pinned.is_file() else None
        if not os.environ.get(WEIGHTS_ENVIRONMENT, "").strip():
            return ModelStore().active_path(kind)
    return path if path.is_file() else None


@contextmanager
def pinned_weights(kind: str, path: Path) -> Iterator[None]:
    """Within the block, on this thread only, ``installed_weights(kind)`` is ``path`` (if it exists)."""
    weights_path(kind)  # Refuses an unknown kind.
    token = _PINNED.set({**(_PINNED.get() or {}), kind: Path(path)})
    try:
        yield
    finally:
        _PINNED.reset(token)


def require_network(kind: str, *, classic_alternative: str, folder: Path | None = None) -> Path:
    """Return the installed weights for ``kind`` or raise ``NetworkUnavailableError`` saying what to use."""
    path = installed_weights(kind, folder=folder)
    if path is None:
        raise NetworkUnavailableError(
            f"no trained {kind} network is installed yet (expected {weights_path(kind, folder=folder)}); "
            f"use {classic_alternative} instead"
        )
    return path
