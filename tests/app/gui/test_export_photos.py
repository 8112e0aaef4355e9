"""The GUI's exports carry the source photo's colour profile choice and EXIF (issue 13): the cut-out the
foreground's, the composite the background's; the choices are Preferences."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.preferences import PreferencesDialog
from app.model.document import Document
from app.model.export_options import PhotoOrigin
from app.project.session import MANIFEST, ProjectError, load_project, restore, save_project, snapshot
from classic.colour_profile import read_profile
from classic.photo_metadata import PhotoMetadata
from classic.pipeline import Cutout
from tests.classic.icc_profiles import DISPLAY_P3, matrix_profile
from tests.test_export_rule import disc


def _origin() -> PhotoOrigin:
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "Apple", 6
    exif.get_ifd(0x8825)[0x0002] = (1.0, 2.0, 3.0)
    iptc = b"\x1c\x02\x78\x00\x07caption"
    metadata = PhotoMetadata(exif.tobytes(), b"<x:xmpmeta/>", iptc)
    return PhotoOrigin(read_profile(matrix_profile(DISPLAY_P3), "test"), metadata)


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
    from app.model.files import OPEN_FILTER, assign_dropped

    for pattern in ("*.heic", "*.avif", "*.dng", "*.nef", "*.cr2", "*.arw", "*.raf"):
        assert pattern in OPEN_FILTER
    dropped = assign_dropped(["a.HEIC", "b.NEF"], has_foreground=False)
    assert dropped == {"foreground": "a.HEIC", "background": "b.NEF"}


@pytest.mark.parametrize("name", ["project", "project.zip"])
def test_a_project_keeps_each_photos_profile_and_metadata(tmp_path: Path, name: str) -> None:
    document = Document()
    document.set_foreground(disc(), origin=_origin())
    document.set_background(disc())
    written = save_project(snapshot(document), tmp_path / name)
    opened = Document()
    restore(opened, load_project(written))
    origin = opened.origin_of("alpha")
    assert origin is not None and origin == _origin()
    assert origin.profile is not None and origin.profile.name == DISPLAY_P3.name
    assert opened.origin_of("composite") is None


def test_a_damaged_profile_in_a_project_is_one_clear_error(tmp_path: Path) -> None:
    document = Document()
    document.set_foreground(disc(), origin=_origin())
    written = Path(save_project(snapshot(document), tmp_path / "project"))
    manifest = json.loads((written / MANIFEST).read_text())
    manifest["photos"]["foreground"]["icc"] = base64.b64encode(matrix_profile(DISPLAY_P3)[:150]).decode()
    (written / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ProjectError, match="colour profile") as caught:
        load_project(written)
    assert "\n" not in str(caught.value)
