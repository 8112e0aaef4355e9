from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from classic import grabcut as grabcut_module
from classic.checks import InvalidInputError
from classic.grabcut import Rect, grabcut, grabcut_from_probability, grabcut_with_hints
from classic.progress import Cancelled
from tests.classic.synthetic import composed, disc_mask, textured


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
    with pytest.raises(InvalidInputError, match="leaves less than 2 x 2 pixels"):
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


def _two_regions(size: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A noisy green ground with a red block (the subject) and a blue block; bool masks of the blocks."""
    image = textured(size, size, (0.2, 0.6, 0.3), 1)
    red, blue = np.zeros((size, size), bool), np.zeros((size, size), bool)
    red[4:16, 2:9], blue[5:15, 12:18] = True, True
    image[red] = textured(size, size, (0.85, 0.2, 0.15), 2)[red]
    image[blue] = textured(size, size, (0.2, 0.25, 0.85), 3)[blue]
    return image, red, blue


def test_a_background_hint_flips_the_region_it_lies_in() -> None:
    image, red, blue = _two_regions()
    mask = (red | blue).astype(np.float32)  # the blue block wrongly included
    hint, none = np.zeros_like(red), np.zeros_like(red)
    hint[9:11, 14:16] = True  # four pixels in the blue block's middle
    result = grabcut_with_hints(image, mask, none, hint, reach=6.0, seed=0)
    assert result.dtype == np.float32 and result.shape == mask.shape
    assert not result[blue].any()  # all 60 pixels, not only the 4 hinted
    assert result[red].all() and not result[~(red | blue)].any()
    # Plain GrabCut from the same start keeps all but the hinted pixels: the reach is what flips it.
    plain = grabcut_with_hints(image, mask, none, hint, seed=0)
    assert np.count_nonzero(plain[blue]) == blue.sum() - hint.sum()


def test_a_foreground_hint_adds_a_missed_region() -> None:
    image, red, blue = _two_regions()
    hint, none = np.zeros_like(red), np.zeros_like(red)
    hint[9:11, 14:16] = True
    cv2.setRNGSeed(5)
    result = grabcut_with_hints(image, red.astype(np.float32), hint, none, reach=6.0, seed=0)
    assert result[blue].all() and result[red].all() and not result[~(red | blue)].any()
    cv2.setRNGSeed(99)  # OpenCV's global generator does not matter: ``seed`` sets it.
    again = grabcut_with_hints(image, red.astype(np.float32), hint, none, reach=6.0, seed=0)
    np.testing.assert_array_equal(result, again)


def test_pixels_beyond_the_reach_keep_the_mask_exactly() -> None:
    image, red, blue = _two_regions()
    mask = (red | blue).astype(np.float32)
    mask[red] = 0.7  # soft values, which a GrabCut result (0 / 1) could not reproduce
    mask[0, 0] = 0.3
    hint, none = np.zeros_like(red), np.zeros_like(red)
    hint[9:11, 14:16] = True
    result = grabcut_with_hints(image, mask, none, hint, reach=6.0, seed=0)
    rows, cols = np.mgrid[0:20, 0:20]
    far = np.hypot(rows - 9.5, cols - 14.5) > 8.0  # well beyond 6 px of every hinted pixel
    np.testing.assert_array_equal(result[far], mask[far])
    assert set(np.unique(result[~far]).tolist()) <= {0.0, float(np.float32(0.7)), 1.0}


def test_grabcut_with_hints_checks_its_input() -> None:
    image, red, _ = _two_regions()
    mask, none = red.astype(np.float32), np.zeros_like(red)
    with pytest.raises(InvalidInputError, match="at least one"):
        grabcut_with_hints(image, mask, none, none)
    with pytest.raises(InvalidInputError, match="reach"):
        grabcut_with_hints(image, mask, red, none, reach=-1.0)
    with pytest.raises(InvalidInputError):
        grabcut_with_hints(image, mask[:10], red, none)
    with pytest.raises(Cancelled):
        grabcut_with_hints(image, mask, red, none, is_cancelled=lambda: True)


def test_a_probability_seeds_grabcut_and_the_photo_decides_the_unsure_band() -> None:
    truth = disc_mask(90, 120, radius=25)
    image, _, _ = composed(truth)
    # A network's coarse answer: the disc grown by 4 px and blurred, so its 0.5 contour is wrong.
    grown = cv2.dilate(truth, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    probability = np.clip(cv2.GaussianBlur(grown, (0, 0), 2.5), 0.0, 1.0)
    mask = grabcut_from_probability(image, probability, seed=0)
    thresholded = (probability >= 0.5).astype(np.float32)
    assert np.abs(mask - truth).sum() < 0.3 * np.abs(thresholded - truth).sum()
    # Pixels the probability is sure of keep their label.
    assert mask[probability >= 0.99].min() == 1.0 and mask[probability <= 0.01].max() == 0.0


def test_a_probability_without_sure_background_is_only_thresholded() -> None:
    image, _, _ = composed(disc_mask(60, 80, radius=15))
    everywhere = np.full(image.shape[:2], 0.97, np.float32)
    everywhere[:4] = 0.3  # unsure, never definite background
    mask = grabcut_from_probability(image, everywhere)
    np.testing.assert_array_equal(mask, (everywhere >= 0.5).astype(np.float32))
    with pytest.raises(InvalidInputError, match="probability"):
        grabcut_from_probability(image, everywhere[:10])


def _periodic_dots(height: int = 220, width: int = 340) -> np.ndarray:
    image = np.full((height, width, 3), 230 / 255, np.float32)
    image[::7, ::5] = 1.0  # every region alike: the two colour models come out the same
    return image


@pytest.mark.parametrize(
    "image",
    [np.ones((220, 340, 3), np.float32), _periodic_dots()],
    ids=["flat-white", "periodic-dots"],
)
def test_photos_without_colour_evidence_return_at_once(image: np.ndarray) -> None:
    # OpenCV's min-cut took 35 s on each of these (over 300 s at 680 x 440) before GrabCut checked
    # whether its colour models differ; with nothing to learn it keeps the starting labels.
    probable = np.zeros(image.shape[:2], np.float32)
    probable[60:160, 100:240] = 1.0
    started = time.monotonic()
    mask = grabcut(image, probable_foreground=probable, seed=0)
    assert time.monotonic() - started < 5.0
    np.testing.assert_array_equal(mask, probable)


def test_no_round_starts_after_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    image, _, _ = composed(disc_mask(60, 80, radius=15))
    rounds: list[int] = []
    original = cv2.grabCut

    def counted(*args: object) -> object:
        rounds.append(int(args[5]))  # type: ignore[call-overload]
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(grabcut_module.cv2, "grabCut", counted)
    monkeypatch.setattr(grabcut_module, "TIME_LIMIT_SECONDS", 0.0)
    grabcut(image, rect=Rect(15, 5, 50, 50), iterations=5, seed=0)
    assert rounds == [0, 1]  # the colour models' fit, then one round: the limit had passed


def test_a_selection_covering_the_whole_photo_is_refused_in_words() -> None:
    image, _, _ = composed(disc_mask(40, 50, radius=10))
    with pytest.raises(InvalidInputError, match="cannot tell the subject from the background"):
        grabcut(image, probable_foreground=np.ones((40, 50), np.float32))


def test_the_band_around_the_networks_edge_is_found_at_working_resolution() -> None:
    """A 12 MP probability's band (1 % of the diagonal) found at 0.3 MP holds the full-size band and
    little more."""
    inside = np.zeros((3000, 4000), np.uint8)
    cv2.ellipse(inside, (2000, 1500), (1200, 900), 30, 0, 360, 1, -1)
    full = grabcut_module._near_edge(inside > 0, 0.01, working_megapixels=100.0)
    working = grabcut_module._near_edge(inside > 0, 0.01, working_megapixels=0.3)
    assert working.shape == full.shape
    assert not (full & ~working).any()
    assert working.sum() < 1.3 * full.sum()
