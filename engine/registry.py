"""Networks by name: the one mapping that ``create_model`` and checkpoints look classes up in."""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

from classic.checks import InvalidInputError
from engine.nets import (
    FusionNet,
    MattingNet,
    PlateMattingNet,
    RefinementNet,
    SegmentationNet,
    SingleStreamFusionNet,
    TrimapNet,
)

MODELS: dict[str, type[nn.Module]] = {
    "segmentation": SegmentationNet,
    "refinement": RefinementNet,
    "matting": MattingNet,
    "fusion": FusionNet,
    "fusion-single-stream": SingleStreamFusionNet,
    "plate-matting": PlateMattingNet,
    "trimap": TrimapNet,
}


def model_class(name: str) -> type[nn.Module]:
    """The class registered as ``name``, or ``InvalidInputError`` listing the known names."""
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise InvalidInputError(f"unknown network {name!r}; known networks: {', '.join(MODELS)}") from None


def create_model(name: str, **config: Any) -> nn.Module:
    """A new, untrained network ``name`` (a key of ``MODELS``) built with constructor arguments ``config``.

    Unknown names, unknown or missing arguments and rejected values raise ``InvalidInputError``.
    """
    cls = model_class(name)
    signature = inspect.signature(cls)
    try:
        signature.bind(**config)
    except TypeError as error:
        accepted = ", ".join(signature.parameters)
        raise InvalidInputError(
            f"bad configuration for network {name!r}: {error}; {cls.__name__} accepts {accepted}"
        ) from None
    try:
        return cls(**config)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"bad configuration for network {name!r}: {error}") from None
