"""The brush on the canvas: paints the shown mask layer live and pushes one undo command per stroke.

When the brush is active (B brush, E eraser) and the canvas shows a mask layer (segmentation mask, refined
mask or alpha; see ``app.model.edit_target``), a left drag paints the layer shown; while Space is held,
dragging pans. When the canvas shows no mask (the composite, a photo), choosing the brush or pressing with
it asks ``reveal`` to show the mask it will paint, and says so in the status bar. Dabs change the layer's
array in place and redraw only their dirty rectangle, as the view shows it (``redraw``); the release pushes
a ``StrokeCommand`` named after the action ("Brush", "Erase", "Smooth"), holding the stroke's bounding box.
The maths is in ``app.model.brush``, the tool's state in ``app.model.tools``.

The other brushes (refine edge R, GrabCut hints G, quick select W) paint through a ``StrokeHandler``
registered for their kind, which says what a drag paints on and what its release starts.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent, QTabletEvent, QUndoStack
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMainWindow, QUndoView

from app.gui.canvas import Canvas
from app.gui.commands import StrokeCommand
from app.model.brush import BrushMode, Region, Stroke
from app.model.edit_target import PAINTABLE_LAYERS, CompositeToMask
from app.model.layers import LayerEvent, LayerStack
from app.model.tools import MAX_SIZE, MIN_SIZE, BrushTool, ToolKind

STROKE_NAMES: dict[BrushMode, str] = {"add": "Brush", "subtract": "Erase", "smooth": "Smooth"}
ShownLayer = Callable[[], "str | None"]
Redraw = Callable[[str, "tuple[slice, slice]"], None]
Reveal = Callable[[], "str | None"]
# The mask a brush paints where the canvas shows the composite, and how the canvas maps onto it.
CompositeTarget = Callable[[], "tuple[str, CompositeToMask] | None"]


class StrokeHandler(Protocol):
    """What a brush other than the mask brush paints on, and what its finished stroke starts."""

    def target(self, tool: BrushTool) -> str | None:
        """The name of what a drag would paint on now, or None when this tool cannot paint."""
        ...

    def begin(self, tool: BrushTool) -> Stroke | None:
        """A stroke on the target's array (None: nothing to paint on after all)."""
        ...

    def painted(self, stroke: Stroke, dirty: Region) -> None:
        """Redraw ``dirty`` after a dab."""
        ...

    def finish(self, stroke: Stroke) -> None:
        """The stroke is done: push its undo step, start its job."""
        ...


