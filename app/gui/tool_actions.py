"""The editing tools as one action table: id, text, icon, shortcut and what each chooses, declared once
and built into the Edit menu, the tool palette and the shortcuts.

The palette is a vertical toolbar of icons (drawn for this application, ``resources/icons``) on the
window's left; a tool's tooltip names its shortcut. The checked entry follows the tool however it was
chosen (a key, the menu, the palette, a brush revealing its mask).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QToolBar

from app.gui.painting import PaintController
from app.model.brush import BrushMode
from app.model.tools import BrushTool, ToolKind

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


@dataclass(frozen=True)
class ToolAction:
    """One tool: ``kind`` and ``mode`` as ``BrushTool`` holds them (kind "" is the hand: no tool)."""

    id: str
    text: str
    icon: str
    shortcut: str
    tip: str
    kind: ToolKind | None = None
    mode: BrushMode = "add"


TOOL_ACTIONS: tuple[ToolAction, ...] = (
    ToolAction("hand", "&Hand", "hand", "H", "Drag to pan the canvas"),
    ToolAction("brush", "&Brush", "brush", "B", "Add to the mask shown", "mask", "add"),
    ToolAction("eraser", "&Eraser", "eraser", "E", "Subtract from the mask shown", "mask", "subtract"),
    ToolAction("smooth", "S&mooth", "smooth", "Shift+B", "Smooth the mask shown", "mask", "smooth"),
    ToolAction(
        "refine edge", "Re&fine Edge", "refine-edge", "R", "Widen the band where hair is matted",
        "refine edge",
    ),
    ToolAction(
        "grabcut", "&GrabCut Hints", "grabcut", "G", "Foreground / background hints (X swaps)", "grabcut"
    ),
    ToolAction(
        "quick select", "&Quick Select", "quick-select", "W", "Scribbles that make a new mask (X swaps)",
        "quick select",
    ),
    ToolAction("box", "Bo&x", "box", "U", "Cut the subject out from a drawn rectangle", "box"),
    ToolAction(
        "lasso", "&Lasso", "lasso", "L", "Fill an outline into the mask (Shift adds, Alt subtracts)", "lasso"
    ),
)  # fmt: skip


def current_tool(tool: BrushTool) -> str:
    """The id of the table entry that stands for ``tool``'s state (the hand when no tool is active)."""
    for entry in TOOL_ACTIONS:
        if not tool.active and entry.kind is None:
            return entry.id
        if tool.active and entry.kind == tool.kind and (tool.kind != "mask" or entry.mode == tool.mode):
            return entry.id
    return "hand"


class ToolActions(QObject):
    """The table's actions for ``painter``: exclusive, checkable, with icon, shortcut and tooltip."""

    def __init__(self, painter: PaintController, parent: QMainWindow) -> None:
        super().__init__(parent)
        self._painter = painter
        self._group = QActionGroup(self)
        self.actions: dict[str, QAction] = {}
        for entry in TOOL_ACTIONS:
            action = QAction(QIcon(str(ICONS / f"{entry.icon}.svg")), entry.text, parent)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(entry.shortcut))
            action.setToolTip(f"{entry.text.replace('&', '')} ({entry.shortcut}): {entry.tip}")
            action.setStatusTip(entry.tip)
            action.triggered.connect(lambda _checked=False, e=entry: self._choose(e))
            self._group.addAction(action)
            parent.addAction(action)  # The shortcut works wherever the window has the focus.
            self.actions[entry.id] = action
        painter.tool_changed.connect(lambda _text: self.sync())
        self.sync()

    def palette(self, window: QMainWindow) -> QToolBar:
        """The tool palette: the table's icons in a vertical toolbar on ``window``'s left."""
        toolbar = QToolBar("Tools", window)
        toolbar.setObjectName("tool palette")
        toolbar.setOrientation(Qt.Orientation.Vertical)
        toolbar.setIconSize(QSize(24, 24))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        toolbar.addActions(list(self.actions.values()))
        window.addToolBar(Qt.ToolBarArea.LeftToolBarArea, toolbar)
        return toolbar

    def add_to(self, menu_bar: QMenuBar) -> None:
        """The table's entries at the end of ``menu_bar``'s Edit menu, in the table's order."""
        menu = next(
            (m for a in menu_bar.actions() if a.text() == "&Edit" and isinstance(m := a.menu(), QMenu)), None
        )
        if menu is None:
            menu = menu_bar.addMenu("&Edit")
        menu.addSeparator()
        menu.addActions(list(self.actions.values()))

    def sync(self) -> None:
        self.actions[current_tool(self._painter.tool)].setChecked(True)

    def _choose(self, entry: ToolAction) -> None:
        if entry.kind is None:
            self._painter.deactivate()
        elif entry.kind == "mask":
            self._painter.activate(entry.mode)
        else:
            self._painter.activate_kind(entry.kind)
