"""A combo box of one network kind's models: the shipped default and the versions in the model store.

With ``selects`` True, choosing an entry makes it the model the pipeline uses (``ModelStore.select``),
which is also how a version is rolled back; with ``selects`` False it only picks a model (to evaluate).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from engine.model_store import SHIPPED_DEFAULT, ModelStore, ModelStoreError, ModelVersion


def version_text(version: ModelVersion) -> str:
    """``v3 · 2024-05-01 · my dogs``: the number, the day and the note (shortened)."""
    note = version.note if len(version.note) <= 40 else version.note[:39] + "…"
    return " · ".join(part for part in (version.label, version.date[:10], note) if part)


def version_tooltip(version: ModelVersion) -> str:
    metrics = ", ".join(f"{name} {value:.4g}" for name, value in version.metrics.items())
    lines = [f"{version.kind} {version.label}, saved {version.date}", f"started from: {version.base or '?'}"]
    return "\n".join([*lines, f"held-back scores: {metrics}" if metrics else "no scores", str(version.path)])


class ModelChooser(QComboBox):
    """The models of ``kind``: item data is the version number, or None for the shipped default."""

    selection_changed = Signal(str, object)  # The kind, and the ModelVersion now in use (None: shipped).
    failed = Signal(str)

    def __init__(
        self, store: ModelStore, kind: str, *, selects: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.selects = selects
        self._kind = kind
        self.setMinimumContentsLength(28)
        self.activated.connect(self._on_activated)
        self.refresh()

    @property
    def kind(self) -> str:
        return self._kind

    def set_kind(self, kind: str) -> None:
        """Show the models of another kind."""
        self._kind = kind
        self.refresh()

    def refresh(self) -> None:
        """Re-read the store; the current entry becomes the version in use."""
        self.blockSignals(True)
        self.clear()
        shipped = self.store.shipped_path(self._kind)
        self.addItem(SHIPPED_DEFAULT if shipped else f"{SHIPPED_DEFAULT} (none installed)", None)
        tip = str(shipped) if shipped else "No shipped weights: the classic method is used"
        self.setItemData(0, tip, Qt.ItemDataRole.ToolTipRole)
        try:
            versions = self.store.versions(self._kind)
            selected = self.store.selected(self._kind)
        except ModelStoreError as error:
            versions, selected = [], None
            self.failed.emit(str(error))
        for version in versions:
            self.addItem(version_text(version), version.version)
            self.setItemData(self.count() - 1, version_tooltip(version), Qt.ItemDataRole.ToolTipRole)
        self.setCurrentIndex(max(0, self.findData(selected.version)) if selected else 0)
        self.blockSignals(False)

    def chosen(self) -> ModelVersion | None:
        """The version of the current entry (None: the shipped default)."""
        number = self.currentData()
        return None if number is None else self.store.version(self._kind, int(number))

    def chosen_path(self) -> Path | None:
        """The weights file of the current entry (None: no shipped default installed)."""
        version = self.chosen()
        return version.path if version is not None else self.store.shipped_path(self._kind)

    def _on_activated(self, index: int) -> None:
        if not self.selects:
            return
        number = self.itemData(index)
        try:
            self.store.select(self._kind, None if number is None else int(number))
        except ModelStoreError as error:
            self.failed.emit(str(error))
            self.refresh()
            return
        self.selection_changed.emit(self._kind, self.chosen())
