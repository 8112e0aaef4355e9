"""The compositing panel (a dock): method, edge shift, feather radius, smoothing and decontamination.

A view of the document's compositing settings (``Document.compositing``): a field's edit changes the
document, and every change of the document's settings, from here or elsewhere (the toolbar's method
box, a placement drag, a project opened), shows in the fields and recomposes a preview on the panel's
own ``JobRunner`` from copies of at most ``compose.PREVIEW_MEGAPIXELS``, so the controls answer
within a moment while the window's jobs run on theirs; ``preview_ready`` carries the result.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QWidget

from app.gui.jobs import JobRunner
from app.model.compose import ShrinkCache, compose_preview
from app.model.compositing_settings import (
    EDGE_SHIFT_LIMIT,
    FEATHER_LIMIT,
    SMOOTHING_LIMIT,
    CompositingSettings,
)
from app.model.document import Document
from classic.compositing import COMPOSITING_METHODS as CLASSIC_METHODS
from classic.placement import Placement
from engine.pipeline import Pipeline
from engine.weights import installed_weights


def available_methods() -> list[str]:
    """The classic methods, and ``fusion`` when its trained network is installed."""
    methods = list(CLASSIC_METHODS)
    if installed_weights("fusion") is not None:
        methods.append("fusion")
    return methods


def _spin(minimum: float, maximum: float, step: float, suffix: str, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)  # Recompose when typing ends, not on every digit.
    return box


class CompositingPanel(QWidget):
    """Controls for the document's ``CompositingSettings``; recomposes a preview when they change."""

    settings_changed = Signal(object)  # CompositingSettings, after an edit of the user's
    preview_ready = Signal(object)  # np.ndarray, RGB at preview resolution
    preview_requested = Signal()  # A newer preview is on its way: the one shown is out of date.

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.runner = JobRunner(self)
        self._pipeline: Pipeline | None = None  # Used only on the runner's thread (fusion).
        self._cache = ShrinkCache()  # Likewise.
        self.method = QComboBox()
        self.method.addItems(available_methods())
        self.method.setCurrentText("alpha")
        self.method.setToolTip("How the subject is blended into the background")
        self.edge_shift = _spin(
            -EDGE_SHIFT_LIMIT, EDGE_SHIFT_LIMIT, 1.0, " px", "Move the alpha's edge out (> 0) or in (< 0)"
        )
        self.feather = _spin(0.0, FEATHER_LIMIT, 1.0, " px", "Feather radius (feather method); 0: automatic")
        self.feather.setSpecialValueText("automatic")
        self.smoothing = _spin(0.0, SMOOTHING_LIMIT, 0.5, " px", "Gaussian smoothing of the alpha (σ)")
        self.decontamination = _spin(0.0, 1.0, 0.1, "", "0: the photo's colours, 1: decontaminated colours")
        self.decontamination.setValue(1.0)
        form = QFormLayout(self)
        form.addRow("Method", self.method)
        form.addRow("Edge shift", self.edge_shift)
        form.addRow("Feather", self.feather)
        form.addRow("Smoothing", self.smoothing)
        form.addRow("Decontamination", self.decontamination)
        self.method.currentTextChanged.connect(lambda _text: self._edited())
        for box in (self.edge_shift, self.feather, self.smoothing, self.decontamination):
            box.valueChanged.connect(lambda _value: self._edited())
        self.runner.finished.connect(self.preview_ready.emit)
        self._show(document.compositing)
        document.connect_compositing(self._on_settings)

    def settings(self) -> CompositingSettings:
        """The document's settings, which the fields show."""
        return self._document.compositing

    def set_settings(self, settings: CompositingSettings) -> None:
        """Use ``settings`` (all but the placement, which stays) as an edit of the user's."""
        self._document.set_compositing(replace(settings, placement=self._document.compositing.placement))

    def set_placement(self, placement: Placement | None, *, notify: bool = True) -> None:
        """Use ``placement`` (None: the default placement); ``notify`` False: no edit of the user's (a new
        photo's fresh placement)."""
        self._document.set_compositing(replace(self._document.compositing, placement=placement), edit=notify)

    def _fields(self) -> CompositingSettings:
        feather = self.feather.value()
        return replace(
            self._document.compositing,
            method=self.method.currentText(),
            edge_shift=self.edge_shift.value(),
            feather_radius=feather if feather > 0 else None,
            smoothing=self.smoothing.value(),
            decontamination=self.decontamination.value(),
        )

    def _edited(self) -> None:
        self._document.set_compositing(self._fields())

    def _on_settings(self, settings: CompositingSettings, edit: bool) -> None:
        self._show(settings)
        if edit:
            self.settings_changed.emit(settings)
        self.request_preview()

    def _show(self, settings: CompositingSettings) -> None:
        fields = (self.method, self.edge_shift, self.feather, self.smoothing, self.decontamination)
        for widget in fields:
            widget.blockSignals(True)
        try:
            self.method.setCurrentText(settings.method)
            self.edge_shift.setValue(settings.edge_shift)
            self.feather.setValue(settings.feather_radius or 0.0)
            self.smoothing.setValue(settings.smoothing)
            self.decontamination.setValue(settings.decontamination)
        finally:
            for widget in fields:
                widget.blockSignals(False)

    def can_preview(self) -> bool:
        document = self._document
        return document.cutout is not None and document.has("foreground") and document.has("background")

    def request_preview(self) -> bool:
        """Recompose the preview on the runner (a newer request replaces an older one)."""
        if not self.can_preview() or not self.runner.is_running:  # Closing: a field's last edit.
            return False
        photo, background = self._document.layers.get("foreground"), self._document.layers.get("background")
        cutout = self._document.shown_cutout()  # Brush strokes included, as Composite and Export.
        assert photo is not None and background is not None and cutout is not None
        settings = self._document.composing_settings()
        if settings.method == "fusion" and self._pipeline is None:
            self._pipeline = Pipeline()
        self.runner.submit(
            compose_preview, photo, background, cutout, settings, pipeline=self._pipeline, cache=self._cache
        )
        self.preview_requested.emit()
        return True

    def shutdown(self) -> None:
        self.runner.shutdown()
