"""Running a network on a photo: whole or in seam-free tiles, at a working resolution, out of memory safe.

``Predictor`` takes a network for inference: it puts it in eval mode, folds its batch norms into the
convolutions before them (``engine.nets.folding``), puts it in channels-last layout on the chosen device
and runs it under ``torch.inference_mode()``, with fp16 autocast on CUDA (and bfloat16 on CPUs where it
passes the check of ``engine.device``). Two ways keep memory bounded whatever the photo's size:

- a **working resolution**: ``predict_matte`` runs the network on a downscaled copy and brings the mask
  or alpha back to full resolution with ``classic.resize.guided_upsample``, so edges follow the
  full-resolution photo;
- **tiles**: ``run(..., tile=N)`` runs overlapping N×N windows and blends them with tent weights, as
  ``classic.tiles`` does; tiles start at multiples of 32 so a fully convolutional network sees the same
  pooling grid as on the whole image, and the tent makes each pixel come mostly from the tile in which it
  lies farthest from an edge, so no seam shows.

When CUDA runs out of memory, ``run`` retries with tiles half the size (whole image → half its longest
side → …) down to ``Tiling.min_tile``, then moves the network to the CPU and runs it there, telling the
progress callback why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from classic.resize import downscale, guided_upsample, resize_to
from engine.device import CPU, DeviceChoice, bfloat16_agrees
from engine.nets.folding import fold_batch_norms
from engine.tensors import NETWORK_MULTIPLE, crop_to, image_to_tensor, pad_to_multiple, tensor_to_image

OutputSelector = Callable[[Any], torch.Tensor]
# The bfloat16 check runs on a copy of the first input at most this many pixels on a side.
_PROBE_SIDE = 128


def probability(output: Any) -> torch.Tensor:
    """Segmentation or refinement logits → probability in [0, 1]."""
    return torch.sigmoid(output.float())


def refined_alpha(output: Any) -> torch.Tensor:
    """The matting network's (raw, refined) pair → the refined alpha."""
    return output[1].float()


def softmax(output: Any) -> torch.Tensor:
    """Class probabilities from logits over the channel dimension (the learned trimap's three classes)."""
    return torch.softmax(output, dim=1)


def as_is(output: Any) -> torch.Tensor:
    """A network whose output already lies in [0, 1] (the fusion network's composite)."""
    return output.float()


@dataclass(frozen=True)
class Tiling:
    """Tile side and overlap in pixels (rounded to multiples of 32); ``min_tile``: out-of-memory floor."""

    tile: int = 512
    overlap: int = 64
    min_tile: int = 128

    def __post_init__(self) -> None:
        if not 0 <= self.overlap < self.tile or self.min_tile < 1:
            raise InvalidInputError(
                f"tiles need 0 ≤ overlap < tile and min_tile ≥ 1, got tile {self.tile}, "
                f"overlap {self.overlap}, min_tile {self.min_tile}"
            )


