"""The window's jobs called directly, with fake progress and cancel callbacks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from app.model.compose import compose
from app.model.compositing_settings import CompositingSettings
from app.model.tasks import (
    compose_and_export,
    cut_out_and_composite,
    cut_out_subject,
    export_image,
    load_photos,
)
from classic.checks import InvalidInputError
from classic.grabcut import Rect
from classic.imageio import read_image
from classic.pipeline import Cutout
from classic.placement import Placement
from classic.progress import Cancelled

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


class Recorder:
    """A fake progress callback that keeps every report."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.reports.append((fraction, message))

    @property
    def fractions(self) -> list[float]:
        return [fraction for fraction, _ in self.reports]


def never() -> bool:
    return False


def test_load_photos_reads_each_role(photos: SyntheticPhotos) -> None:
    progress = Recorder()
    paths = {"foreground": photos.foreground_path, "background": photos.background_path}
    loaded = load_photos(paths, progress=progress, is_cancelled=never)
    np.testing.assert_allclose(loaded["foreground"].rgb, photos.foreground, atol=1 / 255)
    np.testing.assert_allclose(loaded["background"].rgb, photos.background, atol=1 / 255)
    assert progress.reports[0] == (0.0, "Reading disc.png") and progress.fractions[-1] == 1.0


def test_load_photos_stops_when_cancelled(photos: SyntheticPhotos) -> None:
    with pytest.raises(Cancelled):
        load_photos({"foreground": photos.foreground_path}, progress=Recorder(), is_cancelled=lambda: True)


def test_load_photos_names_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a picture")
    with pytest.raises(InvalidInputError, match=r"broken\.png"):
        load_photos({"foreground": str(bad)}, progress=Recorder(), is_cancelled=never)


def test_cut_out_and_composite_puts_the_subject_on_the_background(photos: SyntheticPhotos) -> None:
    progress = Recorder()
    result = cut_out_and_composite(
        photos.foreground, photos.background, method="alpha", progress=progress, is_cancelled=never
    )
    height, width = photos.background.shape[:2]
    assert result.image.shape == (height, width, 3) and result.image.dtype == np.float32
    assert result.cutout.alpha.shape == photos.foreground.shape[:2]
    # The foreground is centred on the larger background: the disc's centre lands on the centre.
    np.testing.assert_allclose(result.image[height // 2, width // 2], photos.subject_rgb, atol=0.05)
    np.testing.assert_allclose(result.image[2, 2], photos.background[2, 2], atol=0.02)
    assert progress.fractions == sorted(progress.fractions) and progress.fractions[-1] == 1.0


def test_cut_out_and_composite_reuses_a_cut_out(photos: SyntheticPhotos) -> None:
    first = cut_out_and_composite(
        photos.foreground, photos.background, method="alpha", progress=Recorder(), is_cancelled=never
    )
    second = cut_out_and_composite(
        photos.foreground,
        photos.background,
        method="copy",
        cutout=first.cutout,
        progress=Recorder(),
        is_cancelled=never,
    )
    assert second.cutout is first.cutout


def test_cut_out_and_composite_can_be_cancelled(photos: SyntheticPhotos) -> None:
    with pytest.raises(Cancelled):
        cut_out_and_composite(
            photos.foreground,
            photos.background,
            method="alpha",
            progress=Recorder(),
            is_cancelled=lambda: True,
        )


def test_export_image_writes_16_bit_png(tmp_path: Path, photos: SyntheticPhotos) -> None:
    target = str(tmp_path / "out.png")
    assert (
        export_image(target, photos.background, bit_depth=16, progress=Recorder(), is_cancelled=never)
        == target
    )
    written = read_image(target)
    assert written.bit_depth == 16
    np.testing.assert_allclose(written.rgb, photos.background, atol=1 / 65535)


def _disc_cutout(photo: np.ndarray) -> Cutout:
    red = (photo[..., 0] > 0.8).astype(np.float32)
    return Cutout(red, red, red, photo.copy())


def test_composite_with_the_panel_settings(photos: SyntheticPhotos) -> None:
    cutout = _disc_cutout(photos.foreground)
    settings = CompositingSettings(method="copy", edge_shift=3.0, placement=Placement(x=5.0, y=2.0))
    result = cut_out_and_composite(
        photos.foreground,
        photos.background,
        method="feather",
        cutout=cutout,
        settings=settings,
        progress=Recorder(),
        is_cancelled=never,
    )
    # The toolbar's method wins over the settings' own; everything else is the settings'.
    expected = compose(photos.foreground, photos.background, cutout, replace(settings, method="feather"))
    np.testing.assert_array_equal(result.image, expected)
    plain = cut_out_and_composite(
        photos.foreground,
        photos.background,
        method="feather",
        cutout=cutout,
        progress=Recorder(),
        is_cancelled=never,
    )
    assert np.abs(plain.image - result.image).max() > 0.3  # The shift and the placement show.


def test_compose_and_export_writes_the_full_resolution_composite(
    tmp_path: Path, photos: SyntheticPhotos
) -> None:
    cutout, progress = _disc_cutout(photos.foreground), Recorder()
    settings = CompositingSettings(method="feather", feather_radius=4.0, edge_shift=-2.0)
    target = str(tmp_path / "out.png")
    written = compose_and_export(
        target,
        photos.foreground,
        photos.background,
        cutout,
        settings,
        bit_depth=16,
        progress=progress,
        is_cancelled=never,
    )
    assert written == target and progress.fractions[-1] == 1.0
    assert progress.fractions == sorted(progress.fractions)
    expected = compose(photos.foreground, photos.background, cutout, settings)
    np.testing.assert_allclose(read_image(target).rgb, expected, atol=1e-4)
    with pytest.raises(Cancelled):
        compose_and_export(
            target,
            photos.foreground,
            photos.background,
            cutout,
            settings,
            progress=Recorder(),
            is_cancelled=lambda: True,
        )


def test_a_clean_plate_chooses_the_plate_cut_out(photos: SyntheticPhotos) -> None:
    """Cutting out against a plate is ``Pipeline.cut_out_with_plate`` (tested with its network in
    tests/app/gui/test_clean_plate.py); a rectangle as well is refused."""
    matte = np.zeros((2, 2), np.float32)
    made = Cutout(matte, matte, matte, np.zeros((2, 2, 3), np.float32))
    calls: list[tuple[np.ndarray, np.ndarray]] = []

    class PlatePipeline:
        def cut_out_with_plate(self, image: np.ndarray, plate: np.ndarray, **_callbacks: object) -> Cutout:
            calls.append((image, plate))
            return made

    pipeline = PlatePipeline()
    plate = photos.foreground.copy()
    got = cut_out_subject(
        pipeline,  # type: ignore[arg-type]
        photos.foreground,
        plate=plate,
        progress=Recorder(),
        is_cancelled=never,
    )
    assert got is made and calls == [(photos.foreground, plate)]
    with pytest.raises(InvalidInputError, match="not both"):
        cut_out_subject(
            pipeline,  # type: ignore[arg-type]
            photos.foreground,
            plate=plate,
            rect=Rect(1, 1, 5, 5),
            progress=Recorder(),
            is_cancelled=never,
        )
