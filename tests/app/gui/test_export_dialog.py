"""File ▸ Export Composite… asks the format, bit depth, quality, profile and GPS; what is chosen reaches
the written file and is what the next export proposes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

import app.gui.export_dialog as export_dialog
from app.gui.export_dialog import ExportOptionsDialog, proposed_choices
from app.gui.main_window import MainWindow
from app.model.export_formats import CompositeExportChoices
from tests.app.gui.test_export_photos import _origin, _written
from tests.classic.icc_profiles import DISPLAY_P3

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot: QtBot, photos: SyntheticPhotos) -> MainWindow:
    main_window = MainWindow()
    errors: list[str] = []
    main_window.show_error = errors.append  # type: ignore[method-assign]
    main_window.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(main_window)
    photos.open_in(main_window.document)
    with qtbot.waitSignal(main_window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert main_window.run_composite()
    return main_window


def _export(
    qtbot: QtBot,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    path: Path,
    chosen_filter: str,
    **choices: object,
) -> list[CompositeExportChoices]:
    """Trigger File > Export Composite… answering the save dialog with ``path`` and the options dialog
    with what it proposes changed by ``choices``; returns the proposals."""
    proposals: list[CompositeExportChoices] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(path), chosen_filter))

    def answer(
        _parent: object, proposal: CompositeExportChoices, **_kwargs: object
    ) -> CompositeExportChoices:
        proposals.append(proposal)
        return dataclasses.replace(proposal, **choices)  # type: ignore[arg-type]

    monkeypatch.setattr(export_dialog, "_ask_options", answer)
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        window.menu_actions.export.trigger()
    return proposals


def test_the_quality_chosen_changes_the_jpeg_and_is_remembered(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    low, high = tmp_path / "low.jpg", tmp_path / "high.jpg"
    first = _export(qtbot, window, monkeypatch, low, "JPEG (*.jpg *.jpeg)", quality=20)
    assert first[0].format == "jpg" and first[0].quality == 95  # The Preferences' default.
    assert window.settings.get("export/quality") == 20 and window.settings.get("export/format") == "jpg"
    second = _export(qtbot, window, monkeypatch, high, "JPEG (*.jpg *.jpeg)", quality=98)
    assert second[0].quality == 20  # What was chosen last time.
    assert low.stat().st_size < 0.7 * high.stat().st_size
    assert window.errors == []  # type: ignore[attr-defined]


def test_sixteen_bits_when_asked_and_the_format_from_the_choice(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.document.background_bit_depth == 8
    _export(qtbot, window, monkeypatch, tmp_path / "deep", "PNG (*.png)", bit_depth="16")
    written = cv2.imread(str(tmp_path / "deep.png"), cv2.IMREAD_UNCHANGED)
    assert written.dtype == "uint16" and window.settings.get("export/bit_depth") == "16"
    # Chosen as TIFF in the options dialog: the name follows the format.
    _export(qtbot, window, monkeypatch, tmp_path / "as.png", "PNG (*.png)", format="tif", bit_depth="8")
    assert cv2.imread(str(tmp_path / "as.tif"), cv2.IMREAD_UNCHANGED).dtype == "uint8"
    assert not (tmp_path / "as.png").exists()
    assert window.settings.get("folders/last_export") == str(tmp_path)


def test_cancelling_the_options_writes_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_args: (str(tmp_path / "x.png"), "PNG (*.png)")
    )
    monkeypatch.setattr(export_dialog, "_ask_options", lambda *_args, **_kwargs: None)
    window.menu_actions.export.trigger()
    assert not window.jobs.is_busy and not (tmp_path / "x.png").exists()
    assert window.settings.get("folders/last_export") == ""


def test_the_dialog_offers_what_the_format_allows(qtbot: QtBot, window: MainWindow) -> None:
    window.settings.set("export/profile", "source")
    window.settings.set("export/gps", "keep")
    proposal = proposed_choices(window.settings, "/x/out.webp", "PNG (*.png)")
    assert (proposal.format, proposal.profile, proposal.keep_gps) == ("webp", "source", True)
    dialog = ExportOptionsDialog(proposal, source_depth=16, source_profile="Display P3")
    qtbot.addWidget(dialog)
    assert dialog.quality.isEnabled() and not dialog.bit_depth.isEnabled()
    assert not dialog.subsampling.isEnabled() and dialog.file_label.text() == "out.webp"
    assert dialog.depth_note.text() == "WebP is 8-bit"
    assert "Display P3" in dialog.profile.currentText() and "16-bit" in dialog.bit_depth.currentText()
    dialog.format.setCurrentIndex(dialog.format.findData("jpg"))
    assert dialog.subsampling.isEnabled() and dialog.file_label.text() == "out.jpg"
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    assert dialog.bit_depth.isEnabled() and not dialog.quality.isEnabled() and not dialog.depth_note.text()
    dialog.bit_depth.setCurrentIndex(dialog.bit_depth.findData("8"))
    dialog.quality.setValue(70)
    dialog.keep_gps.setChecked(False)
    dialog.profile.setCurrentIndex(dialog.profile.findData("srgb"))
    assert dialog.choices() == CompositeExportChoices(
        "/x/out.webp", "png", "8", 70, "srgb", False, window.settings.get("export/jpeg_subsampling")
    )
    assert dialog.choices().target() == "/x/out.png"


def test_the_profile_and_gps_chosen_reach_the_file(
    qtbot: QtBot, window: MainWindow, photos: SyntheticPhotos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.set_background(photos.background, origin=_origin())
    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        assert window.run_composite()
    _export(
        qtbot,
        window,
        monkeypatch,
        tmp_path / "p3.jpg",
        "JPEG (*.jpg *.jpeg)",
        profile="source",
        keep_gps=True,
    )
    name, exif = _written(tmp_path / "p3.jpg")
    assert name == DISPLAY_P3.name and exif.get_ifd(0x8825)[0x0002] == (1.0, 2.0, 3.0)
    assert window.settings.get("export/profile") == "source" and window.settings.get("export/gps") == "keep"
