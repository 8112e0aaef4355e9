"""The main window's Tools menu: fine-tune a network on the user's images, build a training set, evaluate a
model. Each entry opens a dialog that runs its work on its own job thread; the window stays usable.

``ToolsMenu(window)`` adds the menu after the window's other menus. The dialogs are imported when first
opened, so starting the program does not load the training and evaluation code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

from app.gui.window_api import MainWindowApi
from app.project.session import ProjectState, snapshot
from engine.model_store import ModelStore

if TYPE_CHECKING:
    from app.model.document import Document
    from engine.pipeline import Pipeline


class ToolsWindow(MainWindowApi, Protocol):
    """What the Tools menu uses of the main window."""

    @property
    def document(self) -> Document: ...
    @property
    def pipeline(self) -> Pipeline: ...


class ToolsMenu:
    """The "&Tools" menu and its three actions; ``dialogs`` holds the ones open, by entry."""

    def __init__(self, window: ToolsWindow, *, store: ModelStore | None = None) -> None:
        self._window = window
        self.store = store
        self.dialogs: dict[str, QDialog] = {}
        self.menu = window.menuBar().addMenu("&Tools")
        self.fine_tune = self._action("&Fine-tune on My Images…", self.show_fine_tune)
        self.fine_tune.setToolTip("Train a network further on your own photos and corrected masks")
        self.build_training_set = self._action("&Build Training Set…", self.show_build_training_set)
        self.build_training_set.setToolTip("Gather foregrounds and backgrounds into a training-data folder")
        self.evaluate = self._action("&Evaluate Model…", self.show_evaluate)
        self.evaluate.setToolTip("Score a model version and the classic methods on a benchmark folder")

    def _action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self._window.window())
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    def current_session(self) -> ProjectState | None:
        """A snapshot of the open document when it has a foreground photo (the fine-tune's own data)."""
        document = self._window.document
        return snapshot(document) if document.has("foreground") else None

    def show_fine_tune(self) -> QDialog:
        from app.gui.fine_tune_dialog import FineTuneDialog

        device = self._window.pipeline.options.device
        return self._show(
            "fine-tune",
            lambda: FineTuneDialog(
                self._window.window(), store=self._store(), current=self.current_session, device=device
            ),
        )

    def show_build_training_set(self) -> QDialog:
        from app.gui.training_set_dialog import TrainingSetDialog

        return self._show("build-training-set", lambda: TrainingSetDialog(self._window.window()))

    def show_evaluate(self) -> QDialog:
        from app.gui.evaluate_dialog import EvaluateDialog

        return self._show("evaluate", lambda: EvaluateDialog(self._window.window(), store=self._store()))

    def _store(self) -> ModelStore:
        return self.store if self.store is not None else ModelStore()

    def _show(self, name: str, make: Callable[[], QDialog]) -> QDialog:
        """Raise the open dialog of ``name``, or open a new one (deleted when closed)."""
        dialog = self.dialogs.get(name)
        if dialog is None:
            dialog = make()
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.finished.connect(lambda _code: self.dialogs.pop(name, None))
            self.dialogs[name] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog
