from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from classic.bayesian import BayesianOptions, estimate_alpha_bayesian, estimate_alpha_fb_bayesian
from classic.checks import InvalidInputError
from classic.progress import Cancelled
from tests.classic.synthetic import textured

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "matting-dev"


def _ramp(size: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A horizontal alpha ramp over x = 12 … 28 between a red F and a blue B; unknown band x = 8 … 31."""
    xs = np.broadcast_to(np.arange(size, dtype=np.float32), (size, size))
    alpha = np.clip((xs - 12.0) / 16.0, 0.0, 1.0)
    foreground = textured(size, size, (0.85, 0.25, 0.2), seed=1, amount=0.01)
    background = textured(size, size, (0.15, 0.45, 0.6), seed=2, amount=0.01)
    image = (alpha[..., None] * foreground + (1 - alpha[..., None]) * background).astype(np.float32)
    trimap = np.where(xs < 8, 0.0, np.where(xs >= 32, 1.0, 0.5)).astype(np.float32)
    return image, trimap, alpha, foreground


def _sad(alpha: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    return float(np.abs(alpha - truth)[trimap == 0.5].sum())


def test_recovers_a_ramp() -> None:
    image, trimap, truth, _ = _ramp()
    alpha = estimate_alpha_bayesian(image, trimap)
    assert alpha.shape == trimap.shape and alpha.dtype == np.float32
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    np.testing.assert_array_equal(alpha[trimap != 0.5], trimap[trimap != 0.5])
    # 960 unknown pixels; measured SAD ≈ 6.6, under 0.01 per pixel with 1 % colour noise.
    assert _sad(alpha, truth, trimap) < 15.0


def test_returns_the_layers() -> None:
    image, trimap, truth, foreground = _ramp()
    alpha, fg, bg = estimate_alpha_fb_bayesian(image, trimap)
    assert fg.shape == bg.shape == image.shape and fg.dtype == bg.dtype == np.float32
    # Where the subject is visible enough its colour is recovered, not the mixed pixel colour.
    visible = (trimap == 0.5) & (truth > 0.3)
    assert np.abs(fg[visible] - foreground[visible]).mean() < 0.05
    np.testing.assert_allclose(alpha[..., None] * fg + (1 - alpha[..., None]) * bg, image, atol=0.05)


def test_pixels_without_samples_are_still_solved() -> None:
    # A 5-pixel window never sees both sides of the 24-pixel band: every pixel waits, the window grows
    # twice (still too small) and the nearest-colour fallback answers. Measured SAD ≈ 8.3.
    image, trimap, truth, _ = _ramp()
    alpha = estimate_alpha_bayesian(
        image, trimap, options=BayesianOptions(window=5, sigma=2.0, min_samples=3)
    )
    assert np.isfinite(alpha).all()
    assert _sad(alpha, truth, trimap) < 20.0


def test_no_unknown_pixels_returns_the_trimap() -> None:
    trimap = np.zeros((8, 8), np.float32)
    trimap[2:6, 2:6] = 1.0
    np.testing.assert_array_equal(estimate_alpha_bayesian(np.zeros((8, 8, 3), np.float32), trimap), trimap)


@pytest.mark.parametrize(
    ("image", "trimap"),
    [
        (np.zeros((8, 8, 3), np.float64), np.zeros((8, 8), np.float32)),
        (np.zeros((8, 8), np.float32), np.zeros((8, 8), np.float32)),
        (np.zeros((8, 8, 3), np.float32), np.full((8, 8), 0.3, np.float32)),
        (np.zeros((8, 8, 3), np.float32), np.zeros((8, 9), np.float32)),
        (np.zeros((8, 8, 3), np.float32), np.full((8, 8), 0.5, np.float32)),
    ],
    ids=["float64-image", "grey-image", "bad-trimap-value", "size-mismatch", "nothing-known"],
)
def test_bad_input_raises(image: np.ndarray, trimap: np.ndarray) -> None:
    with pytest.raises(InvalidInputError):
        estimate_alpha_bayesian(image, trimap)


def test_even_window_raises() -> None:
    image, trimap, _, _ = _ramp(16)
    with pytest.raises(InvalidInputError, match="window"):
        estimate_alpha_bayesian(image, trimap, options=BayesianOptions(window=10))


def test_reports_progress_and_can_be_cancelled() -> None:
    image, trimap, _, _ = _ramp()
    reports: list[tuple[float, str]] = []
    estimate_alpha_bayesian(image, trimap, progress=lambda f, m: reports.append((f, m)))
    fractions = [f for f, _ in reports]
    assert len(reports) > 3 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {m for _, m in reports} == {"Bayesian matting"}
    calls = 0

    def cancel_after_two_layers() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    with pytest.raises(Cancelled):
        estimate_alpha_bayesian(image, trimap, is_cancelled=cancel_after_two_layers)


def _read(folder: str, name: str) -> np.ndarray:
    array = cv2.imread(str(DATA / folder / name), cv2.IMREAD_UNCHANGED)
    assert array is not None, f"cannot read {DATA / folder / name}"
    return array


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason=f"matting-dev data not found at {DATA}")
def test_alphamatting_photo_is_within_three_times_closed_form() -> None:
    from pymatting import estimate_alpha_cf

    image = cv2.cvtColor(_read("image", "GT01.png"), cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    raw_trimap = _read("trimap", "GT01.png")
    trimap = np.where(raw_trimap == 128, 0.5, raw_trimap / 255.0).astype(np.float32)
    truth = _read("alpha", "GT01.png").astype(np.float32) / 255.0
    start = time.perf_counter()
    alpha = estimate_alpha_bayesian(image, trimap)
    seconds = time.perf_counter() - start
    reference = estimate_alpha_cf(image.astype(np.float64), trimap.astype(np.float64))
    sad, reference_sad = _sad(alpha, truth, trimap) / 1000, _sad(reference, truth, trimap) / 1000
    print(f"GT01 SAD/1000: Bayesian {sad:.2f} in {seconds:.1f} s, closed-form {reference_sad:.2f}")
    # Measured: Bayesian ≈ 1.43, closed-form ≈ 1.13.
    assert sad < 3 * reference_sad
