"""The application's settings, declared once: key, type, default and validator, over ``QSettings``.

Every read goes through ``Settings.get``, which falls back to the key's default when the stored value is
missing, of the wrong type or rejected by the validator, so a hand-edited or stale settings file never
breaks the program. ``engine`` and ``classic`` never see this: the window turns values into options.
Tests point ``QSettings`` at a temporary folder (see ``tests/app/conftest.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from app.model.export_formats import FORMAT_KEYS
from app.model.export_options import PROFILE_CHOICES, PhotoOrigin, photo_export
from classic.image_source import DEFAULT_MAX_MEGAPIXELS, ImageLimits
from classic.imageio import CHROMA_SUBSAMPLING, PhotoExport
from engine.device import DEVICE_PREFERENCES
from engine.pipeline import COMPOSITING_METHODS, MATTING_METHODS, SEGMENTATION_METHODS, TRIMAP_METHODS
from engine.second_opinion import SECOND_OPINIONS
from engine.transparency_hint import TRANSPARENCY_HINTS

# The segmentation methods that need no rectangle: what the automatic cut-out may run.
AUTOMATIC_SELECTION = tuple(method for method in SEGMENTATION_METHODS if method != "grabcut")

GPS_CHOICES = ("remove", "keep")
SUBSAMPLINGS = tuple(CHROMA_SUBSAMPLING)
# "source": the background photo's depth (8 where the format has no 16-bit).
BIT_DEPTH_CHOICES = ("source", "8", "16")

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    """One key: its type, default, and a validator that says whether a value of that type is usable."""

    key: str
    type: type
    default: Any
    label: str
    valid: Callable[[Any], bool] = lambda _value: True
    choices: tuple[str, ...] = ()


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda value: value in choices


def _between(low: float, high: float) -> Callable[[Any], bool]:
    return lambda value: low <= value <= high


SETTINGS: dict[str, Setting] = {
    setting.key: setting
    for setting in (
        Setting(
            "compositing/method", str, "alpha", "Compositing method",
            _one_of(COMPOSITING_METHODS), COMPOSITING_METHODS,
        ),
        Setting(
            "segmentation/method", str, "auto", "Automatic selection",
            _one_of(AUTOMATIC_SELECTION), AUTOMATIC_SELECTION,
        ),
        Setting(
            "segmentation/second_opinion", str, "auto",
            "Second opinion on the subject (auto: U²-Net-p when installed)",
            _one_of(SECOND_OPINIONS), SECOND_OPINIONS,
        ),
        Setting(
            "matting/trimap", str, "auto", "Trimap of the automatic cut-out (auto: learned when installed)",
            _one_of(TRIMAP_METHODS), TRIMAP_METHODS,
        ),
        Setting(
            "matting/transparency_hint", str, "auto",
            "See-through edges for the learned trimap (auto: MODNet when installed)",
            _one_of(TRANSPARENCY_HINTS), TRANSPARENCY_HINTS,
        ),
        Setting(
            "matting/method", str, "auto", "Matting method (auto: the matting network when installed)",
            _one_of(MATTING_METHODS), MATTING_METHODS,
        ),
        Setting(
            "matting/band_fraction", float, 0.01, "Trimap band around the mask (fraction of diagonal)",
            _between(0.001, 0.2),
        ),
        Setting("brush/size", int, 40, "Brush size (px)", _between(1, 2000)),
        Setting("brush/hardness", float, 0.8, "Brush hardness", _between(0.0, 1.0)),
        Setting("brush/opacity", float, 1.0, "Brush opacity", _between(0.0, 1.0)),
        Setting("editing/undo_limit", int, 100, "Undo limit (steps)", _between(1, 10_000)),
        Setting(
            "files/max_megapixels", float, DEFAULT_MAX_MEGAPIXELS, "Largest image to open (megapixels)",
            _between(1.0, 10_000.0),
        ),
        Setting(
            "engine/device", str, "auto", "Device for networks",
            _one_of(DEVICE_PREFERENCES), DEVICE_PREFERENCES,
        ),
        Setting(
            "export/profile", str, "srgb", "Colour profile of exports",
            _one_of(PROFILE_CHOICES), PROFILE_CHOICES,
        ),
        Setting("export/gps", str, "remove", "GPS position in exports", _one_of(GPS_CHOICES), GPS_CHOICES),
        Setting("export/quality", int, 95, "JPEG / WebP quality", _between(1, 100)),
        Setting(
            "export/jpeg_subsampling", str, "4:2:0", "JPEG chroma subsampling",
            _one_of(SUBSAMPLINGS), SUBSAMPLINGS,
        ),
        Setting(
            "export/format", str, "png", "Format of exported composites", _one_of(FORMAT_KEYS), FORMAT_KEYS
        ),
        Setting(
            "export/bit_depth", str, "source", "Bit depth of exported composites",
            _one_of(BIT_DEPTH_CHOICES), BIT_DEPTH_CHOICES,
        ),
        # The folder each file dialog opens in (see ``app.gui.file_dialogs.FOLDER_KEYS``).
        Setting("folders/last_export", str, "", "Last export folder"),
        Setting("folders/last_export_layers", str, "", "Last layer export folder"),
        Setting("folders/last_open", str, "", "Last project folder"),
        Setting("folders/last_open_photo", str, "", "Last photo folder"),
        # JSON, see ``app.model.recent_files``; remembered, not edited.
        Setting("recent/files", str, "", "Recent files"),
    )
}  # fmt: skip


def _convert(setting: Setting, raw: object) -> Any:
    # QSettings' INI and native backends hand back strings for numbers; bool("false") would be True.
    if setting.type is bool:
        if isinstance(raw, str):
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        return bool(raw)
    if not isinstance(raw, str | int | float):
        raise TypeError(type(raw).__name__)
    return setting.type(raw)


def _check(key: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``key`` accepts ``value``."""
    setting = SETTINGS[key]
    if not isinstance(value, setting.type) or not setting.valid(value):
        raise ValueError(f"setting {key}: {value!r} is not a valid {setting.type.__name__}")


