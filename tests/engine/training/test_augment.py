"""Augmentations: trimaps, crops on unknown pixels, colour jitter, coarse and softened masks."""

from __future__ import annotations

import cv2
import numpy as np

from engine.training import augment
from tests.engine.training.conftest import soft_ellipse


def matte(size: int = 64) -> np.ndarray:
    return soft_ellipse(size, size, (18.0, 22.0), softness=4.0)


def test_trimap_values_and_unknown_covers_the_fractional_band() -> None:
    alpha = matte()
    fractional = (alpha > 0) & (alpha < 1)
    for seed in range(8):
        trimap = augment.random_trimap(alpha, np.random.default_rng(seed))
        assert trimap.dtype == np.float32 and trimap.shape == alpha.shape
        assert set(np.unique(trimap)) <= {0.0, 0.5, 1.0}
        assert np.all(trimap[fractional] == 0.5)
        # Known pixels are right: foreground only where α = 1, background only where α = 0.
        assert np.all(alpha[trimap == 1.0] == 1.0)
        assert np.all(alpha[trimap == 0.0] == 0.0)


def test_trimap_with_unit_kernels_is_exactly_the_fractional_band() -> None:
    alpha = matte()
    trimap = augment.random_trimap(alpha, np.random.default_rng(0), max_kernel=1)
    np.testing.assert_array_equal(trimap == 0.5, (alpha > 0) & (alpha < 1))


def test_trimaps_vary_in_width() -> None:
    alpha = matte()
    widths = {int((augment.random_trimap(alpha, np.random.default_rng(s)) == 0.5).sum()) for s in range(8)}
    assert len(widths) > 3


def test_unknown_centred_box_holds_an_unknown_pixel_near_its_centre() -> None:
    alpha = np.zeros((200, 300), np.float32)
    alpha[40:160, 60:200] = 1.0
    alpha[40:160, 200] = 0.5  # one fractional column
    for seed in range(5):
        rows, cols = augment.unknown_centred_box(alpha, np.random.default_rng(seed), crop=64)
        side = rows.stop - rows.start
        assert side == cols.stop - cols.start and side in (64, 96, 128)
        assert rows.start >= 0 and rows.stop <= 200 and cols.start >= 0 and cols.stop <= 300
        assert cols.start <= 200 < cols.stop


def test_unknown_centred_box_is_clamped_to_a_small_image() -> None:
    rows, cols = augment.unknown_centred_box(matte(50), np.random.default_rng(0), crop=320)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (0, 50, 0, 50)


def test_binary_matte_crops_centre_on_its_edge() -> None:
    alpha = np.zeros((300, 300), np.float32)
    alpha[:, 150:] = 1.0
    _rows, cols = augment.unknown_centred_box(alpha, np.random.default_rng(0), crop=64)
    assert cols.start < 150 < cols.stop


def test_jitter_colour_changes_colours_within_range() -> None:
    image = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    jittered = augment.jitter_colour(image, np.random.default_rng(1))
    assert jittered.dtype == np.float32 and jittered.shape == image.shape
    assert jittered.min() >= 0.0 and jittered.max() <= 1.0
    assert np.abs(jittered - image).mean() > 0.005
    np.testing.assert_array_equal(jittered, augment.jitter_colour(image, np.random.default_rng(1)))


def test_degraded_mask_is_soft_wrong_but_recognisable() -> None:
    mask = (matte() >= 0.5).astype(np.float32)
    for seed in range(8):
        coarse = augment.degrade_mask(mask, np.random.default_rng(seed))
        assert coarse.dtype == np.float32 and coarse.shape == mask.shape
        assert coarse.min() >= 0.0 and coarse.max() <= 1.0
        hard = coarse >= 0.5
        truth = mask >= 0.5
        iou = (hard & truth).sum() / (hard | truth).sum()
        assert iou >= 0.5
    assert any(
        not np.array_equal(augment.degrade_mask(mask, np.random.default_rng(s)), mask) for s in range(3)
    )


def test_soften_mask_moves_the_edge_by_a_few_pixels_at_most() -> None:
    alpha = matte()
    subject = (alpha >= 0.5).astype(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    inner, outer = cv2.erode(subject, disc) > 0, cv2.dilate(subject, disc) > 0
    changed = 0
    for seed in range(8):
        mask = augment.soften_mask(alpha, np.random.default_rng(seed))
        assert mask.dtype == np.float32 and mask.min() >= 0.0 and mask.max() <= 1.0
        hard = mask >= 0.5
        assert np.all(hard[inner]) and not np.any(hard[~outer])
        changed += not np.array_equal(mask, alpha)
    assert 0 < changed < 8  # α itself half the time


def test_snap_alpha_removes_resampling_residue() -> None:
    alpha = np.array([[0.0004, 0.5, 0.9996, 1.0]], np.float32)
    np.testing.assert_array_equal(augment.snap_alpha(alpha), np.array([[0.0, 0.5, 1.0, 1.0]], np.float32))


def test_background_crop_has_the_crop_size() -> None:
    background = np.random.default_rng(0).random((50, 90, 3)).astype(np.float32)
    view = augment.background_crop(background, np.random.default_rng(0), 64)
    assert view.shape == (64, 64, 3) and view.dtype == np.float32


def test_camouflage_gives_the_background_the_subjects_colours_and_keeps_its_texture() -> None:
    rng = np.random.default_rng(0)
    alpha = matte()
    foreground = np.zeros((64, 64, 3), np.float32)
    foreground[...] = (0.9, 0.5, 0.1)  # an orange subject, a little textured
    foreground += rng.normal(0.0, 0.03, foreground.shape).astype(np.float32)
    background = np.zeros((64, 64, 3), np.float32)
    background[:, :, 1] = np.linspace(0.2, 0.6, 64, dtype=np.float32)[None, :]  # a green ramp
    background[::8] += 0.2  # and stripes
    out = augment.camouflage(background, foreground, alpha, np.random.default_rng(1))
    assert out.dtype == np.float32 and out.shape == background.shape
    assert out.min() >= 0.0 and out.max() <= 1.0
    subject_mean = foreground[alpha >= 0.5].mean(0)
    before = np.abs(background.reshape(-1, 3).mean(0) - subject_mean).max()
    after = np.abs(out.reshape(-1, 3).mean(0) - subject_mean).max()
    assert after < 0.4 * before
    # The texture stays: the recoloured ramp and stripes still correlate with the original ones.
    luma_before, luma_after = background.sum(2).ravel(), out.sum(2).ravel()
    assert np.corrcoef(luma_before, luma_after)[0, 1] > 0.9


def test_camouflage_without_a_subject_leaves_the_background() -> None:
    background = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    out = augment.camouflage(background, background, np.zeros((16, 16), np.float32), np.random.default_rng(0))
    np.testing.assert_array_equal(out, background)
