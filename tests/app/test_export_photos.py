"""The GUI's exports carry the source photo's colour profile choice and EXIF (issue 13): the cut-out the
foreground's, the composite the background's; the choices are Preferences."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from pytestqt.qtbot import QtBot

from app.export_options import PhotoOrigin
from app.main_window import MainWindow
from app.preferences import PreferencesDialog
from classic.colour_profile import read_profile
from classic.photo_metadata import PhotoMetadata
from classic.pipeline import Cutout
from tests.classic.icc_profiles import DISPLAY_P3, matrix_profile
from tests.test_export_rule import disc


def _origin() -> PhotoOrigin:
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "Apple", 6
    exif.get_ifd(0x8825)[0x0002] = (1.0, 2.0, 3.0)
    return PhotoOrigin(read_profile(matrix_profile(DISPLAY_P3), "test"), PhotoMetadata(exif.tobytes()))


def _written(path: Path) -> tuple[str, Image.Exif]:
    with Image.open(path) as image:
        image.load()
        name = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"])))
        return name.strip(), image.getexif()


def test_the_cut_out_carries_srgb_and_the_foregrounds_exif_then_its_profile(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    photo = disc()
    window.document.set_foreground(photo, origin=_origin())
    alpha = (photo[..., 0] > 0.5).astype(np.float32)
    window.document.set_cutout(Cutout(alpha, alpha, alpha, photo))
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert window.project_actions.export_cutout_to(str(tmp_path / "cut.webp"))
    name, exif = _written(tmp_path / "cut.webp")
    assert name == "sRGB built-in" and exif[0x010F] == "Apple" and exif[0x0112] == 1
    assert not exif.get_ifd(0x8825)
    dialog = PreferencesDialog(window.settings, window)
    dialog.editors["export/profile"].setCurrentText("source")
    dialog.editors["export/gps"].setCurrentText("keep")
    dialog.accept()
    with qtbot.waitSignal(window.jobs.finished, timeout=30_000):
        assert window.project_actions.export_cutout_to(str(tmp_path / "cut.png"))
    name, exif = _written(tmp_path / "cut.png")
    assert name == DISPLAY_P3.name and exif.get_ifd(0x8825)[0x0002] == (1.0, 2.0, 3.0)


def test_a_new_photo_without_metadata_drops_the_old_ones(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.document.set_background(disc(), origin=_origin())
    assert window.document.origin_of("composite") is not None
    window.document.set_background(disc())
    assert window.document.origin_of("composite") is None
    assert window.settings.photo_export(None).profile is None


def test_open_dialogs_and_drops_take_heic_and_raw_files() -> None:
    from app.files import OPEN_FILTER, assign_dropped

    for pattern in ("*.heic", "*.avif", "*.dng", "*.nef", "*.cr2", "*.arw", "*.raf"):
        assert pattern in OPEN_FILTER
    dropped = assign_dropped(["a.HEIC", "b.NEF"], has_foreground=False)
    assert dropped == {"foreground": "a.HEIC", "background": "b.NEF"}
