"""Clean-plate alignment: a known sub-pixel shift, rotation and exposure change are recovered on a synthetic
scene with a subject in the photo only, and plates of another scene or framing are refused."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classic.plate_alignment import PlateAlignmentError, align_plate, fit_exposure

GAMMA, GAINS = 1.2, (0.9, 1.0, 1.1)
_MARGIN = 16  # the scene extends this far beyond the frame, so a shifted plate sees real content


def _scene(height: int, width: int, seed: int) -> np.ndarray:
    """Smooth noise at three scales with flat rectangles and discs on top, float32 (H, W, 3) in [0, 1]."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 0.5, np.float32)
    for sigma, amount in ((height / 8, 0.075), (height / 30, 0.045), (1.5, 0.0225)):
        noise = cv2.GaussianBlur(rng.normal(0.0, 1.0, (height, width, 3)).astype(np.float32), (0, 0), sigma)
        image += amount * noise / noise.std()
    for _ in range(12):
        colour = tuple(float(v) for v in rng.uniform(0.1, 0.9, 3))
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        if rng.uniform() < 0.5:
            corner = (x + int(rng.uniform(10, width / 4)), y + int(rng.uniform(10, height / 4)))
            cv2.rectangle(image, (x, y), corner, colour, -1)
        else:
            cv2.circle(image, (x, y), int(rng.uniform(5, height / 8)), colour, -1)
    return np.clip(cv2.GaussianBlur(image, (0, 0), 0.7), 0.03, 0.97)


def _shot(
    height: int = 240,
    width: int = 320,
    *,
    shift: tuple[float, float] = (2.5, -1.5),
    degrees: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(photo, plate, background, subject, true warp photo → plate) for a tripod that moved by
    ``shift`` pixels and ``degrees`` about the centre, a camera that metered photo = gain · plate^gamma,
    and a red disc as the subject."""
    scene = _scene(height + 2 * _MARGIN, width + 2 * _MARGIN, seed)
    centre = ((width - 1) / 2 + _MARGIN, (height - 1) / 2 + _MARGIN)
    moved = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    moved[:, 2] += shift
    inner = slice(_MARGIN, -_MARGIN)
    background = scene[inner, inner]
    plate = cv2.warpAffine(scene, moved, scene.shape[1::-1], flags=cv2.INTER_LINEAR)[inner, inner]
    plate = (plate / np.float32(GAINS)) ** np.float32(1.0 / GAMMA)
    ys, xs = np.mgrid[0:height, 0:width]
    subject = (ys - 0.55 * height) ** 2 + (xs - 0.5 * width) ** 2 <= (0.25 * height) ** 2
    photo = background.copy()
    photo[subject] = (0.9, 0.2, 0.15)
    rng = np.random.default_rng(seed + 100)
    photo, plate = (
        np.clip(a + rng.normal(0.0, 0.01, a.shape), 0.0, 1.0).astype(np.float32) for a in (photo, plate)
    )
    # The scene's warp in the frame's coordinates: undo the margin's offset around ``moved``.
    offset = np.array([[1.0, 0.0, _MARGIN], [0.0, 1.0, _MARGIN], [0.0, 0.0, 1.0]])
    truth = np.linalg.inv(offset) @ np.vstack([moved, [0.0, 0.0, 1.0]]) @ offset
    return photo, plate, background, subject, truth


def _warp_error(warp: np.ndarray, truth: np.ndarray, shape: tuple[int, ...]) -> float:
    """Largest distance (pixels) between where ``warp`` and ``truth`` send the frame's corners and centre."""
    height, width = shape[:2]
    points = np.array(
        [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1], [width / 2, height / 2]]
    )
    homogeneous = np.hstack([points, np.ones((5, 1))])
    mapped, expected = homogeneous @ warp.T, homogeneous @ truth.T
    return float(np.abs(mapped[:, :2] / mapped[:, 2:] - expected[:, :2] / expected[:, 2:]).max())


@pytest.mark.parametrize(("shift", "degrees"), [((2.5, -1.5), 0.0), ((-1.2, 2.3), 0.5)])
def test_a_shifted_rotated_re_exposed_plate_is_recovered(shift: tuple[float, float], degrees: float) -> None:
    photo, plate, background, subject, truth = _shot(shift=shift, degrees=degrees)
    result = align_plate(photo, plate)
    assert _warp_error(np.eye(3), truth, photo.shape) > 1.0  # the test can fail: the identity misses
    assert _warp_error(result.warp, truth, photo.shape) < 0.3
    assert result.warp.shape == (3, 3) and result.warp.dtype == np.float64
    assert np.abs(result.gamma - GAMMA).max() < 0.05
    assert np.abs(result.gain - GAINS).max() < 0.03
    assert result.plate.shape == photo.shape and result.plate.dtype == np.float32
    assert result.plate.min() >= 0.0 and result.plate.max() <= 1.0
    inside = result.coverage & ~subject
    assert np.abs(result.plate - background)[inside].mean() < 0.01
    assert 0.75 < result.agreement < 0.9  # the background's share: the disc covers about 15 %


