"""Device selection: CUDA, then MPS, then the CPU; overrides; fallbacks with a reason; the bfloat16 check."""

from __future__ import annotations

import pytest
import torch

from classic.checks import InvalidInputError
from engine import device as device_module
from engine.device import (
    BFLOAT16_TOLERANCE,
    DEVICE_ENVIRONMENT,
    bfloat16_agrees,
    select_device,
)


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch):
    """Pretend the machine has the devices named in ``machine(cuda=..., mps=..., bf16=...)``."""
    monkeypatch.delenv(DEVICE_ENVIRONMENT, raising=False)

    def pretend(*, cuda: bool = False, mps: bool = False, bf16: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Test GPU")
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
        monkeypatch.setattr(device_module, "cpu_has_native_bfloat16", lambda: bf16)

    return pretend


def test_auto_prefers_cuda_then_mps_then_cpu(machine) -> None:
    machine(cuda=True, mps=True)
    choice = select_device()
    assert choice.device == torch.device("cuda", 0) and choice.half and not choice.bfloat16
    assert "Test GPU" in choice.reason

    machine(cuda=False, mps=True)
    choice = select_device("auto")
    assert choice.device.type == "mps" and not choice.half and "Metal" in choice.reason

    machine(cuda=False, mps=False)
    choice = select_device()
    assert choice.device.type == "cpu" and not choice.half and "no GPU" in choice.reason


def test_a_named_device_overrides_auto(machine) -> None:
    machine(cuda=True, mps=True)
    assert select_device("cpu").device.type == "cpu"
    assert select_device("mps").device.type == "mps"


@pytest.mark.parametrize(("preference", "name"), [("cuda", "CUDA"), ("mps", "MPS")])
def test_an_absent_device_falls_back_to_the_cpu_and_says_so(machine, preference: str, name: str) -> None:
    machine(cuda=False, mps=False)
    choice = select_device(preference)
    assert choice.device.type == "cpu" and not choice.half
    assert name in choice.reason and "not" in choice.reason


def test_the_environment_variable_overrides_auto_only(machine, monkeypatch: pytest.MonkeyPatch) -> None:
    machine(cuda=True)
    monkeypatch.setenv(DEVICE_ENVIRONMENT, "CPU")
    choice = select_device()
    assert choice.device.type == "cpu" and DEVICE_ENVIRONMENT in choice.reason
    assert select_device("cuda").device.type == "cuda"  # the caller's explicit choice wins

    machine(cuda=False)
    monkeypatch.setenv(DEVICE_ENVIRONMENT, "cuda")
    assert DEVICE_ENVIRONMENT in select_device().reason and select_device().device.type == "cpu"


def test_unknown_devices_are_refused(machine, monkeypatch: pytest.MonkeyPatch) -> None:
    machine()
    with pytest.raises(InvalidInputError, match="tpu"):
        select_device("tpu")
    monkeypatch.setenv(DEVICE_ENVIRONMENT, "quantum")
    with pytest.raises(InvalidInputError, match=DEVICE_ENVIRONMENT):
        select_device()


def test_bfloat16_is_offered_only_on_cpus_with_native_support(machine) -> None:
    machine(bf16=False)
    assert not select_device().bfloat16 and "float32" in select_device().reason
    machine(bf16=True)
    assert select_device("cpu").bfloat16 and "bfloat16" in select_device("cpu").reason
    machine(cuda=True, bf16=True)
    assert not select_device().bfloat16  # CUDA uses fp16


def test_bfloat16_check_uses_the_stated_tolerance() -> None:
    exact = torch.full((1, 1, 4, 4), 0.5)
    assert bfloat16_agrees(lambda reduced: exact)
    assert bfloat16_agrees(lambda reduced: exact + (0.9 * BFLOAT16_TOLERANCE if reduced else 0.0))
    assert not bfloat16_agrees(lambda reduced: exact + (1.5 * BFLOAT16_TOLERANCE if reduced else 0.0))
    assert not bfloat16_agrees(lambda reduced: exact * (float("nan") if reduced else 1.0))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_real_cuda_device_is_chosen() -> None:
    choice = select_device()
    assert choice.device.type == "cuda" and choice.half