def is_out_of_memory(error: BaseException) -> bool:
    """True for CUDA's ``OutOfMemoryError`` and for the RuntimeErrors other back ends raise instead."""
    if isinstance(error, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


class Predictor:
    """Runs ``model`` on (1, C, H, W) float32 tensors of any size; ``output`` maps its output to [0, 1]."""

    def __init__(
        self,
        model: nn.Module,
        *,
        device: DeviceChoice = CPU,
        output: OutputSelector = as_is,
        name: str = "network",
        tiling: Tiling = Tiling(),
    ) -> None:
        self.name = name
        self.tiling = tiling
        self._model = fold_batch_norms(model)  # for inference from now on, as eval mode and the device
        self._output = output
        self._multiple = int(getattr(model, "multiple", NETWORK_MULTIPLE))
        self._device = device
        self._bfloat16: bool | None = None if device.bfloat16 else False
        self._place(device)

    @property
    def device(self) -> DeviceChoice:
        """Where the network runs now (the CPU after an out-of-memory fallback)."""
        return self._device

    @property
    def in_channels(self) -> int | None:
        """The channels the network takes, when it says (``engine.nets.base.Network.in_channels``)."""
        channels = getattr(self._model, "in_channels", None)
        return channels if isinstance(channels, int) else None

    @property
    def uses_bfloat16(self) -> bool | None:
        """True/False once the bfloat16 check has run; None while it is pending."""
        return self._bfloat16

    def run(
        self,
        inputs: Sequence[torch.Tensor],
        *,
        tile: int | None = None,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> torch.Tensor:
        """The network's output for ``inputs`` via the output selector: (1, C, H, W) float32 on the CPU.

        ``inputs`` are the model's positional arguments, each (1, C_i, H, W) with the same H and W.
        ``tile`` None runs the whole image at once; a number runs overlapping tiles of that side.
        """
        height, width = _common_size(inputs)
        requested = tile
        while True:
            raise_if_cancelled(is_cancelled)
            try:
                return self._run_at(inputs, tile, progress, is_cancelled)
            except Exception as error:
                if not is_out_of_memory(error):
                    raise
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            # Outside the except block, so the failed attempt's tensors are already unreferenced.
            self._release_memory()
            smaller = self._smaller_tile(tile, height, width)
            where = self._device.device.type.upper()
            if smaller is not None:
                progress(0.0, f"Out of {where} memory: running the {self.name} in {smaller}-pixel tiles")
                tile = smaller
            elif self._device.device.type != "cpu":
                progress(
                    0.0, f"Out of {where} memory even in small tiles: running the {self.name} on the CPU"
                )
                self._place(CPU)
                tile = requested
            else:
                raise MemoryError(f"not enough memory to run the {self.name} ({reason})")

    def predict_matte(
        self,
        image: np.ndarray,
        *,
        extra: np.ndarray | Sequence[np.ndarray] = (),
        size: tuple[int, int] | None = None,
        megapixels: float | None = None,
        tile: int | None = None,
        extra_nearest: bool = False,
        radius: int = 2,
        epsilon: float = 1e-4,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """A mask or alpha (H, W) float32 in [0, 1] for ``image`` (H, W, 3), from the first output channel.

        ``extra`` (H, W) planes follow the RGB channels (a raw mask; a trimap, with ``extra_nearest``). The
        network runs at ``size`` = (width, height) when given (aspect ratio not kept, as the refinement
        network's 320×320 and 640×640 passes), else at ``megapixels`` when given, else at full size; the
        result comes back to full size by guided upsampling (``radius``, ``epsilon``).
        """
        check_image("image", image)
        if size is not None:
            small = resize_to(image, size)
        elif megapixels is not None:
            small = downscale(image, megapixels)
        else:
            small = image
        tensors = [image_to_tensor(small)]
        small_size = (small.shape[1], small.shape[0])
        for plane in [extra] if isinstance(extra, np.ndarray) else extra:
            check_matte("extra channel", plane)
            check_same_size("image", image, "extra channel", plane)
            tensors.append(image_to_tensor(resize_to(plane, small_size, nearest=extra_nearest)))
        output = self.run(
            [torch.cat(tensors, dim=1)], tile=tile, progress=progress, is_cancelled=is_cancelled
        )
        small_matte = np.clip(tensor_to_image(output[:, :1]), 0.0, 1.0)
        if small.shape == image.shape:
            return small_matte
        if small_matte.size >= image.shape[0] * image.shape[1]:  # a small photo run at a larger size
            return resize_to(small_matte, (image.shape[1], image.shape[0]))
        return guided_upsample(small_matte, small, image, radius=radius, epsilon=epsilon)

    def _run_at(
        self,
        inputs: Sequence[torch.Tensor],
        tile: int | None,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> torch.Tensor:
        padded = [pad_to_multiple(x, self._multiple)[0] for x in inputs]
        size = _common_size(inputs)
        if tile is None or all(side <= tile for side in padded[0].shape[-2:]):
            progress(0.0, f"Running the {self.name}")
            result = crop_to(self._forward(padded), size)
            progress(1.0, f"Ran the {self.name}")
            return result
        return crop_to(self._run_tiles(padded, tile, progress, is_cancelled), size)

    def _run_tiles(
        self,
        inputs: Sequence[torch.Tensor],
        tile: int,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> torch.Tensor:
        tile = max(self._multiple, tile // self._multiple * self._multiple)
        overlap = min(self.tiling.overlap, tile // 2) // self._multiple * self._multiple
        height, width = inputs[0].shape[-2:]
        windows = [
            (slice(top, min(top + tile, height)), slice(left, min(left + tile, width)))
            for top in _starts(height, tile, tile - overlap)
            for left in _starts(width, tile, tile - overlap)
        ]
        total: torch.Tensor | None = None
        weights = torch.zeros(1, 1, height, width)
        for index, (rows, cols) in enumerate(windows):
            raise_if_cancelled(is_cancelled)
            out = self._forward([x[..., rows, cols] for x in inputs])
            if total is None:
                total = torch.zeros(1, out.shape[1], height, width)
            tent = _tent(rows, cols, (height, width), dead=overlap // 4)
            total[..., rows, cols] += out * tent
            weights[..., rows, cols] += tent
            progress(
                (index + 1) / len(windows), f"Running the {self.name}: tile {index + 1} of {len(windows)}"
            )
        assert total is not None
        return total / weights

    def _forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        if self._bfloat16 is None:
            probe = [_shrunk(x, _PROBE_SIDE, self._multiple) for x in inputs]
            self._bfloat16 = bfloat16_agrees(lambda reduced: self._forward_with(probe, bfloat16=reduced))
        return self._forward_with(inputs, bfloat16=self._bfloat16)

    def _forward_with(self, inputs: Sequence[torch.Tensor], *, bfloat16: bool) -> torch.Tensor:
        device = self._device.device
        moved = [x.to(device).contiguous(memory_format=torch.channels_last) for x in inputs]
        with torch.inference_mode(), _autocast(self._device, bfloat16=bfloat16):
            output = self._output(self._model(*moved))
        return output.float().to("cpu").contiguous()

    def _place(self, device: DeviceChoice) -> None:
        self._device = device
        if not device.bfloat16:
            self._bfloat16 = False
        self._model.eval()
        # torch's type stubs omit Module.to's memory_format keyword, which it accepts.
        self._model.to(device.device, memory_format=torch.channels_last)  # type: ignore[call-overload]

    def _release_memory(self) -> None:
        if self._device.device.type == "cuda":
            torch.cuda.empty_cache()

    def _smaller_tile(self, tile: int | None, height: int, width: int) -> int | None:
        largest = max(height, width) if tile is None else min(tile, max(height, width))
        smaller = largest // 2 // self._multiple * self._multiple
        return smaller if smaller >= max(self.tiling.min_tile, self._multiple) else None


def _autocast(device: DeviceChoice, *, bfloat16: bool) -> torch.autocast:
    if device.half and device.device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16 and device.device.type == "cpu")


def _common_size(inputs: Sequence[torch.Tensor]) -> tuple[int, int]:
    if not inputs:
        raise InvalidInputError("a network needs at least one input")
    sizes = {tuple(x.shape[-2:]) for x in inputs}
    if len(sizes) != 1 or any(x.ndim != 4 or x.shape[0] != 1 for x in inputs):
        shapes = ", ".join(str(tuple(x.shape)) for x in inputs)
        raise InvalidInputError(
            f"network inputs must be (1, C, H, W) with one height and width, got {shapes}"
        )
    height, width = sizes.pop()
    return int(height), int(width)


def _starts(length: int, tile: int, stride: int) -> list[int]:
    # Every start is a multiple of the stride except the last, which ends at the (padded) edge; with
    # length, tile and stride multiples of 32, all starts are multiples of 32.
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, stride))
    return [*starts, length - tile]


def _tent(rows: slice, cols: slice, size: tuple[int, int], *, dead: int) -> torch.Tensor:
    """Blending weights of one tile: a tent falling towards the tile's inner edges, as classic.tiles.

    Two changes make tiles agree with the whole image: the ``dead`` pixels nearest an inner edge (those
    a convolution's zero padding reaches) weigh almost nothing, and the weights do not fall towards the
    photo's own borders, where no neighbouring tile could take over.
    """

    def ramp(window: slice, length: int) -> torch.Tensor:
        positions = torch.arange(window.stop - window.start, dtype=torch.float32)
        from_start = positions if window.start > 0 else torch.full_like(positions, float(length))
        from_end = positions.flip(0) if window.stop < length else torch.full_like(positions, float(length))
        return (torch.minimum(from_start, from_end) - dead + 1.0).clamp(min=1e-3)

    return torch.minimum(ramp(rows, size[0])[:, None], ramp(cols, size[1])[None, :])


def _shrunk(tensor: torch.Tensor, side: int, multiple: int) -> torch.Tensor:
    height, width = tensor.shape[-2:]
    scale = min(1.0, side / max(height, width))
    target = (
        max(multiple, round(height * scale / multiple) * multiple),
        max(multiple, round(width * scale / multiple) * multiple),
    )
    return F.interpolate(tensor, size=target, mode="bilinear", align_corners=False)
