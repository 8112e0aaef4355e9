"""What every network shares: a remembered constructor config, input checks that say what to pad to,
and ``predict`` (eval mode, ``torch.inference_mode``).

A network's ``config`` holds only plain values (ints, floats, bools, lists), so a checkpoint can store it
beside the weights and ``engine.registry.create_model(name, **config)`` rebuilds the same module.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from classic.checks import InvalidInputError
from engine.tensors import NETWORK_MULTIPLE, padded_size


def check_widths(name: str, values: Sequence[int], length: int) -> tuple[int, ...]:
    """``values`` as a tuple of ``length`` positive ints, or an ``InvalidInputError`` naming ``name``."""
    try:
        widths = tuple(values)
    except TypeError:
        raise InvalidInputError(
            f"{name} must be a sequence of {length} positive integers, got {values!r}"
        ) from None
    ok = len(widths) == length and all(isinstance(v, int) and not isinstance(v, bool) for v in widths)
    if not ok or min(widths) < 1:
        raise InvalidInputError(f"{name} must be a sequence of {length} positive integers, got {values!r}")
    return widths


def check_positive(name: str, value: int) -> int:
    """``value`` if it is a positive int, else an ``InvalidInputError`` naming ``name``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError(f"{name} must be a positive integer, got {value!r}")
    return value


class Network(nn.Module):
    """Base class: ``in_channels``, ``config`` (constructor keyword arguments), ``check_input``, ``predict``.

    Subclasses call ``super().__init__(in_channels, config)`` first, with ``config`` holding every
    constructor argument as a plain value (sequences as lists).
    """

    multiple: int = NETWORK_MULTIPLE

    def __init__(self, in_channels: int, config: Mapping[str, Any]) -> None:
        super().__init__()
        self.in_channels = in_channels
        self._config = {key: list(v) if isinstance(v, tuple) else v for key, v in config.items()}

    @property
    def config(self) -> dict[str, Any]:
        """The constructor's keyword arguments (a copy): ``type(net)(**net.config)`` rebuilds ``net``."""
        return copy.deepcopy(self._config)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``InvalidInputError`` unless ``x`` is ``(N, in_channels, H, W)``, H and W multiples of 32."""
        name = type(self).__name__
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise InvalidInputError(
                f"{name} expects an (N, {self.in_channels}, H, W) tensor, got shape {tuple(x.shape)}"
            )
        height, width = int(x.shape[2]), int(x.shape[3])
        if height % self.multiple or width % self.multiple:
            target_h, target_w = padded_size(height, width, self.multiple)
            raise InvalidInputError(
                f"{name} needs height and width divisible by {self.multiple}, got height {height}, "
                f"width {width}: pad to height {target_h}, width {target_w} "
                "(engine.tensors.pad_to_multiple, then crop_to)"
            )

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The network's final answer for ``x`` in eval mode under ``torch.inference_mode()``.

        Switches the module to eval mode (as segmentation_models.pytorch does) and returns what
        ``_prediction`` makes of ``forward``'s output (a probability, alpha or composite in [0, 1]).
        """
        if self.training:
            self.eval()
        with torch.inference_mode():
            return self._prediction(self(x))

    def _prediction(self, output: Any) -> torch.Tensor:
        assert isinstance(output, torch.Tensor)
        return output
