"""Start the desktop application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.gui.main_window import APP_NAME, MainWindow


def create_window(
    foreground: str | None = None, background: str | None = None, *, samples: bool = False
) -> MainWindow:
    """A main window with the given photos opening (a job) or the built-in samples loaded.

    A photo path wins over the sample for the role it fills. Needs a running ``QApplication``.
    """
    window = MainWindow()
    if samples:
        from app.model.samples import sample_background, sample_foreground

        if foreground is None:
            window.document.set_foreground(sample_foreground(), name="astronaut (sample)")
        if background is None:
            window.document.set_background(sample_background(), name="Hubble Deep Field (sample)")
        window.project.modified = False  # The samples as shipped: nothing to save or ask about.
    paths = {role: path for role, path in (("foreground", foreground), ("background", background)) if path}
    if paths:
        window.open_photos(paths)
    return window


def run_gui(foreground: str | None = None, background: str | None = None, *, samples: bool = False) -> int:
    """Open the main window with the given photos (or the samples) and run until it closes.

    Returns the application's exit code, for ``sys.exit``.
    """
    application = QApplication.instance() or QApplication(sys.argv[:1])
    application.setApplicationName(APP_NAME)
    window = create_window(foreground, background, samples=samples)
    window.show()
    window.project.offer_recovery()  # A recovery file left at start means the last session crashed.
    return QApplication.exec()
