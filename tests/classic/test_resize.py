from __future__ import annotations

import cv2
import numpy as np

from classic.resize import guided_upsample, upsample_window, working_scale
from tests.classic.synthetic import composed, disc_mask


def test_working_scale_never_enlarges() -> None:
    assert working_scale((100, 100), 1.0) == 1.0
    assert abs(working_scale((2000, 3000), 1.5) - 0.5) < 1e-9


def test_guided_upsampling_follows_full_resolution_edges() -> None:
    mask = disc_mask(240, 320, radius=70)
    image, _, _ = composed(mask)
    small = cv2.resize(image, (80, 60), interpolation=cv2.INTER_AREA)  # 4× smaller on each side
    small_mask = (cv2.resize(mask, (80, 60), interpolation=cv2.INTER_AREA) > 0.5).astype(np.float32)
    upsampled = guided_upsample(small_mask, small, image)
    assert upsampled.shape == mask.shape and upsampled.dtype == np.float32
    guided_error = np.abs((upsampled > 0.5) - mask).sum()
    plain = np.kron(small_mask, np.ones((4, 4), np.float32))[: mask.shape[0], : mask.shape[1]]
    assert guided_error < 0.5 * np.abs((plain > 0.5) - mask).sum()


def test_resizing_stays_in_the_unit_range() -> None:
    from classic.resize import resize_to

    rng = np.random.default_rng(0)
    image = np.where(rng.random((97, 131, 3)) > 0.5, 1.0, 0.0).astype(np.float32)
    for size in ((37, 29), (300, 200)):
        resized = resize_to(image, size)
        assert resized.min() >= 0.0 and resized.max() <= 1.0


def test_a_window_of_an_upsampled_array_is_made_without_the_rest() -> None:
    small = np.random.default_rng(3).random((37, 53, 3), dtype=np.float32)
    whole = cv2.resize(small, (531, 400), interpolation=cv2.INTER_LINEAR)
    for rows, cols in (
        (slice(0, 400), slice(0, 531)),
        (slice(13, 200), slice(5, 44)),
        (slice(399, 400), slice(7, 8)),
    ):
        window = upsample_window(small, (531, 400), rows, cols)
        np.testing.assert_allclose(window, whole[rows, cols], atol=1e-6)
