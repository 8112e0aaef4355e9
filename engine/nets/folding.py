"""Batch norm folded into the convolution it follows, for inference.

In eval mode a batch norm is a fixed per-channel affine map, y = γ·(x − μ)/√(σ² + ε) + β, so after a
convolution it folds into that convolution: W' = s·W and b' = s·(b − μ) + β per output channel, with
s = γ/√(σ² + ε). The folded network computes the same function to float rounding, with one pass over the
activations fewer per pair (on this project's networks 10–25 % of a CPU forward pass). ``Predictor``
folds every network it is given to run, which is then for inference only; training never uses one.

A pair is a convolution whose output goes straight into a batch norm: consecutive children of an
``nn.Sequential`` (``engine.nets.parts.ConvBNReLU``), or the attribute names a module lists in its
``FOLDED_PAIRS`` (EfficientNet's blocks, which call their layers one by one).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from itertools import pairwise

import torch
from torch import nn


def fold_batch_norms(model: nn.Module) -> nn.Module:
    """``model``, switched to eval mode, with every (convolution, batch norm) pair folded into the
    convolution and the batch norm replaced by an identity, in place: it is for inference from now on."""
    model.eval()
    for module in list(model.modules()):
        for conv_name, norm_name in list(_pairs(module)):
            conv, norm = getattr(module, conv_name), getattr(module, norm_name)
            setattr(module, conv_name, _folded(conv, norm))
            setattr(module, norm_name, nn.Identity())
    return model


def _pairs(module: nn.Module) -> Iterator[tuple[str, str]]:
    if isinstance(module, nn.Sequential):
        names = [name for name, _ in module.named_children()]
        candidates = list(pairwise(names))
    else:
        candidates = list(getattr(module, "FOLDED_PAIRS", ()))
    for conv_name, norm_name in candidates:
        conv, norm = getattr(module, conv_name, None), getattr(module, norm_name, None)
        if _foldable(conv, norm):
            yield conv_name, norm_name


def _foldable(conv: object, norm: object) -> bool:
    return (
        isinstance(conv, nn.Conv2d)
        and isinstance(norm, nn.BatchNorm2d)
        and norm.running_mean is not None
        and norm.running_var is not None
        and conv.out_channels == norm.num_features
    )


def _folded(conv: nn.Conv2d, norm: nn.BatchNorm2d) -> nn.Conv2d:
    assert norm.running_mean is not None and norm.running_var is not None  # _foldable checked it
    result = copy.deepcopy(conv)
    with torch.no_grad():
        scale = torch.rsqrt(norm.running_var + norm.eps)
        if norm.weight is not None:
            scale = scale * norm.weight
        shift = -norm.running_mean * scale
        if conv.bias is not None:
            shift = shift + conv.bias * scale
        if norm.bias is not None:
            shift = shift + norm.bias
        result.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        result.bias = nn.Parameter(shift.to(conv.weight.dtype))
    return result
