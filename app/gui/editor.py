"""The editor's view modes, compositing and placement docks, and Move mode, wired into the main window.

The canvas shows the topmost visible layer in the ``layers`` view mode; the mask views render the
current mask layer (the selected matte, else the alpha) over the foreground photo; ``before`` is the
background, ``after`` the newest composite (the panel's preview when there is one) and ``split`` the
two side by side at the split position.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QEvent, QModelIndex, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QColorDialog, QComboBox, QDockWidget, QDoubleSpinBox, QLabel

from app.gui.compositing_history import CompositingHistory
from app.gui.compositing_panel import CompositingPanel
from app.gui.placement_drag import PlacementDrag
from app.gui.placement_panel import PlacementPanel
from app.gui.window_api import MainWindowApi
from app.model.edit_target import (
    PAINTABLE_LAYERS,
    CompositeToMask,
    composite_paint_target,
    current_mask,
    shown_layer,
    shows_composite,
)
from app.model.layers import LayerEvent
from app.model.unsure_view import UNSURE, render_unsure, shown_uncertainty
from app.model.views import (
    COMPARE_VIEWS,
    LAYERS,
    MASK_VIEWS,
    VIEW_MODES,
    ViewOptions,
    render_mask,
    render_mask_region,
    split,
)
from classic.placement import Placement
from classic.resize import resize_to

if TYPE_CHECKING:
    from PySide6.QtWidgets import QListView, QToolBar

    from app.gui.canvas import Canvas
    from app.model.document import Document
    from app.model.layers import LayerStack


class EditorWindow(MainWindowApi, Protocol):
    """What the editor uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def layers(self) -> LayerStack: ...
    @property
    def canvas(self) -> Canvas: ...
    @property
    def layer_view(self) -> QListView: ...

    def addDockWidget(self, area: Qt.DockWidgetArea, dockwidget: QDockWidget, /) -> None: ...
    def addToolBar(self, title: str, /) -> QToolBar: ...
    def addToolBarBreak(self, /) -> None: ...
    def installEventFilter(self, filter_object: QObject, /) -> None: ...
    def isVisible(self, /) -> bool: ...


DIVIDER_GRAB_PX = 8.0  # How near the split view's divider, on screen, a press grabs it in Move mode.


