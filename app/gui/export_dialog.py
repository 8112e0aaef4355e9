"""File ▸ Export Composite…: a save dialog for the name and format, then an options dialog for the rest.

The options dialog asks the format (preset from the file's extension, or from the save dialog's filter
when the name has none), the bit depth (PNG and TIFF: as the background photo, 8 or 16), the JPEG / WebP
quality, JPEG's chroma subsampling, the colour profile (sRGB or the background photo's own) and whether
the background's GPS position is kept; EXIF, XMP and IPTC always come from the background photo
(``app.model.export_options``). Every choice is presented from, and written back to, the settings the
Preferences' *Export* rows edit, so the next export (and the cut-out's) starts from it. The command line
has its own options and is not affected.

``_ask_options`` is looked up at call time, so tests replace it (``tests/app/conftest.py`` accepts what
is proposed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from app.gui.file_dialogs import remember_folder, start_folder
from app.gui.settings import BIT_DEPTH_CHOICES, SUBSAMPLINGS
from app.gui.window_api import MainWindowApi
from app.model.export import bit_depth_of
from app.model.export_formats import (
    FORMAT_FILTER,
    FORMATS,
    CompositeExportChoices,
    filter_of,
    format_of,
    with_format,
)

if TYPE_CHECKING:
    from app.gui.settings import Settings
    from app.model.document import Document


class CompositeExportWindow(MainWindowApi, Protocol):
    """What Export Composite… uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def settings(self) -> Settings: ...

    def export_composite(self, path: str, *, bit_depth: int | None = None) -> bool: ...


def proposed_choices(settings: Settings, path: str, chosen_filter: str) -> CompositeExportChoices:
    """The dialog's starting values: the format of ``path`` (or of the filter), the rest remembered."""
    depth = settings.get("export/bit_depth")
    hinted = bit_depth_of(chosen_filter, 0)  # A filter such as "PNG 16-bit (*.png)" says.
    return CompositeExportChoices(
        path,
        format=format_of(path, chosen_filter, settings.get("export/format")),
        bit_depth=str(hinted) if hinted and "JPEG" not in chosen_filter else depth,
        quality=settings.get("export/quality"),
        profile=settings.get("export/profile"),
        keep_gps=settings.get("export/gps") == "keep",
        chroma_subsampling=settings.get("export/jpeg_subsampling"),
    )


def remember_choices(settings: Settings, choices: CompositeExportChoices) -> None:
    settings.set("export/format", choices.format)
    settings.set("export/bit_depth", choices.bit_depth)
    settings.set("export/quality", choices.quality)
    settings.set("export/profile", choices.profile)
    settings.set("export/gps", "keep" if choices.keep_gps else "remove")
    settings.set("export/jpeg_subsampling", choices.chroma_subsampling)
    settings.sync()


