"""``main.py --screenshot OUT FG BG``: open the window, cut out and composite, save a picture of it.

Runs the same jobs as a user would (open both photos, then Composite, which cuts out first) and saves
``window.grab()`` once the composite is shown. Used for the README's screenshot and as a smoke test of
the whole window.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui.gui import create_window
from app.gui.main_window import APP_NAME, MainWindow

JPEG_QUALITY = 85
SETTLE_MS = 300  # Lets the docks and the canvas lay out and paint before the grab.


def take_screenshot(foreground: str, background: str, output: str, *, timeout_s: float = 600.0) -> int:
    """Save a screenshot of the window after compositing ``foreground`` onto ``background``.

    Returns 0 when ``output`` was written, 1 when a job failed, timed out or the file cannot be saved.
    """
    application = QApplication.instance() or QApplication(sys.argv[:1])
    application.setApplicationName(APP_NAME)
    window = create_window(foreground, background)
    window.show()
    loop = QEventLoop()
    outcome: list[int] = []

    def finish(status: int, message: str = "") -> None:
        if not outcome:
            outcome.append(status)
            if message:
                print(f"error: {message}", file=sys.stderr)
            loop.quit()

    def on_finished(_result: object) -> None:
        if window.document.has("composite"):
            QTimer.singleShot(SETTLE_MS, lambda: finish(0 if _save(window, output) else 1, ""))
        elif window.jobs.is_busy:
            return  # a job the finished one started (a cut-out's own colours): composite after it
        elif not window.run_composite():
            finish(1, "could not start compositing")

    window.jobs.finished.connect(on_finished)
    window.jobs.failed.connect(lambda message: finish(1, message))
    window.jobs.cancelled.connect(lambda: finish(1, "cancelled"))
    QTimer.singleShot(round(timeout_s * 1000), lambda: finish(1, "timed out"))
    loop.exec()
    # The screenshot's document is throw-away: close without asking to save it.
    window.project.ask_close = lambda _parent: QMessageBox.StandardButton.Discard
    window.close()
    return outcome[0] if outcome else 1


def _save(window: MainWindow, output: str) -> bool:
    jpeg = Path(output).suffix.lower() in (".jpg", ".jpeg")
    saved = window.grab().save(output, None, JPEG_QUALITY if jpeg else -1)
    if not saved:
        print(f"error: cannot write the screenshot to {output}", file=sys.stderr)
    return bool(saved)
