"""What the window's controllers ask of the main window, as protocols, so none of them imports
``MainWindow`` (the window imports them: no import cycle, not even for type checking).

``MainWindowApi`` is the part of ``QMainWindow`` they call; each controller's module extends it with the
parts of the window it uses (the document, the canvas, the job panel…), so what a controller depends on
is written where it is used. ``window()`` (``QWidget.window``, the main window itself) is the parent of
the objects a controller makes.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenuBar, QStatusBar, QWidget


class MainWindowApi(Protocol):
    def window(self, /) -> QWidget: ...

    def menuBar(self, /) -> QMenuBar: ...

    def statusBar(self, /) -> QStatusBar: ...

    def addAction(self, action: QAction, /) -> None: ...