class Editor(QObject):
    """Owns the view-mode controls, the two docks and the canvas drag; the one writer of the canvas.

    Every layer change reaches the canvas through ``_on_layer_event``: a replaced image re-renders the
    view, a change in place redraws only its region, drawn as the view draws it (an overlay stays an
    overlay under undo, redo and a live stroke)."""

    def __init__(self, window: EditorWindow) -> None:
        super().__init__(window.window())
        self._window = window
        self.options = ViewOptions()
        self.preview: np.ndarray | None = None
        self._shown_image: np.ndarray | None = None  # What ``render`` last gave the canvas.
        self._render_pending = False  # Due at the end of the document's change under way.
        self._photos: dict[str, np.ndarray] = {}  # The photos the placement was made for.
        self._splitting = False  # A drag of the split view's divider is under way.
        self.compositing_panel = CompositingPanel(window.document)
        self.placement_panel = PlacementPanel()
        self.view_combo = QComboBox()
        self.view_combo.addItems(list(VIEW_MODES))
        self.view_combo.setToolTip("What the canvas shows: the layers, a view of the mask, or the composite")
        self.split_field = QDoubleSpinBox()
        self.split_field.setRange(0.0, 100.0)
        self.split_field.setValue(50.0)
        self.split_field.setSuffix(" %")
        self.split_field.setToolTip("Split view: the background left of this position, the composite right")
        self.opacity_field = QDoubleSpinBox()
        self.opacity_field.setRange(0.0, 1.0)
        self.opacity_field.setSingleStep(0.1)
        self.opacity_field.setValue(self.options.overlay_opacity)
        self.opacity_field.setToolTip("Overlay view: opacity of the mask colour")
        self.overlay_colour = QAction("Overlay &Colour…", window.window())
        self.overlay_colour.triggered.connect(lambda _checked=False: self.ask_overlay_colour())
        self.outline_colour = QAction("Outline Co&lour…", window.window())
        self.outline_colour.triggered.connect(lambda _checked=False: self.ask_outline_colour())
        self.before_after = QAction("&Before / After", window.window())
        self.before_after.setShortcut("Y")
        self.before_after.triggered.connect(lambda _checked=False: self.toggle_before_after())
        self.move_mode = QAction("&Move Subject", window.window())
        self.move_mode.setCheckable(True)
        self.move_mode.setShortcut("M")
        self.move_mode.setToolTip(
            "Drag the subject to move it, a corner handle to scale it (Alt: about its centre) and the round "
            "handle to rotate it (Shift: 15° steps)"
        )
        self.move_mode.toggled.connect(self._on_move_mode)
        self.fit_subject = QAction("&Fit Subject to Background", window.window())
        self.fit_subject.setToolTip(
            "Place the subject afresh: scaled down to fit the background and centred, or on the background's "
            "edge where its photo's frame cuts it"
        )
        self.fit_subject.triggered.connect(lambda _checked=False: self.fit_placement())
        self.drag = PlacementDrag(
            window.canvas, self.current_placement, self.apply_placement, self._ratio, self._subject_size
        )
        self._lay_out()
        # The view combo box and the layer panel's selection are views of the document's view state.
        self.view_combo.currentTextChanged.connect(window.document.set_view_mode)
        window.document.connect_view(self._on_view_changed)
        self.split_field.valueChanged.connect(lambda _value: self._options_changed())
        self.opacity_field.valueChanged.connect(lambda _value: self._options_changed())
        # Each user action on the settings and the placement becomes one undo step.
        self.compositing_history = CompositingHistory(
            window.document, lambda: getattr(window, "undo_stack", None), self
        )
        self.placement_panel.placement_changed.connect(self.compositing_panel.set_placement)
        self.placement_panel.placement_changed.connect(lambda _placement: self.drag.refresh())
        self.compositing_panel.settings_changed.connect(lambda _settings: self._show_after())
        self.compositing_panel.preview_ready.connect(self._on_preview)
        # The placement panel shows the document's placement, whoever changed it.
        window.document.connect_compositing(lambda _settings, _edit: self._show_placement())
        window.layers.connect(self._on_layer_event)
        window.document.connect_change_end(self._render_if_pending)
        window.layer_view.selectionModel().currentChanged.connect(self._on_layer_selected)
        window.installEventFilter(self)
        window.canvas.viewport().installEventFilter(self)  # Split view: drag to move the split line.
        window.canvas.set_overlay(self._draw_divider, key="split divider")
        # While a preview is remade, the one shown is marked out of date.
        self.stale = False
        self.compositing_panel.preview_requested.connect(lambda: self._set_stale(True))
        self.compositing_panel.runner.failed.connect(lambda _message: self._set_stale(False))
        self.compositing_panel.runner.cancelled.connect(lambda: self._set_stale(False))
        window.canvas.set_overlay(self._draw_stale, key="stale preview")

    def _lay_out(self) -> None:
        window = self._window
        for title, widget in (("Compositing", self.compositing_panel), ("Placement", self.placement_panel)):
            dock = QDockWidget(title, window.window())
            dock.setObjectName(title.lower())
            dock.setWidget(widget)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.addToolBarBreak()  # A row of its own: the main toolbar is full.
        toolbar = window.addToolBar("View")
        toolbar.setObjectName("view toolbar")
        toolbar.addWidget(QLabel(" View: "))
        toolbar.addWidget(self.view_combo)
        toolbar.addWidget(QLabel(" Split: "))
        toolbar.addWidget(self.split_field)
        toolbar.addWidget(QLabel(" Opacity: "))
        toolbar.addWidget(self.opacity_field)
        toolbar.addActions([self.overlay_colour, self.outline_colour, self.before_after, self.move_mode])
        view_menu = window.menuBar().addMenu("&Editor")
        view_menu.addActions([self.before_after, self.move_mode, self.fit_subject])
        view_menu.addActions([self.overlay_colour, self.outline_colour])

    @property
    def mode(self) -> str:
        return self._window.document.view_mode

    def set_mode(self, mode: str) -> None:
        self._window.document.set_view_mode(mode)

    def _on_layer_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        layers = self._window.layers
        row = current.row()
        self._window.document.set_active_layer(layers.layer_at(row).name if 0 <= row < len(layers) else None)

    def _on_view_changed(self) -> None:
        document, view = self._window.document, self._window.layer_view
        if self.view_combo.currentText() != document.view_mode:
            self.view_combo.blockSignals(True)
            self.view_combo.setCurrentText(document.view_mode)
            self.view_combo.blockSignals(False)
        active = document.active_layer
        if active is not None and self._selected_row() != self._window.layers.row_of(active):
            view.setCurrentIndex(view.model().index(self._window.layers.row_of(active), 0))
        self.render()

    def _selected_row(self) -> int:
        index = self._window.layer_view.currentIndex()
        return index.row() if index.isValid() else -1

    def toggle_before_after(self) -> None:
        self.set_mode("before" if self.mode == "after" else "after")

    def ask_overlay_colour(self) -> None:
        colour = self._ask_colour(self.options.overlay_colour, "Overlay Colour")
        if colour is not None:
            self.set_overlay_colour(colour)

    def ask_outline_colour(self) -> None:
        colour = self._ask_colour(self.options.outline_colour, "Outline Colour")
        if colour is not None:
            self.set_outline_colour(colour)

    def _ask_colour(
        self, current: tuple[float, float, float], title: str
    ) -> tuple[float, float, float] | None:
        red, green, blue = (round(255 * c) for c in current)
        colour = QColorDialog.getColor(QColor(red, green, blue), self._window.window(), title)
        return (colour.redF(), colour.greenF(), colour.blueF()) if colour.isValid() else None

    def set_overlay_colour(self, colour: tuple[float, float, float]) -> None:
        self.options = replace(self.options, overlay_colour=colour)
        self.render()

    def set_outline_colour(self, colour: tuple[float, float, float]) -> None:
        """The colour of the outline view's boundary line (the overlay view has its own)."""
        self.options = replace(self.options, outline_colour=colour)
        self.render()

    def current_placement(self) -> Placement | None:
        """The placement in use: the document's, or the one fitted to the open photos."""
        return self._window.document.current_placement()

    def apply_placement(self, placement: Placement) -> None:
        self.placement_panel.set_placement(placement)

    def fit_placement(self) -> bool:
        """Fit the subject to the background (``default_placement``), one undo step; False without photos."""
        fitted = self._window.document.fitted_placement()
        if fitted is None:
            return False
        self.apply_placement(fitted)
        return True

    def _photo_replaced(self, event: LayerEvent) -> bool:
        """Whether ``event`` brought a new foreground or background photo (not a visibility change)."""
        if event.name not in ("foreground", "background") or event.region is not None:
            return False
        image = self._window.layers.get(event.name)
        if image is None:
            self._photos.pop(event.name, None)
            return False
        if self._photos.get(event.name) is image:
            return False
        self._photos[event.name] = image
        return True

    def _fresh_placement(self) -> None:
        # A placement is made for one pair of photos: a new photo starts fitted, never at the old offsets
        # and scale (a 6000 px photo placed at a 1600 px one's scale can leave the frame entirely).
        self._window.document.set_compositing(
            replace(self._window.document.compositing, placement=None), edit=False
        )
        self._show_placement()
        self.drag.refresh()

    def _show_placement(self) -> None:
        """The placement panel shows the document's placement (the fitted one when it has none)."""
        current = self.current_placement()
        if current is not None and current != self.placement_panel.placement():
            self.placement_panel.set_placement(current, notify=False)
            self.drag.refresh()

    def after_image(self) -> np.ndarray | None:
        return self.preview if self.preview is not None else self._window.layers.get("composite")

    def _render_if_pending(self) -> None:
        if self._render_pending:
            self.render()

    def rendered(self) -> np.ndarray | None:
        """The image the current view mode shows, or None to show the topmost visible layer."""
        layers, mode = self._window.layers, self.mode
        if mode in MASK_VIEWS:
            photo, mask = layers.get("foreground"), self._mask()
            if photo is None or mask is None:
                return None
            return render_mask(mode, photo, mask, self.options)
        if mode == UNSURE:
            return self._unsure()
        if mode in COMPARE_VIEWS:
            before, after = layers.get("background"), self.after_image()
            if mode == "before" or after is None:
                return before
            if mode == "after" or before is None:
                return after
            before = resize_to(before, (after.shape[1], after.shape[0]))
            return split(before, after, self.options.split)
        return None

    def _unsure(self) -> np.ndarray | None:
        """The cut-out's uncertainty map over the photo (see ``app.model.unsure_view``)."""
        layers, cutout = self._window.layers, self._window.document.cutout
        photo = layers.get("foreground")
        if photo is None:
            return None
        mattes = (layers.get(name) for name in ("segmentation mask", "trimap", "alpha"))
        uncertainty = shown_uncertainty(None if cutout is None else cutout.uncertainty, photo, *mattes)
        return None if uncertainty is None else render_unsure(photo, uncertainty)

    def render(self) -> None:
        self._render_pending = False
        image = self.rendered()
        if image is None:
            top = self._window.layers.top_visible()
            image = None if top is None else top.image
        self._shown_image = image
        self._window.canvas.set_image(image)
        painter = getattr(self._window, "painter", None)
        if painter is not None:  # Not yet while the window is built.
            painter.refresh()

    def selected_layer(self) -> str | None:
        """The document's active layer (selected in the layer panel), or None."""
        return self._window.document.active_layer

    def mask_name(self) -> str | None:
        """The mask the mask views show (see ``edit_target.current_mask``)."""
        return current_mask(self._window.layers.names(), self.selected_layer())

    def shown_layer(self) -> str | None:
        """The layer whose pixels the canvas shows, in this view mode: what a brush paints."""
        layers = self._window.layers
        top = layers.top_visible()
        return shown_layer(
            self.mode, layers.names(), None if top is None else top.name, self.selected_layer()
        )

    def composite_target(self) -> tuple[str, CompositeToMask] | None:
        """Where the canvas shows the composite: the mask a brush paints there (the current mask) and how
        the canvas maps onto it through the placement; None elsewhere."""
        layers = self._window.layers
        top = layers.top_visible()
        if not shows_composite(self.mode, None if top is None else top.name):
            return None
        if self.mode != LAYERS and self.after_image() is None:
            return None  # Nothing composed yet: the canvas shows a layer, not the composite.
        name = composite_paint_target(layers.names(), self.selected_layer())
        photo, placement = layers.get("foreground"), self.current_placement()
        if name is None or photo is None or placement is None or not self._window.canvas.has_image:
            return None
        return name, CompositeToMask(placement, (photo.shape[0], photo.shape[1]), self._ratio())

    def reveal_mask(self) -> str | None:
        """Show the mask a brush would paint (the overlay view of the current mask); what to tell the user."""
        names = self._window.layers.names()
        target = current_mask([name for name in names if name in PAINTABLE_LAYERS], self.selected_layer())
        if target is None:
            return "Nothing for the brush to paint yet: cut the subject out first"
        if self.mask_name() != target:  # The trimap is selected: it is painted by the refine-edge brush.
            self._window.document.set_active_layer(target)
        if self.mode not in MASK_VIEWS:
            self.set_mode("overlay")
        return f"The brush paints the {target}, shown in the overlay view (View: after shows the composite)"

    def redraw_region(self, name: str, region: tuple[slice, slice]) -> None:
        """Redraw ``region`` (rows, cols) of the canvas after layer ``name`` changed there in place."""
        layers, canvas, mode = self._window.layers, self._window.canvas, self.mode
        if mode == LAYERS:
            top = layers.top_visible()
            if top is not None and top.name == name:
                canvas.update_region(top.image, region)
        elif mode in MASK_VIEWS and name in ("foreground", self.mask_name()):
            photo, mask = layers.get("foreground"), layers.get(self.mask_name() or "")
            if photo is None or mask is None or photo.shape[:2] != mask.shape:
                return
            if canvas.image_size != (mask.shape[1], mask.shape[0]):
                return
            canvas.paint_patch(region, render_mask_region(mode, photo, mask, region, self.options))
        elif mode in COMPARE_VIEWS:
            self.render()
            if name in PAINTABLE_LAYERS:  # Painted on the composite: a preview shows it within a moment.
                self.compositing_panel.request_preview()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # In Move mode only a press on the split view's divider moves it; elsewhere a drag moves the subject.
        splits = isinstance(event, QMouseEvent) and self.mode == "split"
        if splits and (not self.drag.enabled or self._splitting or self._near_divider(event)):  # type: ignore[arg-type]
            return self._drag_split(event)  # type: ignore[arg-type]
        if watched is self._window and event.type() == QEvent.Type.Close:
            # The window may refuse to close (unsaved changes): stop the preview thread only once it has.
            QTimer.singleShot(0, self, self._shut_down_if_closed)
        return False

    def _divider_x(self) -> float | None:
        """Where the split view's divider is, in viewport pixels (None when nothing is shown)."""
        canvas = self._window.canvas
        width = canvas.image_size[0]
        if not width:
            return None
        return canvas.scene_to_viewport(round(self.options.split * width), 0.0)[0]

    def _near_divider(self, event: QMouseEvent) -> bool:
        x = self._divider_x()
        pressed = event.type() == QEvent.Type.MouseButtonPress
        return pressed and x is not None and abs(event.position().x() - x) <= DIVIDER_GRAB_PX

    def _set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._window.canvas.viewport().update()

    def _draw_stale(self, painter: QPainter) -> None:
        if not self.stale or self.mode not in COMPARE_VIEWS or self.mode == "before":
            return
        text = "Updating the preview…"
        box = painter.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4).translated(12, 24)
        painter.fillRect(box, QColor(0, 0, 0, 170))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_divider(self, painter: QPainter) -> None:
        x, canvas = self._divider_x(), self._window.canvas
        if self.mode != "split" or x is None:
            return
        top = canvas.scene_to_viewport(0.0, 0.0)[1]
        bottom = canvas.scene_to_viewport(0.0, float(canvas.image_size[1]))[1]
        for colour, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255), 1.0)):
            painter.setPen(QPen(colour, width))
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))

    def _drag_split(self, event: QMouseEvent) -> bool:
        pressed = event.buttons() & Qt.MouseButton.LeftButton
        if event.type() == QEvent.Type.MouseButtonPress and pressed:
            self._splitting = True
        if event.type() not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove) or not pressed:
            if event.type() == QEvent.Type.MouseButtonRelease and self._splitting:
                self._splitting = False
                return True
            return False
        width = self._window.canvas.image_size[0]
        if width:
            column = self._window.canvas.mapToScene(event.position().toPoint()).x()
            self.split_field.setValue(100.0 * min(1.0, max(0.0, column / width)))
        return True

    def _shut_down_if_closed(self) -> None:
        if not self._window.isVisible():
            self.compositing_panel.shutdown()

    def _mask(self) -> np.ndarray | None:
        name = self.mask_name()
        return None if name is None else self._window.layers.get(name)

    def _options_changed(self) -> None:
        self.options = ViewOptions(
            self.options.overlay_colour,
            self.opacity_field.value(),
            self.options.outline_colour,
            self.split_field.value() / 100.0,
        )
        self.render()

    def _ratio(self) -> float:
        background = self._window.layers.get("background")
        width = self._window.canvas.image_size[0]
        return 1.0 if background is None or width == 0 else background.shape[1] / width

    def _subject_size(self) -> tuple[int, int] | None:
        """The foreground's (width, height) while the canvas shows the background's frame, for the handles."""
        photo = self._window.layers.get("foreground")
        if photo is None or self.mode not in COMPARE_VIEWS or not self._window.canvas.has_image:
            return None
        return photo.shape[1], photo.shape[0]

    def _on_move_mode(self, on: bool) -> None:
        self.drag.enabled = on
        if on:
            self._show_after()

    def _show_after(self) -> None:
        if self.mode in (LAYERS, UNSURE) or self.mode in MASK_VIEWS:
            self.set_mode("after")

    def _on_preview(self, image: object) -> None:
        self._set_stale(self.compositing_panel.runner.is_busy)  # Up to date unless a newer one is coming.
        if isinstance(image, np.ndarray):
            self.preview = image
            self.render()

    def _on_layer_event(self, event: LayerEvent) -> None:
        if event.kind in ("inserting", "removing"):
            return
        if self._photo_replaced(event):
            self._fresh_placement()
        if event.name in ("foreground", "background", "alpha", "composite"):
            self.preview = None
            if event.name == "alpha" and event.kind != "removed":
                self._show_placement()
        if event.region is not None:  # Changed in place: only that region, unless already drawn.
            if not event.drawn:
                self.redraw_region(event.name, event.region)
            return
        if self.mode == LAYERS:
            top = self._window.layers.top_visible()
            if top is not None and top.image is self._shown_image:
                return  # Another layer changed (or a hidden one): the canvas shows what it showed.
        elif (
            (self.mode in MASK_VIEWS or self.mode == UNSURE)
            and event.kind == "changed"
            and event.name not in ("foreground", self.mask_name())
        ):
            return  # Not drawn in this view (a remade composite): a 24 MP overlay took 0.8-3.5 s.
        if self._window.document.changing:  # Drawn once at the end: a new cut-out drew 6 times (0.25 s).
            self._render_pending = True
            return
        self.render()
