"""Batch norm folded into convolutions for inference (``engine.nets.folding``)."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
import torch
from torch import nn

from engine.inference import Predictor, as_is
from engine.nets.base import Network
from engine.nets.folding import fold_batch_norms
from engine.registry import MODELS, create_model
from engine.training.tasks import KINDS, accepted_names, model_config

# Every registered network in its default shape, and each kind as it ships; the older encoder too.
CONFIGS: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in MODELS] + [
    (accepted_names(kind)[0], model_config(kind)) for kind in KINDS
]
CONFIGS += [("segmentation", {"encoder": "mobilenet"})]


ModuleT = TypeVar("ModuleT", bound=nn.Module)


def _trained_looking(model: ModuleT) -> ModuleT:
    """``model`` with random batch-norm statistics and affine parameters, as training leaves them (fresh
    ones, mean 0 and variance 1, fold to almost nothing)."""
    generator = torch.Generator().manual_seed(0)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            size = module.num_features
            module.running_mean = torch.randn(size, generator=generator) * 0.5
            module.running_var = torch.rand(size, generator=generator) * 2.0 + 0.1
            with torch.no_grad():
                module.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(size, generator=generator) * 0.2)
    return model.eval()


@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_every_network_folds_all_its_batch_norms_and_computes_the_same(
    name: str, config: dict[str, Any]
) -> None:
    torch.manual_seed(0)
    model = _trained_looking(create_model(name, **config))
    assert isinstance(model, Network)
    x = torch.rand(1, model.in_channels, 64, 96)
    expected = model.predict(x)
    assert fold_batch_norms(model) is model
    assert not any(isinstance(module, nn.BatchNorm2d) for module in model.modules())
    torch.testing.assert_close(model.predict(x), expected, atol=1e-4, rtol=1e-4)


def test_a_batch_norm_after_something_else_than_a_convolution_is_kept() -> None:
    model = _trained_looking(nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(3)))
    x = torch.rand(1, 2, 8, 8)
    expected = model(x)
    fold_batch_norms(model)
    assert isinstance(model[2], nn.BatchNorm2d)
    torch.testing.assert_close(model(x), expected)


def test_the_predictor_folds_the_network_it_runs() -> None:
    model = _trained_looking(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)))
    x = torch.rand(1, 3, 32, 32)
    expected = model(x)
    output = Predictor(model, output=as_is).run([x])
    torch.testing.assert_close(output, expected, atol=1e-5, rtol=1e-5)
    assert isinstance(model[1], nn.Identity)
