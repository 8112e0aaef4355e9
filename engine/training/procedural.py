"""Procedural backgrounds, for training folders that have no background photos (a user's own pairs).

A background only has to be something a subject could stand in front of, with the statistics that make
matting hard: smooth colour fields, gradients, hard-edged shapes, stripes, fine texture and defocus. Each
is drawn from the caller's random generator, so the same generator state gives the same picture.
"""

from __future__ import annotations

import cv2
import numpy as np


def procedural_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random background, float32 (H, W, 3) in [0, 1]: a colour field plus shapes, stripes and grain."""
    image = _colour_field(rng, height, width)
    if rng.random() < 0.6:
        image = _shapes(image, rng)
    if rng.random() < 0.3:
        image = _stripes(image, rng)
    if rng.random() < 0.5:
        sigma = float(rng.uniform(0.5, 6.0))  # defocus, as behind a subject in focus
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    grain = rng.normal(0.0, rng.uniform(0.0, 0.04), image.shape).astype(np.float32)
    return np.clip(image + grain, 0.0, 1.0).astype(np.float32)


def _colour_field(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth multi-scale colour noise: a few octaves of random colours upsampled and summed."""
    field = np.zeros((height, width, 3), np.float32)
    total = 0.0
    for octave in range(int(rng.integers(1, 5))):
        cells = 2 ** (octave + 1)
        weight = 0.5**octave
        grid = rng.random((cells, cells, 3)).astype(np.float32)
        field += weight * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        total += weight
    field /= total
    # Stretch the contrast: averaged noise drifts towards grey.
    low, high = field.min(), field.max()
    return ((field - low) / max(float(high - low), 1e-6)).astype(np.float32)


def _shapes(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random filled circles and rectangles with hard edges."""
    height, width = image.shape[:2]
    out = image.copy()
    for _ in range(int(rng.integers(1, 12))):
        colour = rng.random(3).tolist()
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        size = int(rng.integers(2, max(3, min(height, width) // 3)))
        if rng.random() < 0.5:
            cv2.circle(out, centre, size, colour, -1, cv2.LINE_AA)
        else:
            corner = (centre[0] + size, centre[1] + int(rng.integers(1, size + 1)))
            cv2.rectangle(out, centre, corner, colour, -1)
    return out


def _stripes(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sinusoidal stripe pattern at a random angle and period, mixed into the image."""
    height, width = image.shape[:2]
    angle = rng.uniform(0.0, np.pi)
    period = rng.uniform(4.0, max(5.0, min(height, width) / 4))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    wave = 0.5 + 0.5 * np.sin((xs * np.cos(angle) + ys * np.sin(angle)) * (2 * np.pi / period))
    colour = rng.random(3).astype(np.float32)
    mix = float(rng.uniform(0.2, 0.6))
    return (image * (1 - mix * wave[:, :, None]) + colour * mix * wave[:, :, None]).astype(np.float32)
