"""The pipeline's loaded networks: each installed checkpoint is read once, wrapped in a ``Predictor``
on the chosen device, and reused until the file changes.

Without installed weights a kind raises ``NetworkUnavailableError`` naming the classic alternative, in
the command line's words (the GUI shows the same message).
"""

from __future__ import annotations

import threading
from pathlib import Path

from engine.checkpoint import CheckpointError, load_checkpoint
from engine.device import DeviceChoice, select_device
from engine.inference import OutputSelector, Predictor, Tiling, as_is, probability, refined_alpha, softmax
from engine.second_opinion import SecondOpinions
from engine.transparency_hint import TransparencyHints
from engine.weight_files import CHECKPOINT_NAMES
from engine.weights import require_network

CLASSIC_ALTERNATIVES = {
    "segmentation": "the saliency method",
    "refinement": "no refinement",
    "matting": "closed-form matting",
    "fusion": "the alpha or laplacian method",
    "plate-matting": "a trimap and closed-form matting",
    "trimap": "a trimap and closed-form matting, or the mask's band as the automatic cut-out's trimap",
}
# How each kind's output becomes values in [0, 1].
_OUTPUTS: dict[str, OutputSelector] = {
    "segmentation": probability,
    "refinement": probability,
    "matting": refined_alpha,
    "fusion": as_is,
    "plate-matting": as_is,
    "trimap": softmax,
}


def installed_network(kind: str, folder: Path | None) -> Path:
    """The weights file of ``kind`` in ``folder`` (None: ``engine.weights``' folder), or the refusal."""
    return require_network(kind, classic_alternative=CLASSIC_ALTERNATIVES[kind], folder=folder)


class Networks:
    """Predictors by (kind, device preference), loaded on first use, the second opinions
    (``engine.second_opinion``) and the transparency hints (``engine.transparency_hint``); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], tuple[tuple[str, int], Predictor]] = {}
        self._devices: dict[str, DeviceChoice] = {}
        self.second_opinions = SecondOpinions()
        self.transparency_hints = TransparencyHints()

    def device(self, preference: str) -> DeviceChoice:
        """The device for ``preference``, chosen once (``engine.device.select_device``)."""
        with self._lock:
            if preference not in self._devices:
                self._devices[preference] = select_device(preference)
            return self._devices[preference]

    def get(self, kind: str, path: Path, *, device: str, tiling: Tiling) -> Predictor:
        """The Predictor of the checkpoint at ``path``; read again only when the file has changed."""
        choice = self.device(device)
        stamp = (str(path.resolve()), path.stat().st_mtime_ns)
        with self._lock:
            cached = self._loaded.get((kind, device))
            if cached is not None and cached[0] == stamp:
                return cached[1]
            model, info = load_checkpoint(path, map_location="cpu")
            if info.name not in CHECKPOINT_NAMES[kind]:
                raise CheckpointError(f"{path} holds a {info.name!r} network, not a {kind} network")
            predictor = Predictor(
                model, device=choice, output=_OUTPUTS[kind], name=f"{kind} network", tiling=tiling
            )
            self._loaded[(kind, device)] = (stamp, predictor)
            return predictor
