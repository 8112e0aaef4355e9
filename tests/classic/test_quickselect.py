from __future__ import annotations

import numpy as np
import pytest

from classic.checks import InvalidInputError
from classic.progress import Cancelled
from classic.quickselect import quick_select
from tests.classic.synthetic import disc_mask, textured


def _scene(height: int = 90, width: int = 120, radius: float = 28.0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy red disc on a green background with diagonal stripes; returns (image, disc)."""
    disc = disc_mask(height, width, radius)
    ys, xs = np.mgrid[0:height, 0:width]
    stripes = (((xs + ys) // 6) % 2).astype(np.float32)[..., None]
    background = textured(height, width, (0.2, 0.55, 0.3), seed=3) + 0.15 * stripes
    foreground = textured(height, width, (0.8, 0.25, 0.2), seed=4)
    image = np.where(disc[..., None] > 0, foreground, np.clip(background, 0.0, 1.0))
    return image.astype(np.float32), disc


def _stroke(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    stroke = np.zeros(shape, np.float32)
    stroke[rows, cols] = 1.0
    return stroke


def _iou(mask: np.ndarray, truth: np.ndarray) -> float:
    return float(((mask > 0.5) & (truth > 0.5)).sum() / ((mask > 0.5) | (truth > 0.5)).sum())


def test_one_stroke_each_selects_the_disc() -> None:
    image, disc = _scene()
    foreground = _stroke(disc.shape, slice(44, 46), slice(52, 64))
    background = _stroke(disc.shape, slice(8, 10), slice(6, 20))
    mask = quick_select(image, foreground, background)
    assert mask.shape == disc.shape and mask.dtype == np.float32
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert _iou(mask, disc) >= 0.95


def test_scribbled_pixels_keep_their_label() -> None:
    image, disc = _scene()
    foreground = _stroke(disc.shape, slice(44, 46), slice(52, 64)) > 0
    # A background stroke overshooting into the disc's edge: those disc pixels come out as background.
    background = _stroke(disc.shape, slice(44, 46), slice(86, 110)) > 0
    assert (disc[background] > 0).sum() == 4
    mask = quick_select(image, foreground, background)
    assert (mask[foreground] == 1.0).all() and (mask[background] == 0.0).all()
    assert _iou(mask, disc) >= 0.95


def test_large_photo_is_cut_at_working_size_and_returned_full_size() -> None:
    image, disc = _scene(600, 800, radius=180.0)
    foreground = _stroke(disc.shape, slice(300, 301), slice(380, 420))  # 1 px wide: must survive shrinking
    background = _stroke(disc.shape, slice(40, 41), slice(40, 120))
    mask = quick_select(image, foreground, background)
    assert mask.shape == disc.shape
    assert _iou(mask, disc) >= 0.95
    assert (mask[foreground > 0] == 1.0).all() and (mask[background > 0] == 0.0).all()


def test_reports_progress_and_can_be_cancelled() -> None:
    image, disc = _scene()
    foreground = _stroke(disc.shape, slice(44, 46), slice(52, 64))
    background = _stroke(disc.shape, slice(8, 10), slice(6, 20))
    reports: list[float] = []
    quick_select(image, foreground, background, progress=lambda f, _m: reports.append(f))
    assert reports == sorted(reports) and reports[-1] == 1.0
    with pytest.raises(Cancelled):
        quick_select(image, foreground, background, is_cancelled=lambda: True)


@pytest.mark.parametrize("empty", ["foreground", "background"])
def test_empty_scribbles_raise(empty: str) -> None:
    image, disc = _scene()
    strokes = {
        "foreground": _stroke(disc.shape, slice(44, 46), slice(52, 64)),
        "background": _stroke(disc.shape, slice(8, 10), slice(6, 20)),
    }
    strokes[empty] = np.zeros_like(disc)
    with pytest.raises(InvalidInputError, match=f"{empty} scribbles"):
        quick_select(image, strokes["foreground"], strokes["background"])


def test_scribbles_cancelling_out_count_as_empty() -> None:
    image, disc = _scene()
    same = _stroke(disc.shape, slice(44, 46), slice(52, 64))
    with pytest.raises(InvalidInputError, match="scribbles"):
        quick_select(image, same, same)


def test_mismatched_sizes_raise() -> None:
    image, disc = _scene()
    foreground = _stroke(disc.shape, slice(44, 46), slice(52, 64))
    with pytest.raises(InvalidInputError, match="120x90"):
        quick_select(image, foreground, np.ones((30, 30), np.float32))


def test_bad_scribble_type_raises() -> None:
    image, disc = _scene()
    foreground = _stroke(disc.shape, slice(44, 46), slice(52, 64))
    with pytest.raises(InvalidInputError, match="background scribbles"):
        quick_select(image, foreground, (foreground * 255).astype(np.uint8))
