"""A line edit for a folder path with a Browse… button beside it, as the Tools dialogs use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


def absolute_folder(text: str) -> Path | None:
    """The folder typed in a field (``~`` expanded), or None when it is relative: a dialog has no working
    folder the user could know, so a relative path would land wherever the program was started."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else None


def relative_folder_message(what: str) -> str:
    return f"The {what} must be a full path (for example {Path.home() / 'training-data'}); use Browse…"


def folder_field(edit: QLineEdit, title: str) -> QWidget:
    """A row holding ``edit`` and a Browse… button that asks for a folder (dialog ``title``) into it."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    browse = QPushButton("Browse…")
    browse.clicked.connect(lambda: _browse(row, edit, title))
    layout.addWidget(edit, 1)
    layout.addWidget(browse)
    return row


def _browse(parent: QWidget, edit: QLineEdit, title: str) -> None:
    folder = QFileDialog.getExistingDirectory(parent, title, edit.text())
    if folder:
        edit.setText(folder)
