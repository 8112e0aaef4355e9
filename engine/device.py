"""Which device the networks run on: CUDA, then Apple MPS, then the CPU.

``select_device`` returns a ``DeviceChoice`` with a one-line ``reason`` for the status bar. The
preference comes from the caller ("auto", "cuda", "mps", "cpu") or, when the caller says "auto", from
the ``COMPOSITOR_DEVICE`` environment variable; asking for a device this machine lacks falls back to the
CPU and the reason says so.

Reduced precision:

- On CUDA the networks run under fp16 autocast (``half``): tensor cores, half the activation memory.
- On the CPU, bfloat16 autocast is about 1.5–2× faster where the CPU has native bfloat16 instructions
  (AVX512-BF16 or AMX) and much slower where it has to emulate them, so ``bfloat16`` is only ever True
  on such CPUs. Even there it is off until a network passes ``bfloat16_agrees``: the Predictor runs the
  network once in float32 and once in bfloat16 on a small copy of the first input and keeps bfloat16 only
  when no output value (all outputs are in [0, 1]) differs by more than ``BFLOAT16_TOLERANCE`` = 2/255,
  two grey levels of an 8-bit image. bfloat16 keeps 8 significant bits, so a deep network's outputs
  usually move by less than one grey level; a network with sharp sigmoids near 0.5 can move more, and
  then it stays in float32.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch

from classic.checks import InvalidInputError

DEVICE_PREFERENCES = ("auto", "cuda", "mps", "cpu")
DEVICE_ENVIRONMENT = "COMPOSITOR_DEVICE"
BFLOAT16_TOLERANCE = 2.0 / 255.0


@dataclass(frozen=True)
class DeviceChoice:
    """The device to run on; ``half``: fp16 autocast (CUDA); ``bfloat16``: bf16 autocast may be tried."""

    device: torch.device
    reason: str
    half: bool = False
    bfloat16: bool = False


CPU = DeviceChoice(torch.device("cpu"), "CPU")


def select_device(preference: str = "auto") -> DeviceChoice:
    """Pick the device for ``preference`` ("auto": CUDA, then MPS, then CPU; or a named device).

    With "auto", a ``COMPOSITOR_DEVICE`` environment variable naming a device takes precedence.
    """
    if preference not in DEVICE_PREFERENCES:
        raise InvalidInputError(
            f"unknown device {preference!r}; choose one of {', '.join(DEVICE_PREFERENCES)}"
        )
    source = "asked for"
    if preference == "auto" and _environment_preference() != "auto":
        preference = _environment_preference()
        source = f"{DEVICE_ENVIRONMENT}={preference} asks for"
    if preference == "cuda" or (preference == "auto" and torch.cuda.is_available()):
        if torch.cuda.is_available():
            name = torch.cuda.get_device_name(0)
            return DeviceChoice(torch.device("cuda", 0), f"GPU: {name} (CUDA, fp16)", half=True)
        return _cpu(f"{source} CUDA, but CUDA is not available")
    if preference == "mps" or (preference == "auto" and _mps_available()):
        if _mps_available():
            return DeviceChoice(torch.device("mps"), "GPU: Apple Metal (MPS)")
        return _cpu(f"{source} Apple MPS, but it is not available")
    return _cpu(f"{source} the CPU" if preference == "cpu" else "no GPU found")


def _environment_preference() -> str:
    value = os.environ.get(DEVICE_ENVIRONMENT, "").strip().lower()
    if not value:
        return "auto"
    if value not in DEVICE_PREFERENCES:
        raise InvalidInputError(
            f"{DEVICE_ENVIRONMENT}={value!r} is not a device; choose one of {', '.join(DEVICE_PREFERENCES)}"
        )
    return value


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _cpu(why: str) -> DeviceChoice:
    bfloat16 = cpu_has_native_bfloat16()
    precision = "bfloat16 where accurate" if bfloat16 else "float32"
    return DeviceChoice(torch.device("cpu"), f"CPU ({why}; {precision})", bfloat16=bfloat16)


def cpu_has_native_bfloat16() -> bool:
    """True when the CPU computes bfloat16 natively (AVX512-BF16 or AMX), so bf16 is faster, not slower."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    # Private helpers of torch.cpu; a torch without them simply gets float32.
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


def bfloat16_agrees(run: Callable[[bool], torch.Tensor], *, tolerance: float = BFLOAT16_TOLERANCE) -> bool:
    """True when ``run(True)`` (bfloat16) stays within ``tolerance`` of ``run(False)`` (float32).

    ``run`` returns the network's activated outputs, values in [0, 1], for the same small input.
    """
    reference = run(False).float()
    reduced = run(True).float()
    return bool(torch.isfinite(reduced).all()) and float((reduced - reference).abs().max()) <= tolerance
