"""Where the fine-tune dialog's training images come from: a folder of photos with masks or alphas, or
the corrected masks of the open session and of saved sessions (projects)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.gui.project_controller import PROJECT_FILTER
from app.project.session import ProjectState
from app.training.fine_tune import SessionSource
from app.training.fine_tune_data import find_pairs
from classic.checks import InvalidInputError


class SourcePicker(QWidget):
    """A folder (``image/`` + ``mask/`` or ``alpha/``) or sessions; ``current`` snapshots the open one."""

    def __init__(
        self, current: Callable[[], ProjectState | None] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._current = current or (lambda: None)
        self.folder_choice = QRadioButton("A folder of my images with masks or alphas")
        self.folder_choice.setToolTip(
            "The folder holds image/NAME.jpg|png and mask/NAME.png or alpha/NAME.png"
        )
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Folder with image/ and mask/ (or alpha/)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.ask_folder)
        self.sessions_choice = QRadioButton("The corrected masks of my sessions")
        self.current_session = QCheckBox("The open session")
        self.current_session.setChecked(True)
        self.projects = QListWidget()
        self.projects.setMaximumHeight(80)
        add, remove = QPushButton("Add Saved Sessions…"), QPushButton("Remove")
        add.clicked.connect(self.ask_projects)
        remove.clicked.connect(self.remove_selected)
        self.folder_choice.setChecked(True)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.folder_choice, 0, 0, 1, 2)
        layout.addWidget(self.folder_edit, 1, 0)
        layout.addWidget(browse, 1, 1)
        layout.addWidget(self.sessions_choice, 2, 0, 1, 2)
        layout.addWidget(self.current_session, 3, 0, 1, 2)
        layout.addWidget(self.projects, 4, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        layout.addLayout(buttons, 5, 0)

    def set_folder(self, folder: Path) -> None:
        self.folder_choice.setChecked(True)
        self.folder_edit.setText(str(folder))

    def add_projects(self, paths: Sequence[Path]) -> None:
        self.sessions_choice.setChecked(True)
        known = {self.projects.item(row).text() for row in range(self.projects.count())}
        self.projects.addItems([str(path) for path in paths if str(path) not in known])

    def remove_selected(self) -> None:
        for item in self.projects.selectedItems():
            self.projects.takeItem(self.projects.row(item))

    def ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of Images with Masks", self.folder_edit.text()
        )
        if folder:
            self.set_folder(Path(folder))

    def ask_projects(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add Saved Sessions", "", PROJECT_FILTER)
        self.add_projects([Path(path) for path in paths])

    def resolve(self) -> tuple[Path | None, SessionSource | None, str]:
        """(folder, None, description) or (None, sessions, description); ``InvalidInputError`` if unusable.

        A folder is checked here (a quick listing); sessions are read by the job itself.
        """
        if self.folder_choice.isChecked():
            text = self.folder_edit.text().strip()
            if not text:
                raise InvalidInputError("choose a folder of images with masks or alphas first")
            pairs = find_pairs(Path(text).expanduser())
            return Path(text).expanduser(), None, f"{len(pairs)} images from {Path(text).name}"
        current = self._current() if self.current_session.isChecked() else None
        projects = tuple(Path(self.projects.item(row).text()) for row in range(self.projects.count()))
        if current is None and not projects:
            raise InvalidInputError("open a session with a corrected mask, or add saved sessions")
        count = len(projects) + (current is not None)
        return None, SessionSource(current, projects), f"{count} sessions"
