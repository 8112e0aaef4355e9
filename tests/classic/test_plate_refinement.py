"""Closed-form matting with the clean plate as a data term, and the trimap drawn for it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classic import matting, plate_refinement
from classic.matting import estimate_alpha
from classic.metrics import sad
from classic.plate_refinement import plate_trimap, refine_with_plate, settled_trimap


def strands_scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Photo, background and alpha: a disc with thin soft strands over a busy background."""
    rng = np.random.default_rng(seed)
    height, width = 90, 120
    background = cv2.resize(rng.uniform(0.1, 0.9, (12, 16, 3)).astype(np.float32), (width, height))
    alpha = np.zeros((height, width), np.float32)
    for angle in np.linspace(-2.5, -0.6, 9):
        end = (int(60 + 45 * np.cos(angle)), int(60 + 45 * np.sin(angle)))
        cv2.line(alpha, (60, 60), end, 0.6, 1)
    cv2.circle(alpha, (60, 60), 22, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.7)
    foreground = np.empty_like(background)
    foreground[:] = (0.85, 0.55, 0.25)
    photo = alpha[..., None] * foreground + (1 - alpha[..., None]) * background
    return photo.astype(np.float32), background, np.clip(alpha, 0, 1)


def band_trimap(alpha: np.ndarray) -> np.ndarray:
    unknown = cv2.dilate(((alpha > 0.01) & (alpha < 0.99)).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return np.where(unknown, 0.5, np.round(alpha)).astype(np.float32)


def test_the_plate_makes_closed_form_matting_more_accurate_in_the_same_band() -> None:
    photo, background, alpha = strands_scene()
    trimap = band_trimap(alpha)
    plain = estimate_alpha(photo, trimap, method="closed-form")
    refined = refine_with_plate(photo, background, trimap, plain)
    assert refined.dtype == np.float32 and refined.shape == alpha.shape
    np.testing.assert_array_equal(refined[trimap != 0.5], trimap[trimap != 0.5])
    assert sad(refined, alpha, trimap) < 0.7 * sad(plain, alpha, trimap)


def test_a_trimap_without_unknown_pixels_is_returned_as_it_is() -> None:
    photo, background, alpha = strands_scene()
    trimap = np.round(alpha).astype(np.float32)
    np.testing.assert_array_equal(refine_with_plate(photo, background, trimap, alpha), trimap)


def test_the_plate_trimap_opens_the_band_where_the_photo_differs_from_the_plate() -> None:
    photo, background, alpha = strands_scene()
    first = (alpha >= 0.9).astype(np.float32)  # a first alpha that misses every strand
    trimap = plate_trimap(photo, background, first)
    strands = (alpha > 0.4) & (alpha < 0.9)
    assert np.all(trimap[strands] == 0.5)  # every visible strand is left to the solve
    faint = (alpha > 0.2) & (alpha <= 0.4)  # where a strand's colour nearly matches the plate's: some
    assert np.mean(trimap[faint] == 0.5) > 0.5
    assert trimap[5, 5] == 0.0 and trimap[60, 60] == 1.0


def test_the_plate_trimap_makes_the_unsure_body_of_a_subject_foreground_but_not_its_hole() -> None:
    # A large solid subject the first alpha is unsure of inside (0.7), with a hole showing the background.
    rng = np.random.default_rng(2)
    height, width = 240, 320
    background = cv2.resize(rng.uniform(0.1, 0.5, (24, 32, 3)).astype(np.float32), (width, height))
    subject = np.zeros((height, width), np.float32)
    cv2.rectangle(subject, (60, 40), (260, 239), 1.0, -1)
    subject[120:150, 145:175] = 0.0  # the hole, deep inside
    photo = np.where(subject[..., None] > 0, np.array([0.9, 0.8, 0.7], np.float32), background).astype(
        np.float32
    )
    first = np.where(subject > 0, 0.7, 0.0).astype(np.float32)
    first[120:150, 145:175] = 0.7  # the first alpha does not see the hole either
    trimap = plate_trimap(photo, background, first)
    assert np.all(trimap[60:110, 100:220] == 1.0)  # deep inside, unlike the plate: the body
    assert np.all(trimap[124:146, 149:171] == 0.5)  # the hole matches the plate: left to the solve
    assert np.all(trimap[100:200, 62:76] == 0.5)  # near the edge (within six band radii): unknown
    assert np.all(trimap[5:30, 5:50] == 0.0)


def test_the_plate_trimap_ignores_texture_a_fraction_of_a_pixel_off() -> None:
    # Fine texture and a plate half a pixel off: the background must stay background, not become band.
    rng = np.random.default_rng(1)
    coarse = rng.uniform(0.1, 0.9, (30, 40, 3)).astype(np.float32)
    texture = np.clip(cv2.resize(coarse, (120, 90), interpolation=cv2.INTER_CUBIC), 0, 1)
    plate = cv2.warpAffine(
        texture, np.float32([[1, 0, 0.5], [0, 1, 0.0]]), (120, 90), borderMode=cv2.BORDER_REFLECT
    )
    first = np.zeros((90, 120), np.float32)
    assert np.mean(plate_trimap(texture, plate, first)[5:-5, 5:-5] == 0.0) > 0.95


def test_with_no_weight_on_the_plate_it_is_closed_form_matting_even_in_a_corner_of_a_large_photo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The solve covers only the band's bounding box: its equations there must be the whole photo's. Both
    # solves run to pymatting's default tolerance, so only the equations can tell them apart.
    monkeypatch.setattr(plate_refinement, "_TOLERANCE", 1e-7)
    monkeypatch.setattr(matting, "_TOLERANCE", 1e-7)
    photo, background, alpha = strands_scene()
    trimap = band_trimap(alpha)
    large_photo = np.pad(photo, ((0, 70), (40, 60), (0, 0)), mode="reflect")
    large_plate = np.pad(background, ((0, 70), (40, 60), (0, 0)), mode="reflect")
    large_trimap = np.pad(trimap, ((0, 70), (40, 60)), constant_values=0.0)
    plain = estimate_alpha(large_photo, large_trimap, method="closed-form")
    start = np.full_like(large_trimap, 0.5)
    refined = refine_with_plate(
        large_photo, large_plate, large_trimap, start, weight=0.0, iterations=1, settle=False
    )
    np.testing.assert_allclose(refined, plain, atol=1e-4)


def test_the_settled_trimap_holds_what_the_first_solve_settled_and_opens_around_the_rest() -> None:
    alpha = np.zeros((200, 300), np.float32)
    alpha[50:150, 50:150] = 1.0
    alpha[50:150, 150:170] = np.linspace(0.9, 0.1, 20)  # a soft edge the first solve left fractional
    alpha[120, 240] = 0.015  # within the settled tolerance of 0
    trimap = settled_trimap(alpha)
    assert np.all(trimap[50:150, 150:170] == 0.5)
    margin = trimap[60:140, 140:180]  # a few pixels either side of the soft edge: open too
    assert np.all(margin[:, 8:32] == 0.5)
    assert np.all(margin[:, :5] == 1.0) and np.all(margin[:, -5:] == 0.0)
    assert np.all(trimap[60:140, 60:130] == 1.0) and trimap[120, 240] == 0.0 and trimap[5, 5] == 0.0
    given = np.full_like(alpha, 0.5)
    given[:, 160:] = 0.0  # a trimap the caller gave: its known pixels stay known
    kept = settled_trimap(alpha, kept=given)
    assert np.all(kept[:, 160:] == 0.0) and np.all(kept[50:150, 150:160] == 0.5)


def test_the_second_solve_reopens_a_strand_the_drawn_trimap_clipped_but_not_a_given_trimap() -> None:
    photo, background, alpha = strands_scene()
    trimap = band_trimap(alpha)
    ys, xs = np.mgrid[: alpha.shape[0], : alpha.shape[1]]
    clipped = (np.hypot(ys - 60, xs - 60) > 36) & (trimap == 0.5)  # the strands' tips called background
    trimap[clipped] = 0.0
    first = np.where(trimap == 0.5, 0.5, trimap).astype(np.float32)
    tips = clipped & (alpha > 0.2)
    assert tips.sum() > 20
    once = refine_with_plate(photo, background, trimap, first, settle=False)
    kept = refine_with_plate(photo, background, trimap, first)
    reopened = refine_with_plate(photo, background, trimap, first, reopen=True)
    assert np.all(once[clipped] == 0.0) and np.all(kept[clipped] == 0.0)
    # Reopened, the tips next to the band take some alpha, towards the truth; the trimap's other known
    # pixels stay known.
    assert np.sum(reopened[tips] > 0.02) >= 5
    assert np.abs(reopened - alpha)[tips].sum() < np.abs(kept - alpha)[tips].sum()
    assert np.all(reopened[30:90, 5:15] == 0.0) and np.all(reopened[55:65, 55:65] == 1.0)
    band = trimap == 0.5  # inside the band both solves see the same trimap; the second one is closer
    assert np.abs(kept - alpha)[band].sum() < np.abs(once - alpha)[band].sum()
