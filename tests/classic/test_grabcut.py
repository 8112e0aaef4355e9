from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.grabcut import Rect, grabcut
from classic.progress import Cancelled
from tests.classic.synthetic import composed, disc_mask


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(((a > 0.5) & (b > 0.5)).sum() / ((a > 0.5) | (b > 0.5)).sum())


def test_rectangle_finds_the_disc() -> None:
    truth = disc_mask(90, 120, radius=25)
    image, _, _ = composed(truth)
    mask = grabcut(image, rect=Rect(25, 10, 70, 70), seed=1)
    assert mask.shape == truth.shape and set(np.unique(mask)) <= {0.0, 1.0}
    assert _iou(mask, truth) > 0.95


def test_is_repeatable_with_a_seed() -> None:
    image, _, _ = composed(disc_mask(60, 80, radius=15))
    first = grabcut(image, rect=Rect(15, 5, 50, 50), seed=3)
    np.testing.assert_array_equal(first, grabcut(image, rect=Rect(15, 5, 50, 50), seed=3))


def test_large_photo_runs_at_working_resolution_and_returns_full_size() -> None:
    truth = disc_mask(900, 1200, radius=250)
    image, _, _ = composed(truth)
    mask = grabcut(image, rect=Rect(250, 100, 700, 700), working_megapixels=0.05)
    assert mask.shape == truth.shape
    assert _iou(mask, truth) > 0.97


def test_hints_are_enforced() -> None:
    truth = disc_mask(60, 80, radius=15)
    image, _, _ = composed(truth)
    background_hint = np.zeros_like(truth)
    background_hint[28:31, 38:41] = 1.0  # a small hole brushed inside the disc
    foreground_hint = np.zeros_like(truth)
    foreground_hint[2:4, 2:4] = 1.0  # and an island brushed outside the rectangle
    mask = grabcut(
        image, rect=Rect(15, 5, 50, 50), foreground_hints=foreground_hint, background_hints=background_hint
    )
    assert (mask[28:31, 38:41] == 0).all() and (mask[2:4, 2:4] == 1).all()
    assert mask.sum() > 0.8 * truth.sum()


def test_errors_and_cancellation() -> None:
    image, _, _ = composed(disc_mask())
    with pytest.raises(InvalidInputError, match="rectangle"):
        grabcut(image)
    with pytest.raises(InvalidInputError, match="outside"):
        grabcut(image, rect=Rect(500, 500, 10, 10))
    with pytest.raises(Cancelled):
        grabcut(image, rect=Rect(10, 10, 40, 40), is_cancelled=lambda: True)


@pytest.mark.slow
def test_benchmark_rectangles_on_the_dev_set(shared_data: Path) -> None:
    from classic.imageio import read_image, read_matte

    folder = shared_data / "segmentation-dev"
    scores = []
    for name in ("doll.png", "person1.png", "teddy.png"):
        image = read_image(folder / "image" / name).rgb
        truth = np.round(read_matte(folder / "mask" / name) * 255)
        inside = np.argwhere(np.round(read_matte(folder / "rect" / name) * 255) == 128)
        (top, left), (bottom, right) = inside.min(axis=0), inside.max(axis=0)
        mask = grabcut(image, rect=Rect(left, top, right - left + 1, bottom - top + 1))
        valid = truth != 128
        scores.append(_iou(mask[valid], (truth[valid] == 255).astype(np.float32)))
    assert min(scores) > 0.9  # measured 0.97–0.99 on these three
