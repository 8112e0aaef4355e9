from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pytestqt.qtbot import QtBot

from app.gui.gui import create_window
from app.model.samples import sample_background, sample_foreground

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def test_samples_are_photos() -> None:
    foreground, background = sample_foreground(), sample_background()
    for photo in (foreground, background):
        assert photo.dtype == np.float32 and photo.ndim == 3 and photo.shape[2] == 3
        assert photo.min() >= 0.0 and photo.max() <= 1.0 and photo.std() > 0.1
    assert foreground.shape != background.shape


def test_window_with_samples(qtbot: QtBot) -> None:
    window = create_window(samples=True)
    qtbot.addWidget(window)
    assert window.layers.names() == ["foreground", "background"]
    assert "astronaut" in window.windowTitle()
    assert window.menu_actions.composite.isEnabled()


def test_window_opens_given_photos(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    window = create_window(photos.foreground_path, samples=True)
    qtbot.addWidget(window)
    assert window.layers.names() == ["background"]  # The sample background; the file is opening.
    qtbot.waitUntil(lambda: "foreground" in window.layers, timeout=10_000)
    assert window.layers.get("foreground").shape == photos.foreground.shape  # type: ignore[union-attr]
    assert window.windowTitle().startswith("disc.png on Hubble Deep Field")
