"""A scripted editing session for the kill test: ``python -m tests.app.kill_session SETTINGS SEED``.

It opens a window with ``kill_document()``, waits for the first autosave to land (before that nothing is
on disk to recover), prints ``ready``, then commits edits of the alpha forever, printing ``committed N``
after each. Autosave runs 50 ms after every pause, so kills land before, during and after autosaves. The
recovery folder comes from ``$COMPOSITOR_RECOVERY_DIR``. The test kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from app.model.document import Document
from classic.pipeline import Cutout

SIZE = (480, 640)


def kill_document() -> Document:
    """The document the session starts from (the same every time)."""
    rng = np.random.default_rng(0)
    document = Document()
    document.set_foreground(rng.random((*SIZE, 3), dtype=np.float32), name="fg.png")
    document.set_background(rng.random((*SIZE, 3), dtype=np.float32), name="bg.png")
    mask = np.zeros(SIZE, np.float32)
    mask[100:380, 150:500] = 1.0
    trimap = np.where(mask > 0, np.float32(1.0), np.float32(0.0))
    document.set_cutout(
        Cutout(mask, trimap, rng.random(SIZE, dtype=np.float32), document.layers.get("foreground"))
    )
    return document


def edit(number: int, seed: int) -> tuple[tuple[slice, slice], np.ndarray]:
    """Edit ``number`` (from 1) of the session with ``seed``: a region of the alpha and its new values."""
    rng = np.random.default_rng([seed, number])
    top, left = int(rng.integers(0, SIZE[0] - 40)), int(rng.integers(0, SIZE[1] - 40))
    height, width = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    values = rng.random((height, width), dtype=np.float32)
    return (slice(top, top + height), slice(left, left + width)), values


def main(settings: str, seed: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    application = QApplication([])
    from app.gui.main_window import MainWindow
    from app.project.session import restore, snapshot

    window = MainWindow()
    window.project.autosave_timer.setInterval(50)
    landed: list[str] = []
    window.project.autosaved.connect(landed.append)
    restore(window.document, snapshot(kill_document()))
    while not landed:
        application.processEvents()
        time.sleep(0.005)
    print("ready", flush=True)
    rng = np.random.default_rng(seed)
    number = 0
    while True:
        number += 1
        region, values = edit(number, seed)
        window.layers.set_region("alpha", region, values)
        print(f"committed {number}", flush=True)
        pause = time.monotonic() + float(rng.uniform(0.0, 0.12))
        while time.monotonic() < pause:
            application.processEvents()
            time.sleep(0.002)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
