"""Export jobs: the composite, the cut-out, the mask or alpha, or every layer, at full resolution.

Plain functions with ``progress`` / ``is_cancelled`` callbacks (see ``classic.progress``), run by the
window on the job thread. Formats follow the file's extension (PNG, JPEG, TIFF…; 16-bit for PNG and
TIFF when asked).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from classic.checks import InvalidInputError
from classic.imageio import SRGB_EXPORT, PhotoExport, write_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)


def bit_depth_of(chosen_filter: str, default: int = 8) -> int:
    """16 or 8 from a dialog filter such as ``"PNG 16-bit (*.png)"``; ``default`` when it does not say."""
    if "16-bit" in chosen_filter:
        return 16
    if "8-bit" in chosen_filter or "JPEG" in chosen_filter:
        return 8
    return default


def cutout_rgba(colours: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The cut-out as float32 (H, W, 4): decontaminated foreground colours with alpha as the 4th channel."""
    if colours.shape[:2] != alpha.shape[:2] or colours.ndim != 3 or alpha.ndim != 2:
        raise InvalidInputError(
            f"the cut-out needs (H, W, 3) colours and an (H, W) alpha, got {colours.shape} and {alpha.shape}"
        )
    return np.concatenate([colours, alpha[:, :, None]], axis=2).astype(np.float32)


def export_single(
    path: str,
    image: np.ndarray,
    *,
    bit_depth: int = 8,
    quality: int = 95,
    photo: PhotoExport = SRGB_EXPORT,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> str:
    """Write one image (RGB, RGBA or single channel) to ``path``; returns the path. ``photo`` gives an
    RGB(A) image its colour profile and metadata (``classic.imageio.PhotoExport``), ``quality`` is
    JPEG's and WebP's."""
    raise_if_cancelled(is_cancelled)
    progress(0.0, f"Writing {Path(path).name}")
    write_image(path, image, bit_depth=bit_depth, quality=quality, photo=photo)
    progress(1.0, "Written")
    return path


def export_layers(
    folder: str,
    layers: Mapping[str, np.ndarray],
    *,
    bit_depth: int | Mapping[str, int] = 16,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> str:
    """Write every layer as ``<name>.png`` into ``folder`` (created if needed); returns the folder.

    ``bit_depth``: one for all, or one per layer name."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for done, (name, image) in enumerate(layers.items()):
        raise_if_cancelled(is_cancelled)
        progress(done / max(len(layers), 1), f"Writing the {name}")
        depth = bit_depth if isinstance(bit_depth, int) else bit_depth[name]
        write_image(target / (name.replace(" ", "_") + ".png"), image, bit_depth=depth)
    progress(1.0, "Written")
    return str(target)
