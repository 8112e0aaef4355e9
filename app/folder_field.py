"""A line edit for a folder path with a Browse… button beside it, as the Tools dialogs use."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


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