class ExportOptionsDialog(QDialog):
    """The options of one composite export; ``choices()`` reads them back. Rows a format has no use for
    are disabled (quality for PNG, 16-bit for JPEG…)."""

    def __init__(
        self,
        proposal: CompositeExportChoices,
        *,
        source_depth: int = 8,
        source_profile: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Composite")
        self._path = proposal.path
        form = QFormLayout(self)
        self.file_label = QLabel()
        self.format = QComboBox()
        for key, fmt in FORMATS.items():
            self.format.addItem(fmt.label, key)
        self.format.setCurrentIndex(self.format.findData(proposal.format))
        self.bit_depth = QComboBox()
        labels = {"source": f"As the background ({source_depth}-bit)", "8": "8-bit", "16": "16-bit"}
        for choice in BIT_DEPTH_CHOICES:
            self.bit_depth.addItem(labels[choice], choice)
        self.bit_depth.setCurrentIndex(self.bit_depth.findData(proposal.bit_depth))
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(proposal.quality)
        self.quality.setToolTip("JPEG and WebP: higher is larger and truer; WebP 100 is lossless")
        self.subsampling = QComboBox()
        self.subsampling.addItems(list(SUBSAMPLINGS))
        self.subsampling.setCurrentText(proposal.chroma_subsampling)
        self.subsampling.setToolTip("4:4:4 keeps full colour resolution, for fine coloured detail")
        self.profile = QComboBox()
        own = f"The background photo's ({source_profile or 'none: sRGB'})"
        self.profile.addItem("sRGB (every viewer shows it right)", "srgb")
        self.profile.addItem(own, "source")
        self.profile.setCurrentIndex(self.profile.findData(proposal.profile))
        self.keep_gps = QCheckBox("Keep the background photo's GPS position")
        self.keep_gps.setChecked(proposal.keep_gps)
        metadata = QLabel("EXIF, XMP and IPTC are copied from the background photo.")
        metadata.setWordWrap(True)
        form.addRow("File:", self.file_label)
        form.addRow("Format:", self.format)
        depth_row = QHBoxLayout()
        self.depth_note = QLabel()  # Says why the box is disabled.
        depth_row.addWidget(self.bit_depth, 1)
        depth_row.addWidget(self.depth_note)
        form.addRow("Bit depth:", depth_row)
        form.addRow("Quality:", self.quality)
        form.addRow("Chroma subsampling:", self.subsampling)
        form.addRow("Colour profile:", self.profile)
        form.addRow("Metadata:", self.keep_gps)
        form.addRow("", metadata)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(lambda _index: self._format_changed())
        self._format_changed()

    def _format_changed(self) -> None:
        fmt = FORMATS[self.format.currentData()]
        self.bit_depth.setEnabled(len(fmt.depths) > 1)
        self.depth_note.setText("" if len(fmt.depths) > 1 else f"{fmt.label} is 8-bit")
        self.quality.setEnabled(fmt.has_quality)
        self.subsampling.setEnabled(fmt.has_subsampling)
        self.file_label.setText(Path(with_format(self._path, fmt.key)).name)
        self.file_label.setToolTip(with_format(self._path, fmt.key))

    def choices(self) -> CompositeExportChoices:
        return CompositeExportChoices(
            self._path,
            format=self.format.currentData(),
            bit_depth=self.bit_depth.currentData(),
            quality=self.quality.value(),
            profile=self.profile.currentData(),
            keep_gps=self.keep_gps.isChecked(),
            chroma_subsampling=self.subsampling.currentText(),
        )


def _ask_options(
    parent: QWidget, proposal: CompositeExportChoices, *, source_depth: int, source_profile: str | None
) -> CompositeExportChoices | None:
    dialog = ExportOptionsDialog(
        proposal, source_depth=source_depth, source_profile=source_profile, parent=parent
    )
    try:
        return dialog.choices() if dialog.exec() else None
    finally:
        dialog.deleteLater()


def ask_export_composite(window: CompositeExportWindow) -> bool:
    """Ask where and how to export the composite, remember the answers and start the export job."""
    settings, document = window.settings, window.document
    remembered = settings.get("export/format")
    suggestion = Path(with_format(document.export_suggestion(), remembered))
    folder = start_folder(settings, "export")
    if folder:  # The last export's folder wins over the photos' folder.
        suggestion = Path(folder) / suggestion.name
    path, chosen = QFileDialog.getSaveFileName(
        window.window(), "Export Composite", str(suggestion), FORMAT_FILTER, filter_of(remembered)
    )
    if not path:
        return False
    origin = document.origin_of("composite")
    source_profile = origin.profile.name if origin is not None and origin.profile is not None else None
    source_depth = document.background_bit_depth
    choices = _ask_options(
        window.window(),
        proposed_choices(settings, path, chosen),
        source_depth=source_depth,
        source_profile=source_profile,
    )
    if choices is None:
        return False
    remember_choices(settings, choices)
    target = choices.target()
    remember_folder(settings, "export", target)
    # The window reads quality, profile, GPS and subsampling from the settings just written.
    return window.export_composite(target, bit_depth=choices.depth(source_depth))