def test_coverage_marks_the_border_a_shift_uncovers() -> None:
    photo, plate, _, _, _ = _shot(shift=(2.5, -1.5))
    coverage = align_plate(photo, plate).coverage
    assert coverage.dtype == bool and coverage.shape == photo.shape[:2]
    # Photo x maps to plate x + 2.5: the last 3 columns fall off the plate, and the first row (y − 1.5).
    assert not coverage[:, -2:].any() and not coverage[0].any()
    assert coverage[5:-5, 5:-5].all()


def test_a_plate_at_double_size_is_resized_first() -> None:
    big_photo, big_plate, _, _, big_truth = _shot(480, 640, shift=(4.0, 3.0), seed=1)
    small_photo = cv2.resize(big_photo, (320, 240), interpolation=cv2.INTER_AREA)
    result = align_plate(small_photo, big_plate)
    # At half size the shift halves: the frame's pixel centres map as x_small = (x_big + ½)/2 − ½.
    half = np.array([[0.5, 0.0, -0.25], [0.0, 0.5, -0.25], [0.0, 0.0, 1.0]])
    truth = half @ big_truth @ np.linalg.inv(half)
    assert result.plate.shape == small_photo.shape
    assert _warp_error(result.warp, truth, small_photo.shape) < 0.3


def test_the_exposure_fit_ignores_the_subject() -> None:
    photo, plate, _, subject, _ = _shot(shift=(0.0, 0.0))
    gain, gamma = fit_exposure(photo, plate, np.ones(photo.shape[:2], bool))
    assert np.abs(gamma - GAMMA).max() < 0.05 and np.abs(gain - GAINS).max() < 0.03
    assert subject.mean() > 0.1


def test_the_exposure_fit_uses_a_saturated_background_channel_by_channel() -> None:
    # A yellow flower on black: the background's blue is near zero everywhere, so a pixel with all three
    # channels well exposed is almost always the subject's. Each channel must still fit on the background.
    rng = np.random.default_rng(3)
    height, width = 240, 320
    shade = cv2.GaussianBlur(rng.uniform(0.3, 1.0, (height, width)).astype(np.float32), (0, 0), 6.0)
    petals = cv2.GaussianBlur((rng.uniform(size=(24, 32)) < 0.5).astype(np.float32), (0, 0), 1.0)
    petals = cv2.resize(petals, (width, height))[..., None]
    yellow = np.stack([0.9 * shade, 0.75 * shade, np.full_like(shade, 0.01)], axis=2)
    background = np.clip(petals * yellow + (1 - petals) * 0.01, 0.0, 1.0)
    photo = background.copy()
    subject = np.zeros((height, width), bool)
    subject[30:210, 60:260] = True  # a well-exposed subject over more than half the frame
    photo[subject] = cv2.GaussianBlur(
        rng.uniform(0.2, 0.8, (height, width, 3)).astype(np.float32), (0, 0), 4
    )[subject]
    plate = (background / np.float32(GAINS)) ** np.float32(1.0 / GAMMA)
    gain, gamma = fit_exposure(photo, plate.astype(np.float32), np.ones(subject.shape, bool))
    assert np.abs(gamma[:2] - GAMMA).max() < 0.05 and np.abs(gain[:2] - GAINS[:2]).max() < 0.03
    # Blue carries no information here: it takes the others' exposure change, not a wild one.
    assert abs(gamma[2] - GAMMA) < 0.05 and min(gain[:2]) - 0.03 < gain[2] < max(gain[:2]) + 0.03


def test_a_plate_of_another_scene_is_refused() -> None:
    photo, _, _, _, _ = _shot(seed=0)
    _, other, _, _, _ = _shot(seed=11)
    with pytest.raises(PlateAlignmentError, match="does not line up with the photo"):
        align_plate(photo, other)


def test_a_plate_with_another_aspect_ratio_is_refused_with_both_sizes() -> None:
    photo, plate, _, _, _ = _shot()
    with pytest.raises(PlateAlignmentError, match=r"320x200.*320x240.*same framing"):
        align_plate(photo, np.ascontiguousarray(plate[:200]))


def test_inputs_are_checked() -> None:
    photo, plate, _, _, _ = _shot()
    with pytest.raises(ValueError, match="float32"):
        align_plate(photo, plate.astype(np.float64))


def test_a_plain_backdrop_with_a_bold_subject_is_accepted_where_ecc_has_nothing_to_lock_on() -> None:
    # A studio backdrop: flat grey with sensor noise, and a large red subject only in the photo. ECC
    # finds no texture and phase correlation follows the subject; the plate still matches.
    rng = np.random.default_rng(3)
    backdrop = np.full((120, 160, 3), 0.55, np.float32)
    photo = np.clip(backdrop + rng.normal(0, 0.005, backdrop.shape), 0, 1).astype(np.float32)
    cv2.circle(photo, (80, 60), 35, (0.9, 0.1, 0.1), -1)
    plate = np.clip(backdrop + rng.normal(0, 0.005, backdrop.shape), 0, 1).astype(np.float32)
    result = align_plate(photo, plate)
    assert result.agreement > 0.6
    assert np.abs(result.plate - backdrop).mean() < 0.02
