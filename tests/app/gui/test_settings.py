"""Settings declared once: defaults, bad values falling back, and the Preferences dialog writing values."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox
from pytestqt.qtbot import QtBot

from app.gui.preferences import PreferencesDialog
from app.gui.settings import SETTINGS, Settings


def ini_settings(tmp_path: Path) -> tuple[Settings, QSettings]:
    store = QSettings(str(tmp_path / "test.ini"), QSettings.Format.IniFormat)
    return Settings(store), store


def test_every_key_starts_at_its_default(tmp_path: Path) -> None:
    settings, _ = ini_settings(tmp_path)
    for key, setting in SETTINGS.items():
        assert settings.get(key) == setting.default
        assert setting.valid(setting.default), key


def test_values_round_trip_through_the_file(tmp_path: Path) -> None:
    settings, store = ini_settings(tmp_path)
    settings.set("brush/size", 12)
    settings.set("matting/band_fraction", 0.05)
    settings.set("engine/device", "cpu")
    settings.sync()
    reread = Settings(QSettings(store.fileName(), QSettings.Format.IniFormat))
    assert reread.get("brush/size") == 12
    assert reread.get("matting/band_fraction") == 0.05
    assert reread.get("engine/device") == "cpu"


def test_bad_stored_values_fall_back_to_the_default(tmp_path: Path) -> None:
    settings, store = ini_settings(tmp_path)
    store.setValue("brush/size", "huge")
    store.setValue("brush/opacity", 7.5)
    store.setValue("engine/device", "tpu")
    store.setValue("compositing/method", ["alpha"])
    assert settings.get("brush/size") == SETTINGS["brush/size"].default
    assert settings.get("brush/opacity") == SETTINGS["brush/opacity"].default
    assert settings.get("engine/device") == "auto"
    assert settings.get("compositing/method") == SETTINGS["compositing/method"].default


def test_setting_a_bad_value_is_refused(tmp_path: Path) -> None:
    settings, _ = ini_settings(tmp_path)
    with pytest.raises(ValueError, match="brush/hardness"):
        settings.set("brush/hardness", 2.0)
    with pytest.raises(ValueError, match="engine/device"):
        settings.set("engine/device", "gpu")


def test_preferences_dialog_writes_the_values(qtbot: QtBot, tmp_path: Path) -> None:
    settings, _ = ini_settings(tmp_path)
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    device = dialog.editors["engine/device"]
    size = dialog.editors["brush/size"]
    hardness = dialog.editors["brush/hardness"]
    assert isinstance(device, QComboBox) and isinstance(size, QSpinBox)
    assert isinstance(hardness, QDoubleSpinBox)
    device.setCurrentText("cpu")
    size.setValue(25)
    hardness.setValue(0.5)
    dialog.accept()
    assert settings.get("engine/device") == "cpu"
    assert settings.get("brush/size") == 25
    assert settings.get("brush/hardness") == 0.5
    assert settings.get("editing/undo_limit") == SETTINGS["editing/undo_limit"].default


def test_preferences_store_only_what_differs_from_the_defaults(qtbot: QtBot, tmp_path: Path) -> None:
    # A key left at its default follows the next release's default instead of keeping today's.
    settings, store = ini_settings(tmp_path)
    settings.set("matting/method", "auto")  # stored by an earlier Preferences that wrote every value
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    size = dialog.editors["brush/size"]
    assert isinstance(size, QSpinBox)
    size.setValue(25)
    dialog.accept()
    assert store.allKeys() == ["brush/size"]
    assert settings.get("brush/size") == 25 and settings.get("matting/method") == "auto"
    with pytest.raises(ValueError, match="brush/size"):
        settings.choose("brush/size", -1)


def test_window_uses_the_device_preference(qtbot: QtBot) -> None:
    from app.gui.main_window import MainWindow

    Settings().set("engine/device", "cpu")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.pipeline.options.device == "cpu"


def test_preferences_reach_the_pipeline(qtbot: QtBot) -> None:
    from app.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    settings = Settings()
    settings.set("matting/method", "knn")
    settings.set("matting/band_fraction", 0.02)
    settings.set("matting/trimap", "mask")
    settings.set("segmentation/second_opinion", "none")
    settings.set("matting/transparency_hint", "none")
    settings.set("compositing/method", "laplacian")
    window.apply_settings()
    assert window.pipeline.options.trimap == "mask"
    assert window.pipeline.options.second_opinion == "none"
    assert window.pipeline.options.transparency_hint == "none"
    assert window.pipeline.options.matting == "knn"
    assert window.pipeline.options.band_fraction == 0.02
    assert window.method_combo.currentText() == "laplacian"
