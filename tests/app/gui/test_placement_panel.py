from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from app.gui.canvas import Canvas
from app.gui.compositing_panel import CompositingPanel
from app.gui.placement_drag import PlacementDrag, dragged_placement, gesture_for
from app.gui.placement_panel import PlacementPanel
from app.model.document import Document
from classic.placement import Placement

if TYPE_CHECKING:
    from tests.app.conftest import SyntheticPhotos


def test_fields_and_placement_are_bound_both_ways(qtbot: QtBot) -> None:
    panel = PlacementPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.placement_changed) as edited:
        panel.x_field.setValue(12.0)
    assert edited.args[0] == Placement(x=12.0)
    with qtbot.assertNotEmitted(panel.placement_changed):
        panel.set_placement(Placement(x=3.0, y=4.0, scale=0.5, rotation=10.0, flip=True), notify=False)
    assert panel.placement() == Placement(x=3.0, y=4.0, scale=0.5, rotation=10.0, flip=True)
    assert panel.flip_field.isChecked() and panel.scale_field.value() == 0.5


def test_drag_gestures() -> None:
    start = Placement(x=10.0, y=20.0, scale=1.0, rotation=0.0)
    assert dragged_placement(start, 5.0, -3.0, gesture="move") == Placement(x=15.0, y=17.0)
    assert dragged_placement(start, 0.0, -200.0, gesture="scale").scale == 2.0
    assert dragged_placement(start, 10.0, 0.0, gesture="rotate").rotation == -5.0
    assert gesture_for(Qt.KeyboardModifier.ShiftModifier) == "scale"
    assert gesture_for(Qt.KeyboardModifier.AltModifier) == "rotate"
    assert gesture_for(Qt.KeyboardModifier.NoModifier) == "move"


def test_numeric_fields_move_the_subject(qtbot: QtBot, photos: SyntheticPhotos) -> None:
    document = Document()
    photos.open_in(document)
    composer, fields = CompositingPanel(document), PlacementPanel()
    qtbot.addWidget(composer)
    qtbot.addWidget(fields)
    fields.placement_changed.connect(composer.set_placement)
    try:
        with qtbot.waitSignal(composer.preview_ready, timeout=10_000) as left:
            fields.set_placement(Placement(x=0.0, y=0.0))
        with qtbot.waitSignal(composer.preview_ready, timeout=10_000) as right:
            fields.x_field.setValue(20.0)
        columns = [np.nonzero((s.args[0][..., 0] > 0.5).any(axis=0))[0] for s in (left, right)]
        assert columns[1].min() - columns[0].min() == 20
    finally:
        composer.shutdown()


def test_dragging_moves_the_subject(qtbot: QtBot) -> None:
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 200)
    canvas.show()
    canvas.set_image(np.zeros((100, 140, 3), np.float32))
    canvas.actual_size()
    placements: list[Placement] = []
    drag = PlacementDrag(canvas, lambda: Placement(x=5.0, y=5.0), placements.append, lambda: 2.0)
    drag.enabled = True
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    qtbot.mouseMove(viewport, QPoint(60, 45))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(60, 45))
    assert placements and placements[-1] == Placement(x=25.0, y=-5.0)  # 2 background px per shown px
