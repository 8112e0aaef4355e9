"""Built-in sample photos, from scikit-image's bundled public-domain images (no download needed).

The foreground is NASA's portrait of astronaut Eileen Collins; the background is the Hubble Deep Field,
so the sample composite puts an astronaut in deep space.
"""

from __future__ import annotations

import numpy as np


def _as_rgb(pixels: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(pixels[:, :, :3], dtype=np.float32) / np.float32(255.0)


def sample_foreground() -> np.ndarray:
    """The astronaut portrait, float32 (512, 512, 3) in [0, 1]."""
    from skimage import data  # Deferred: scikit-image is slow to import and only the samples need it.

    return _as_rgb(data.astronaut())


def sample_background() -> np.ndarray:
    """The Hubble Deep Field, float32 (872, 1000, 3) in [0, 1]."""
    from skimage import data

    return _as_rgb(data.hubble_deep_field())
