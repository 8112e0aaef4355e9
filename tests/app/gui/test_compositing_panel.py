from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.gui import compositing_panel
from app.gui.compositing_panel import CompositingPanel, available_methods
from app.model.compose import (
    ShrinkCache,
    compose,
    compose_full_resolution,
    compose_preview,
)
from app.model.compositing_settings import CompositingSettings
from app.model.document import Document
from classic.checks import InvalidInputError
from classic.pipeline import Cutout
from classic.placement import Placement

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def _cutout(photo: np.ndarray) -> Cutout:
    red = (photo[..., 0] > 0.8).astype(np.float32)
    return Cutout(mask=red, trimap=red, alpha=red, foreground=photo.copy())


def _document(photos: SyntheticPhotos) -> Document:
    document = Document()
    document.set_foreground(photos.foreground)
    document.set_background(photos.background)
    document.set_cutout(_cutout(photos.foreground))
    return document


def _fake_job() -> dict[str, object]:
    return {"progress": lambda fraction, message: None, "is_cancelled": lambda: False}


def test_edge_shift_grows_the_subject(photos: SyntheticPhotos) -> None:
    cutout = _cutout(photos.foreground)
    plain = compose(photos.foreground, photos.background, cutout, CompositingSettings())
    grown = compose(photos.foreground, photos.background, cutout, CompositingSettings(edge_shift=3))
    red = lambda image: int((image[..., 0] > 0.5).sum())  # noqa: E731
    assert red(grown) > red(plain) > 0


def test_preview_is_scaled_down_and_matches_the_full_composite(photos: SyntheticPhotos) -> None:
    cutout, settings = _cutout(photos.foreground), CompositingSettings(method="copy")
    full = compose(photos.foreground, photos.background, cutout, settings)
    megapixels = photos.background.shape[0] * photos.background.shape[1] / 4 / 1e6
    preview = compose_preview(
        photos.foreground, photos.background, cutout, settings, megapixels=megapixels, **_fake_job()
    )
    assert preview.shape == (50, 70, 3)
    assert abs(float((preview[..., 0] > 0.5).mean()) - float((full[..., 0] > 0.5).mean())) < 0.02


def test_full_resolution_needs_a_cutout(photos: SyntheticPhotos) -> None:
    document = _document(photos)
    assert compose_full_resolution(document, CompositingSettings()).shape == photos.background.shape
    document.set_foreground(photos.foreground)
    with pytest.raises(InvalidInputError):
        compose_full_resolution(document, CompositingSettings())
    with pytest.raises(InvalidInputError):
        CompositingSettings(decontamination=2.0)


def test_fusion_is_offered_only_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compositing_panel, "installed_weights", lambda kind: None)
    assert "fusion" not in available_methods() and "poisson" in available_methods()


def test_panel_controls_recompose_the_preview(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    panel = CompositingPanel(_document(photos))
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.preview_ready, timeout=10_000) as plain:
            assert panel.request_preview()
        with qtbot.waitSignal(panel.preview_ready, timeout=10_000) as grown:
            panel.edge_shift.setValue(4.0)
        assert panel.settings().edge_shift == 4.0
        assert (grown.args[0][..., 0] > 0.5).sum() > (plain.args[0][..., 0] > 0.5).sum()
        with qtbot.waitSignal(panel.preview_ready, timeout=10_000) as copied:
            panel.method.setCurrentText("copy")
        assert set(np.unique(copied.args[0][..., 0] > 0.5)) == {False, True}
        with qtbot.waitSignal(panel.preview_ready, timeout=10_000) as moved:
            panel.set_placement(Placement(x=0.0, y=0.0))
        assert not np.array_equal(moved.args[0], copied.args[0])
    finally:
        panel.shutdown()


def test_full_resolution_uses_the_alpha_the_layers_show(photos: SyntheticPhotos) -> None:
    document = _document(photos)
    assert document.cutout is not None
    erased = np.zeros_like(document.cutout.alpha)  # A copy painted out, as a brush on a read-only alpha does.
    document.layers.set_image("alpha", erased)
    assert document.shown_cutout().alpha is erased  # type: ignore[union-attr]
    np.testing.assert_allclose(compose_full_resolution(document, CompositingSettings()), photos.background)


def test_the_preview_keeps_the_scaled_photos_but_not_the_mattes(photos: SyntheticPhotos) -> None:
    cutout, settings = _cutout(photos.foreground), CompositingSettings()
    megapixels = photos.background.shape[0] * photos.background.shape[1] / 4 / 1e6
    cache = ShrinkCache()
    first = compose_preview(
        photos.foreground,
        photos.background,
        cutout,
        settings,
        megapixels=megapixels,
        cache=cache,
        **_fake_job(),
    )
    kept = cache.shrunk("photo", photos.foreground, 0.5)
    cutout.alpha[:] = 0.0  # Painted out in place: the next preview must see it.
    again = compose_preview(
        photos.foreground,
        photos.background,
        cutout,
        settings,
        megapixels=megapixels,
        cache=cache,
        **_fake_job(),
    )
    assert cache.shrunk("photo", photos.foreground, 0.5) is kept
    assert not np.allclose(first, again)
    np.testing.assert_allclose(
        again,
        compose_preview(
            photos.foreground, photos.background, cutout, settings, megapixels=megapixels, **_fake_job()
        ),
    )
    replaced = photos.foreground.copy()
    assert cache.shrunk("photo", replaced, 0.5) is not kept  # Another photo: scaled afresh.
