"""Small synthetic photos with known answers, shared by the classic tests."""

from __future__ import annotations

import numpy as np


def disc_mask(height: int = 60, width: int = 80, radius: float = 18.0) -> np.ndarray:
    """A binary disc (H, W) float32 centred in the frame."""
    ys, xs = np.mgrid[0:height, 0:width]
    inside = (ys - (height - 1) / 2) ** 2 + (xs - (width - 1) / 2) ** 2 <= radius**2
    return inside.astype(np.float32)


def soft_disc_alpha(
    height: int = 60, width: int = 80, radius: float = 18.0, softness: float = 4.0
) -> np.ndarray:
    """A disc whose alpha falls linearly from 1 to 0 over ``softness`` pixels at its edge."""
    ys, xs = np.mgrid[0:height, 0:width]
    distance = np.sqrt((ys - (height - 1) / 2) ** 2 + (xs - (width - 1) / 2) ** 2)
    return np.clip((radius + softness / 2 - distance) / softness, 0.0, 1.0).astype(np.float32)


def textured(
    height: int, width: int, base: tuple[float, float, float], seed: int, amount: float = 0.04
) -> np.ndarray:
    """A colour with mild noise, float32 (H, W, 3) in [0, 1]."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, amount, (height, width, 3))
    return np.clip(np.array(base)[None, None, :] + noise, 0.0, 1.0).astype(np.float32)


def composed(alpha: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I = αF + (1 − α)B with a reddish F and a blue-green B; returns (image, F, B)."""
    height, width = alpha.shape
    foreground = textured(height, width, (0.85, 0.25, 0.2), seed)
    background = textured(height, width, (0.15, 0.45, 0.6), seed + 1)
    image = alpha[:, :, None] * foreground + (1 - alpha[:, :, None]) * background
    return image.astype(np.float32), foreground, background
