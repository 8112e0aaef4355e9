"""A tiny training-data folder written in ``tmp_path``: 3 RGBA foregrounds and 2 backgrounds, plus the
same subjects as DUTS-style pairs. Files are written with OpenCV directly, not with the code under test."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

SIZE = 80
COLOURS = ((0.9, 0.2, 0.1), (0.1, 0.7, 0.2), (0.2, 0.3, 0.9))  # RGB of the three subjects


def soft_ellipse(height: int, width: int, axes: tuple[float, float], softness: float = 3.0) -> np.ndarray:
    """An ellipse centred in the frame whose alpha ramps from 1 to 0 over ``softness`` pixels."""
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = np.sqrt(((rows - height / 2) / axes[0]) ** 2 + ((cols - width / 2) / axes[1]) ** 2)
    distance = (radius - 1.0) * min(axes)
    return np.clip(0.5 - distance / softness, 0.0, 1.0).astype(np.float32)


def write_rgba(path: Path, rgb: tuple[float, float, float], alpha: np.ndarray) -> None:
    colour = np.empty((*alpha.shape, 3), np.float32)
    colour[:] = rgb
    # Invisible pixels carry a colour of their own (white), as real cut-outs often do.
    colour[alpha == 0] = 1.0
    rgba = np.concatenate([colour, alpha[:, :, None]], axis=2)
    cv2.imwrite(str(path), cv2.cvtColor(np.round(rgba * 255).astype(np.uint8), cv2.COLOR_RGBA2BGRA))


def textured(height: int, width: int, seed: int) -> np.ndarray:
    """A noisy uint8 BGR photo."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width]
    base = np.stack([80 + 60 * np.sin(cols / 5.0), 120 + 50 * np.cos(rows / 7.0), 100 + 0 * rows], axis=2)
    return np.clip(base + rng.integers(-20, 20, (height, width, 3)), 0, 255).astype(np.uint8)


@pytest.fixture
def training_folder(tmp_path: Path) -> Path:
    """DATA/foregrounds/fg{0,1,2}.png (RGBA 80×80) and DATA/backgrounds/bg{0,1}.jpg."""
    data = tmp_path / "data"
    (data / "foregrounds").mkdir(parents=True)
    (data / "backgrounds").mkdir()
    for index, colour in enumerate(COLOURS):
        alpha = soft_ellipse(SIZE, SIZE, (22.0 + 4 * index, 30.0 - 3 * index))
        write_rgba(data / "foregrounds" / f"fg{index}.png", colour, alpha)
    for index in range(2):
        cv2.imwrite(str(data / "backgrounds" / f"bg{index}.jpg"), textured(96, 120, index))
    return data


@pytest.fixture
def pairs_folder(tmp_path: Path) -> Path:
    """A DUTS-style folder: image/p{0,1,2}.jpg (subject on a textured ground) + mask/p{0,1,2}.png."""
    data = tmp_path / "duts"
    (data / "image").mkdir(parents=True)
    (data / "mask").mkdir()
    for index, colour in enumerate(COLOURS):
        alpha = soft_ellipse(SIZE, SIZE, (20.0 + 5 * index, 26.0))
        ground = textured(SIZE, SIZE, 10 + index).astype(np.float32) / 255
        subject = np.array(colour[::-1], np.float32)
        photo = alpha[:, :, None] * subject + (1 - alpha[:, :, None]) * ground
        cv2.imwrite(str(data / "image" / f"p{index}.jpg"), np.round(photo * 255).astype(np.uint8))
        cv2.imwrite(str(data / "mask" / f"p{index}.png"), np.where(alpha > 0.5, 255, 0).astype(np.uint8))
    return data


def write_pair_set(folder: Path, names: list[str], *, matte: str = "mask", soft: bool = False) -> Path:
    """``folder/image/NAME.jpg`` + ``folder/<matte>/NAME.png``: a disc on a textured ground. ``soft``
    writes a teacher-like mask: sure inside and outside, unsure (0.5) on a ring around the edge."""
    (folder / "image").mkdir(parents=True)
    (folder / matte).mkdir()
    for index, name in enumerate(names):
        alpha = soft_ellipse(SIZE, SIZE, (18.0 + index % 3, 24.0))
        photo = textured(SIZE, SIZE, 20 + index)
        photo[alpha > 0.5] = (40, 200, 220)
        cv2.imwrite(str(folder / "image" / f"{name}.jpg"), photo)
        mask = np.where(alpha > 0.5, 255, 0).astype(np.uint8)
        if soft:
            ring = cv2.dilate(mask, np.ones((5, 5), np.uint8)) != cv2.erode(mask, np.ones((5, 5), np.uint8))
            mask[ring] = 128
        cv2.imwrite(str(folder / matte / f"{name}.png"), mask)
    return folder


@pytest.fixture
def real_folder(tmp_path: Path) -> Path:
    """DATA/pairs/ with a photo set, a video set (SEQUENCES: names SEQUENCE_FRAME) and a teacher set."""
    data = tmp_path / "real-data"
    write_pair_set(data / "pairs" / "objects", [f"obj{i}" for i in range(6)])
    frames = [f"{sequence}_{frame:05d}" for sequence in ("bear", "boat", "cows") for frame in (0, 5, 10)]
    write_pair_set(data / "pairs" / "video", frames)
    (data / "pairs" / "video" / "SEQUENCES").touch()
    write_pair_set(data / "pairs" / "unlabelled-people", ["u0", "u1"], matte="soft", soft=True)
    return data
