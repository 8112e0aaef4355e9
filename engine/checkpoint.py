"""Self-describing checkpoints: the weights beside everything needed to rebuild the network.

One file, written by ``torch.save`` and read with ``torch.load(weights_only=True)``, holding a dict of
plain values: ``format_version``, ``name`` (a key of ``engine.registry.MODELS``), ``class``, ``config``
(the constructor's keyword arguments), ``trained_on``, ``metrics``, ``extra``, ``torch_version`` and
``state_dict`` (CPU tensors). Loading never guesses: every disagreement raises ``CheckpointError`` with a
one-line message naming the file and the problem. (After segmentation_models.pytorch's
``save_pretrained``, which writes the config beside the weights.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from classic.atomic_file import write_atomically_with
from classic.checks import InvalidInputError
from engine.registry import MODELS, create_model, model_class

FORMAT_VERSION = 1
_KEYS = ("format_version", "name", "class", "config", "trained_on", "metrics", "state_dict", "torch_version")


class CheckpointError(InvalidInputError):
    """Raised when a checkpoint cannot be written or read, with what is wrong in one line."""


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint says about itself, besides the weights."""

    path: Path
    name: str
    class_name: str
    config: dict[str, Any]
    trained_on: str
    metrics: dict[str, float]
    format_version: int = FORMAT_VERSION
    torch_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _is_plain(value: object) -> bool:
    """True for values ``torch.load(weights_only=True)`` reads back unchanged (and JSON could hold)."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_plain(item) for key, item in value.items())
    return False


def _mismatch(expected: dict[str, torch.Tensor], found: dict[str, Any]) -> str | None:
    """A description of how ``found`` differs from ``expected`` (keys and shapes), or None."""
    missing = [key for key in expected if key not in found]
    unexpected = [key for key in found if key not in expected]
    wrong = [
        f"{key} {tuple(found[key].shape)} instead of {tuple(tensor.shape)}"
        for key, tensor in expected.items()
        if key in found and (not isinstance(found[key], torch.Tensor) or found[key].shape != tensor.shape)
    ]
    problems = [
        f"{label} {', '.join(items[:3])}{' …' if len(items) > 3 else ''} ({len(items)})"
        for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong))
        if items
    ]
    return "; ".join(problems) or None


def save_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    *,
    name: str,
    config: dict[str, Any] | None = None,
    trained_on: str,
    metrics: dict[str, float],
    extra: dict[str, Any] | None = None,
    half: bool = False,
) -> None:
    """Write ``model``'s weights and description to ``path`` atomically (temporary file, then rename).

    ``half`` stores floating-point tensors as float16 (half the file; ``load_checkpoint`` copies them
    into the float32 network), for shipped weights.

    ``config`` defaults to ``model.config``. The checkpoint is checked to be loadable before anything
    is written: ``name`` must map to ``type(model)`` and ``config`` must rebuild a network with the same
    parameter names and shapes. ``config``, ``metrics`` and ``extra`` must hold plain values only.
    """
    path = Path(path)
    try:
        cls = model_class(name)
    except InvalidInputError as error:
        raise CheckpointError(str(error)) from None
    if type(model) is not cls:
        raise CheckpointError(f"network {name!r} is a {cls.__name__}, not a {type(model).__name__}")
    config = dict(getattr(model, "config", {}) if config is None else config)
    extra = {} if extra is None else dict(extra)
    for label, value in (("config", config), ("extra", extra)):
        if not _is_plain(value):
            raise CheckpointError(f"{label} must hold only str, int, float, bool, None, lists and dicts")
    try:
        plain_metrics = {str(key): float(value) for key, value in metrics.items()}
    except (TypeError, ValueError, AttributeError):
        raise CheckpointError(f"metrics must map names to numbers, got {metrics!r}") from None
    state_dict = {
        key: tensor.detach().to("cpu", torch.float16 if half and tensor.is_floating_point() else None).clone()
        for key, tensor in model.state_dict().items()
    }
    try:
        problem = _mismatch(create_model(name, **config).state_dict(), state_dict)
    except InvalidInputError as error:
        raise CheckpointError(f"config does not rebuild {cls.__name__}: {error}") from None
    if problem:
        raise CheckpointError(f"config does not rebuild this {cls.__name__}'s parameters: {problem}")
    payload = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "class": cls.__name__,
        "config": config,
        "trained_on": str(trained_on),
        "metrics": plain_metrics,
        "extra": extra,
        "torch_version": str(torch.__version__),
        "state_dict": state_dict,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically_with(path, lambda file: torch.save(payload, file))


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    map_location: str | torch.device = "cpu",
    expected_name: str | None = None,
) -> tuple[nn.Module, CheckpointInfo]:
    """The network stored at ``path``, in eval mode on ``map_location``, and its description.

    ``expected_name`` (a key of ``engine.registry.MODELS``) refuses a checkpoint of another network.
    Raises ``CheckpointError`` for a missing, truncated or corrupt file, another format version, an
    unknown network, a class the registry no longer maps the name to, a config the class rejects,
    weights that do not fit, or another network than expected.
    """
    path = Path(path)
    info, state_dict = _describe(path, _read(path))
    if expected_name is not None and info.name != expected_name:
        raise CheckpointError(f"{path} holds a {info.name!r} network, expected {expected_name!r}")
    cls = MODELS.get(info.name)
    if cls is None:
        raise CheckpointError(f"{path} holds an unknown network {info.name!r}; known: {', '.join(MODELS)}")
    if cls.__name__ != info.class_name:
        raise CheckpointError(
            f"{path} was saved from class {info.class_name} but {info.name!r} is now {cls.__name__}"
        )
    try:
        model = create_model(info.name, **info.config)
    except InvalidInputError as error:
        raise CheckpointError(f"{path}: {cls.__name__} rejects the stored config: {error}") from None
    problem = _mismatch(model.state_dict(), state_dict)
    if problem:
        raise CheckpointError(f"{path}: weights do not fit {cls.__name__}: {problem}")
    model.load_state_dict(state_dict)
    return model.to(torch.device(map_location)).eval(), info


def copy_checkpoint(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, half: bool = False
) -> None:
    """Write the checkpoint at ``source`` again at ``target`` (``half``: floats stored as float16), with
    the same name, config, description and metrics; ``extra`` records the storage."""
    model, info = load_checkpoint(source)
    extra = {**info.extra, "storage": "float16" if half else "float32"}
    save_checkpoint(
        target,
        model,
        name=info.name,
        trained_on=info.trained_on,
        metrics=info.metrics,
        extra=extra,
        half=half,
    )


def _read(path: Path) -> dict[str, Any]:
    """The checkpoint's dict, or ``CheckpointError`` for a missing or unreadable file."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for bad bytes: pickle, zip, EOF, runtime errors
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise CheckpointError(
            f"{path} is not a readable checkpoint (truncated or corrupt?): {reason}"
        ) from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} is not a checkpoint: it holds a {type(data).__name__}, not a dict")
    return data


def _describe(path: Path, data: dict[str, Any]) -> tuple[CheckpointInfo, dict[str, Any]]:
    """The description and state dict of a checkpoint dict, checking the version, keys and types."""
    version = data.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format version {version!r}; this version reads {FORMAT_VERSION}"
        )
    missing = [key for key in _KEYS if key not in data]
    if missing:
        raise CheckpointError(f"{path} is not a complete checkpoint: missing {', '.join(missing)}")
    types = {"name": str, "class": str, "config": dict, "trained_on": str, "metrics": dict}
    types |= {"state_dict": dict, "torch_version": str}
    for key, expected in types.items():
        if not isinstance(data[key], expected):
            raise CheckpointError(f"{path}: {key} should be a {expected.__name__}, got {data[key]!r:.80}")
    extra = data.get("extra") or {}
    info = CheckpointInfo(
        path=path,
        name=data["name"],
        class_name=data["class"],
        config=dict(data["config"]),
        trained_on=data["trained_on"],
        metrics=dict(data["metrics"]),
        format_version=version,
        torch_version=data["torch_version"],
        extra=dict(extra) if isinstance(extra, Mapping) else {},
    )
    return info, data["state_dict"]