class PaintController(QObject):
    """Mouse, tablet and Space handling for the brush on ``canvas``; strokes go onto ``undo_stack``."""

    tool_changed = Signal(str)  # The tool's description, for the status bar.
    stroke_finished = Signal(str, object)  # Layer name and the stroke's ``Region``.

    def __init__(
        self,
        canvas: Canvas,
        layers: LayerStack,
        undo_stack: QUndoStack,
        *,
        is_busy: Callable[[], bool] = lambda: False,
        shown_layer: ShownLayer | None = None,
        redraw: Redraw | None = None,
        reveal: Reveal | None = None,
        composite_target: CompositeTarget | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``shown_layer``: the name of the layer the canvas shows (default: the topmost visible);
        ``redraw(name, region)``: draw a region of that layer as the view shows it (default: its pixels);
        ``reveal()``: show a mask to paint on, returning what to tell the user (default: none);
        ``composite_target()``: where the canvas shows the composite, the mask a stroke paints there and
        the mapping of the canvas onto it (default: none, the brush paints shown masks only)."""
        super().__init__(parent)
        self.canvas, self.layers, self.undo_stack = canvas, layers, undo_stack
        self.tool = BrushTool()
        self._is_busy = is_busy
        self._shown_layer = shown_layer or self._top_visible
        self._redraw = redraw or self._redraw_pixels
        self._reveal = reveal
        self._composite_target = composite_target or (lambda: None)
        self._mapping: CompositeToMask | None = None  # The current stroke's, painted on the composite.
        self._handlers: dict[ToolKind, StrokeHandler] = {}
        self._handler: StrokeHandler | None = None  # The one painting the current stroke, if any.
        self._stroke: Stroke | None = None
        self._stroke_layer = ""
        self._space_held = False
        self._pressure: float | None = None
        # The image of each paintable layer the history refers to (weak: a freed array's id is reused).
        self._known: dict[str, weakref.ref[np.ndarray]] = {}
        self._viewport = canvas.viewport()  # Kept: the filter must not call into a canvas being deleted.
        self._viewport.installEventFilter(self)
        canvas.installEventFilter(self)
        layers.connect(self._on_layer_event)

    def set_handler(self, kind: ToolKind, handler: StrokeHandler) -> None:
        """Let ``handler`` paint for the ``kind`` brush (all but the mask brush need one)."""
        self._handlers[kind] = handler
        self._sync_drag_mode()

    def target(self) -> str | None:
        """What a drag would paint on: for the mask brush the shown layer when it is a mask, else None."""
        if self.tool.kind != "mask":
            handler = self._handlers.get(self.tool.kind)
            return None if handler is None else handler.target(self.tool)
        shown = self._shown_layer()
        if shown in PAINTABLE_LAYERS:
            return shown
        on_composite = self._composite_target()
        return None if on_composite is None else on_composite[0]

    def shown_layer(self) -> str | None:
        """The layer whose pixels the canvas shows (None: none, such as the composite)."""
        return self._shown_layer()

    def _top_visible(self) -> str | None:
        top = self.layers.top_visible()
        return None if top is None else top.name

    def redraw(self, name: str, region: tuple[slice, slice]) -> None:
        """Draw ``region`` of layer ``name`` on the canvas as the view shows it (nothing if it does not)."""
        self._redraw(name, region)

    def _redraw_pixels(self, name: str, region: tuple[slice, slice]) -> None:
        image = self.layers.get(name)
        if image is not None:
            self.canvas.update_region(image, region)

    def reveal(self) -> bool:
        """When the mask brush cannot paint what the canvas shows, have it show a mask and say which.

        True when the user was told something (the mask now shown, or why there is none)."""
        if self._reveal is None or self.tool.kind != "mask" or self.target() is not None:
            return False
        message = self._reveal()
        self._sync_drag_mode()
        if message:
            self.tool_changed.emit(message)
        return bool(message)

    def track(self, name: str, image: np.ndarray) -> None:
        """Note that the history refers to ``image`` of layer ``name``: replacing it clears the history."""
        self._known[name] = weakref.ref(image)

    def writable(self, name: str) -> np.ndarray | None:
        """Layer ``name``'s image, made writable (copied) when it is not, and tracked; None when absent."""
        image = self.layers.get(name)
        if image is None:
            return None
        if not image.flags.writeable:
            image = image.copy()
            self.track(name, image)  # Before the replacement's event, which would clear the history.
            self.layers.set_image(name, image)
        self.track(name, image)
        return image

    @property
    def paints_on_drag(self) -> bool:
        return self.tool.active and not self._space_held and self.target() is not None

    def activate(self, mode: BrushMode) -> None:
        self.tool.activate(mode)
        self._tool_changed()
        self.reveal()  # After the tool's own message, so the status bar ends on what it paints.

    def activate_kind(self, kind: ToolKind) -> None:
        self.tool.activate_kind(kind)
        self._tool_changed()

    def set_brush(
        self, *, size: float | None = None, hardness: float | None = None, opacity: float | None = None
    ) -> None:
        """Change the brush's size (px), hardness and opacity (0–1); None keeps a value."""
        tool = self.tool
        tool.size = tool.size if size is None else min(MAX_SIZE, max(MIN_SIZE, float(size)))
        tool.hardness = tool.hardness if hardness is None else min(1.0, max(0.0, float(hardness)))
        tool.opacity = tool.opacity if opacity is None else min(1.0, max(0.0, float(opacity)))
        self._tool_changed()

    def deactivate(self) -> None:
        self.tool.active = False
        self._tool_changed()

    def swap(self) -> None:
        self.tool.swap()
        self._tool_changed()

    def resize_brush(self, grow: bool) -> None:
        if grow:
            self.tool.grow()
        else:
            self.tool.shrink()
        self._tool_changed()

    def create_actions(self, window: QMainWindow) -> list[QAction]:
        """Undo, redo and the brush's shortcuts, added to ``window`` so they work without a menu."""
        undo = self.undo_stack.createUndoAction(window, "&Undo")
        undo.setShortcuts(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(window, "&Redo")
        redo.setShortcuts(QKeySequence.StandardKey.Redo)
        actions = [undo, redo]
        # The tools themselves (B, E, R…) are the action table's (``app.gui.tool_actions``).
        for text, shortcut, slot in (
            ("Swap Add / Subtract (Hints: Foreground / Background)", "X", self.swap),
            ("Smaller Brush", "[", lambda: self.resize_brush(False)),
            ("Larger Brush", "]", lambda: self.resize_brush(True)),
        ):
            action = QAction(text, window)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            actions.append(action)
        window.addActions(actions)
        return actions

    def install(self, window: QMainWindow) -> QDockWidget:
        """Add an Edit menu (before View when there is one) and an "Undo history" dock to ``window``."""
        actions = self.create_actions(window)
        menu_bar = window.menuBar()
        menu = menu_bar.addMenu("&Edit")
        menu.addActions(actions[:2])
        menu.addSeparator()
        menu.addActions(actions[2:])
        view = next((a for a in menu_bar.actions() if a.text() == "&View"), None)
        if view is not None:
            menu_bar.insertMenu(view, menu)
        dock = QDockWidget("Undo history", window)
        dock.setObjectName("undo history")
        dock.setWidget(QUndoView(self.undo_stack))
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            return self._space_key(event)
        if watched is not self._viewport:
            return False
        kind = event.type()
        if kind in (QEvent.Type.TabletPress, QEvent.Type.TabletMove):
            assert isinstance(event, QTabletEvent)
            self._pressure = event.pressure()  # Not accepted: Qt follows with the matching mouse event.
        elif kind == QEvent.Type.TabletRelease:
            self._pressure = None
        elif kind == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            return self._press(event)
        elif kind == QEvent.Type.MouseMove and self._stroke is not None:
            assert isinstance(event, QMouseEvent)
            self._paint_to(event.position())
            return True
        elif kind == QEvent.Type.MouseButtonRelease and self._stroke is not None:
            assert isinstance(event, QMouseEvent)
            if event.button() == Qt.MouseButton.LeftButton:
                self._paint_to(event.position())
                self._finish()
            return True
        return False

    def _space_key(self, event: QKeyEvent) -> bool:
        if event.key() != Qt.Key.Key_Space:
            return False
        if not event.isAutoRepeat():
            self._space_held = event.type() == QEvent.Type.KeyPress
            self._sync_drag_mode()
        return True

    def _press(self, event: QMouseEvent) -> bool:
        name = self.target()
        if event.button() != Qt.MouseButton.LeftButton or not self.tool.active or self._space_held:
            return False
        if name is None:
            # The canvas shows a layer that is no mask (a composite came after the brush was chosen): show
            # one and say so, rather than pan silently under a highlighted brush. The compare views keep
            # their own drag (the split line).
            return self._shown_layer() is not None and self.reveal()
        if self._is_busy():  # A job may be reading the masks on the worker thread.
            self.tool_changed.emit("Wait for the running job to finish before painting")
            return True
        self._handler = self._handlers.get(self.tool.kind) if self.tool.kind != "mask" else None
        self._mapping = None
        if self._handler is not None:
            stroke = self._handler.begin(self.tool)
        else:
            mask = self.writable(name)
            assert mask is not None
            brush = self.tool.brush()
            on_composite = self._composite_target() if self._shown_layer() != name else None
            if on_composite is not None:  # Painted through the placement, as large as it looks.
                self._mapping = on_composite[1]
                brush = replace(brush, size=min(MAX_SIZE, brush.size * self._mapping.scale))
            stroke = Stroke(mask, brush)
        if stroke is None:
            return True
        self._stroke, self._stroke_layer = stroke, name
        self._paint_to(event.position())
        return True

    def _paint_to(self, position: QPointF) -> None:
        assert self._stroke is not None
        to_scene, _invertible = self.canvas.viewportTransform().inverted()
        scene = to_scene.map(position)  # Sub-pixel exact, unlike mapToScene's whole viewport pixels.
        # Scene point (c + 0.5, r + 0.5) is the centre of pixel (r, c).
        x, y = scene.x() - 0.5, scene.y() - 0.5
        if self._mapping is not None:
            x, y = self._mapping.point(x, y)
        dirty = self._stroke.move_to(x, y, self._pressure)
        if dirty.empty or self._mapping is not None:  # On the composite: it is remade on release.
            return
        if self._handler is not None:
            self._handler.painted(self._stroke, dirty)
        else:
            self._redraw(self._stroke_layer, dirty.window)

    def _finish(self) -> None:
        assert self._stroke is not None
        stroke, name = self._stroke, self._stroke_layer
        self._stroke = None
        if stroke.region.empty:
            return
        if self._handler is not None:
            self._handler.finish(stroke)
            return
        bbox = stroke.region
        command = StrokeCommand.of_stroke(self.layers, name, stroke, text=STROKE_NAMES[stroke.brush.mode])
        self.track(name, stroke.mask)
        self.undo_stack.push(command)
        # The dabs painted the layer's own image and drew themselves on the canvas: tell the layer panel
        # and the window without copying the box back or redrawing it (0.05-0.6 s for a 24 MP box). A
        # stroke on the composite drew nothing: the composite and its preview are remade from the mask.
        self.layers.changed_in_place(name, bbox.window, drawn=self._mapping is None)
        self._mapping = None
        self.stroke_finished.emit(name, bbox)

    def _on_layer_event(self, event: LayerEvent) -> None:
        if event.kind in ("inserting", "removing"):
            return
        if event.name in PAINTABLE_LAYERS | self._known.keys() and event.region is None:
            image = self.layers.get(event.name)
            known = self._known.get(event.name)
            if known is not None and known() is not image:
                # The history refers to an image that has been replaced (a new cut-out): drop it.
                self._known.clear()
                self.undo_stack.clear()
                if self._stroke is not None and self._stroke_layer == event.name:
                    self._stroke = None
        self._sync_drag_mode()

    def _tool_changed(self) -> None:
        self._sync_drag_mode()
        if not self.tool.active:
            self.tool_changed.emit("Hand: drag to pan")
            return
        text = self.tool.describe()
        on_composite = self._composite_target() if self.tool.kind == "mask" else None
        if on_composite is not None and self._shown_layer() not in PAINTABLE_LAYERS:
            text += f" on the composite: paints the {on_composite[0]}, the composite follows on release"
        self.tool_changed.emit(text)

    def refresh(self) -> None:
        """The canvas shows something else now (another view): brush cursor or hand, as fits it."""
        self._sync_drag_mode()

    def _sync_drag_mode(self) -> None:
        mode = QGraphicsView.DragMode.NoDrag if self.paints_on_drag else QGraphicsView.DragMode.ScrollHandDrag
        if self.canvas.dragMode() != mode:
            self.canvas.setDragMode(mode)  # Sets or unsets the hand cursor on the viewport.
            if mode == QGraphicsView.DragMode.NoDrag:
                self._viewport.setCursor(Qt.CursorShape.CrossCursor)