class Settings:
    """Typed access to ``SETTINGS`` in a ``QSettings`` store (the application's own by default)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings()

    def get(self, key: str) -> Any:
        """The stored value of ``key``, or its default when missing or unusable."""
        setting = SETTINGS[key]
        raw = self._store.value(key)
        if raw is None:
            return setting.default
        try:
            value = _convert(setting, raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not setting.valid(value):
            _log.warning("setting %s: ignoring the bad value %r, using %r", key, raw, setting.default)
            return setting.default
        return value

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` for ``key``; raises ``ValueError`` for a value the key does not accept."""
        _check(key, value)
        self._store.setValue(key, value)

    def reset(self, key: str) -> None:
        self._store.remove(key)

    def choose(self, key: str, value: Any) -> None:
        """Store the user's choice of ``value`` for ``key`` as ``set`` does, except that the default is not
        stored: a key left at its default follows a new release's default (the matting method became
        ``auto`` where Preferences had stored ``closed-form`` for everyone who pressed OK)."""
        _check(key, value)
        if value == SETTINGS[key].default:
            self.reset(key)
        else:
            self._store.setValue(key, value)

    def sync(self) -> None:
        self._store.sync()

    def image_limits(self) -> ImageLimits:
        """The largest image the window opens, checked from each file's header before decoding."""
        return ImageLimits(max_megapixels=self.get("files/max_megapixels"))

    def photo_export(self, source: PhotoOrigin | None) -> PhotoExport:
        """How a result made from ``source`` is written: the *Export* preferences (profile, GPS, JPEG
        chroma subsampling) and the source's profile and metadata."""
        return photo_export(
            source,
            profile=self.get("export/profile"),
            keep_gps=self.get("export/gps") == "keep",
            chroma_subsampling=self.get("export/jpeg_subsampling"),
        )

    def pipeline_changes(self) -> dict[str, Any]:
        """The ``engine.pipeline.PipelineOptions`` fields these settings choose (engine never sees them)."""
        return {
            "device": self.get("engine/device"),
            "segmentation": self.get("segmentation/method"),
            "second_opinion": self.get("segmentation/second_opinion"),
            "trimap": self.get("matting/trimap"),
            "transparency_hint": self.get("matting/transparency_hint"),
            "matting": self.get("matting/method"),
            "band_fraction": self.get("matting/band_fraction"),
        }
