"""The Predictor: tiles against the whole image, working resolution, out-of-memory retries, cancellation.

Stand-in networks keep these tests independent of any trained weights: a small translation-equivariant
convolution stack, a pointwise module that runs out of memory above a size, and one whose outputs move
too much in bfloat16.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from classic.checks import InvalidInputError
from classic.progress import Cancelled
from engine.device import CPU, DeviceChoice
from engine.inference import Predictor, Tiling, is_out_of_memory, probability

TILE_TOLERANCE = 1e-4  # receptive field 3 px < the 8 px dead zone: tiles equal the whole image


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.reports.append((fraction, message))

    def messages(self) -> str:
        return "\n".join(message for _, message in self.reports)


class ConvStandIn(nn.Module):
    """Three 3×3 convolutions (receptive field 7×7): shifting the input shifts the output."""

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.layers = nn.Sequential(
            nn.Conv2d(in_channels, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 1, 3, padding=1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 4.0 * self.layers(x)


class RunsOutOfMemory(nn.Module):
    """Averages the channels; raises CUDA's out-of-memory error above ``limit`` pixels or on ``device``."""

    def __init__(self, *, limit: int = 10**9, device: str | None = None, as_runtime_error: bool = False):
        super().__init__()
        self.limit, self.device, self.as_runtime_error = limit, device, as_runtime_error
        self.sizes: list[tuple[int, int]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.sizes.append((x.shape[-2], x.shape[-1]))
        if x.shape[-2] * x.shape[-1] > self.limit or x.device.type == self.device:
            if self.as_runtime_error:
                raise RuntimeError("CUDA error: out of memory")
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return x.mean(dim=1, keepdim=True)


def smooth_image(height: int, width: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    noise = rng.random((1, 3, height // 8 + 2, width // 8 + 2), dtype=np.float32)
    smooth = torch.nn.functional.interpolate(torch.from_numpy(noise), size=(height, width), mode="bilinear")
    return smooth.clamp(0, 1)


def test_the_predictor_puts_the_network_in_eval_mode_and_channels_last() -> None:
    model = ConvStandIn()
    model.train()
    Predictor(model, output=probability)
    assert not model.training
    assert model.layers[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_tiles_match_the_whole_image_for_a_translation_equivariant_network() -> None:
    image = smooth_image(200, 300)
    predictor = Predictor(ConvStandIn(), output=probability, tiling=Tiling(tile=96, overlap=32))
    whole = predictor.run([image])
    progress = Recorder()
    tiled = predictor.run([image], tile=96, progress=progress)
    assert tiled.shape == whole.shape == (1, 1, 200, 300)
    assert float((tiled - whole).abs().max()) < TILE_TOLERANCE
    assert "tile 1 of" in progress.messages() and progress.reports[-1][0] == 1.0


def test_tiles_match_the_whole_image_for_the_real_segmentation_network() -> None:
    # Untrained, so its logits vary little: compare the tiling error with their spread. Its receptive
    # field exceeds a tile, so the tiles cannot be exact, only close.
    from engine.registry import create_model

    torch.manual_seed(0)
    predictor = Predictor(create_model("segmentation"), output=lambda logits: logits.float())
    image = smooth_image(160, 256)
    whole, tiled = predictor.run([image]), predictor.run([image], tile=128)
    spread = float(whole.max() - whole.min())
    assert spread > 0 and float((tiled - whole).abs().max()) < 0.01 * spread


def test_a_tile_larger_than_the_photo_runs_it_whole() -> None:
    image = smooth_image(40, 70)
    predictor = Predictor(ConvStandIn(), output=probability)
    np.testing.assert_allclose(predictor.run([image], tile=512), predictor.run([image]), atol=1e-6)


def test_predict_matte_runs_at_the_working_resolution_and_upsamples() -> None:
    model = RunsOutOfMemory()
    photo = smooth_image(300, 400).squeeze(0).permute(1, 2, 0).numpy().copy()
    matte = Predictor(model).predict_matte(photo, megapixels=0.03)
    assert matte.shape == (300, 400) and matte.dtype == np.float32
    assert matte.min() >= 0.0 and matte.max() <= 1.0
    assert max(h * w for h, w in model.sizes) <= 0.03e6 * 1.2  # padded to a multiple of 32
    np.testing.assert_allclose(matte, photo.mean(axis=2), atol=0.02)  # the guided filter keeps the detail


def test_predict_matte_adds_the_extra_channel_and_checks_it() -> None:
    photo = np.full((64, 96, 3), 0.25, np.float32)
    extra = np.ones((64, 96), np.float32)
    matte = Predictor(RunsOutOfMemory()).predict_matte(photo, extra=extra, size=(32, 32))
    np.testing.assert_allclose(matte, (3 * 0.25 + 1) / 4, atol=1e-5)
    with pytest.raises(InvalidInputError, match="extra channel"):
        Predictor(RunsOutOfMemory()).predict_matte(photo, extra=extra[:10])


def test_out_of_memory_retries_in_smaller_tiles() -> None:
    model = RunsOutOfMemory(limit=130 * 130)
    progress = Recorder()
    image = smooth_image(256, 256)
    result = Predictor(model, tiling=Tiling(tile=512, overlap=32, min_tile=64)).run(
        [image], progress=progress
    )
    np.testing.assert_allclose(result, image.mean(dim=1, keepdim=True), atol=1e-6)
    assert (256, 256) in model.sizes and max(h * w for h, w in model.sizes[1:]) <= 128 * 128
    assert "128-pixel tiles" in progress.messages()


@pytest.mark.parametrize("as_runtime_error", [False, True])
def test_out_of_memory_on_the_gpu_falls_back_to_the_cpu(as_runtime_error: bool) -> None:
    # "meta" stands in for a GPU: the module runs out of memory on it whatever the tile size.
    fake_gpu = DeviceChoice(torch.device("meta"), "fake GPU")
    model = RunsOutOfMemory(device="meta", as_runtime_error=as_runtime_error)
    predictor = Predictor(model, device=fake_gpu, tiling=Tiling(tile=256, overlap=32, min_tile=64))
    progress = Recorder()
    image = smooth_image(128, 160)
    result = predictor.run([image], progress=progress)
    np.testing.assert_allclose(result, image.mean(dim=1, keepdim=True), atol=1e-6)
    assert predictor.device == CPU
    assert "on the CPU" in progress.messages() and "64-pixel tiles" in progress.messages()


def test_out_of_memory_on_the_cpu_with_the_smallest_tiles_is_a_memory_error() -> None:
    predictor = Predictor(RunsOutOfMemory(limit=10), tiling=Tiling(tile=256, overlap=32, min_tile=64))
    with pytest.raises(MemoryError, match="not enough memory"):
        predictor.run([smooth_image(128, 128)])


def test_other_errors_are_not_mistaken_for_out_of_memory() -> None:
    assert is_out_of_memory(RuntimeError("MPS backend out of memory"))
    assert not is_out_of_memory(RuntimeError("size mismatch"))
    assert not is_out_of_memory(ValueError("out of memory"))


def test_cancelling_stops_between_tiles() -> None:
    model = RunsOutOfMemory()
    asked = []

    def is_cancelled() -> bool:
        asked.append(True)
        return len(asked) > 2

    with pytest.raises(Cancelled):
        Predictor(model).run([smooth_image(256, 256)], tile=64, is_cancelled=is_cancelled)
    assert 0 < len(model.sizes) < 4


def test_inputs_must_share_one_size() -> None:
    with pytest.raises(InvalidInputError, match="one height and width"):
        Predictor(RunsOutOfMemory()).run([smooth_image(32, 32), smooth_image(64, 32)])


class SharpStandIn(ConvStandIn):
    """A steep sigmoid of a convolution: bfloat16's rounding flips outputs near 0.5."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.layers(x).float()
        return torch.sigmoid(2000.0 * (features - features.mean()))


def test_bfloat16_is_kept_only_for_networks_that_pass_the_check() -> None:
    bf16_cpu = DeviceChoice(torch.device("cpu"), "CPU", bfloat16=True)
    gentle = Predictor(ConvStandIn(), device=bf16_cpu, output=probability)
    sharp = Predictor(SharpStandIn(), device=bf16_cpu)
    assert gentle.uses_bfloat16 is None and sharp.uses_bfloat16 is None
    image = smooth_image(96, 96)
    gentle.run([image])
    sharp_result = sharp.run([image])
    assert gentle.uses_bfloat16 is True and sharp.uses_bfloat16 is False
    assert sharp_result.dtype == torch.float32
    assert Predictor(ConvStandIn(), device=CPU).uses_bfloat16 is False


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_tiles_match_the_whole_image_on_cuda_in_fp16() -> None:
    from engine.device import select_device

    predictor = Predictor(ConvStandIn(), device=select_device("cuda"), output=probability)
    image = smooth_image(200, 300)
    whole, tiled = predictor.run([image]), predictor.run([image], tile=96)
    assert float((tiled - whole).abs().max()) < 0.002  # fp16 rounding differs between tile shapes
    reference = Predictor(ConvStandIn(), output=probability).run([image])
    assert float((whole - reference).abs().max()) < 0.01  # fp16 autocast stays within 1 %
