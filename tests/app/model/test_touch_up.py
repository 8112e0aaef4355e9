"""Re-solving the alpha around a stroke: the job called directly, then after a drag in the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from app.gui.commands import StrokeCommand
from app.gui.main_window import MainWindow
from app.gui.patch_command import PatchCommand
from app.model.brush import Region
from app.model.touch_up import mask_crop, recoloured, resolve_alpha, resolve_band
from classic.checks import InvalidInputError
from classic.pipeline import Cutout
from tests.app.conftest import disc_photo

JOB_TIMEOUT_MS = 60_000


def disc_mask(height: int, width: int, radius: float) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return ((rows - height / 2) ** 2 + (cols - width / 2) ** 2 <= radius**2).astype(np.float32)


def test_resolve_alpha_follows_the_photo_around_the_stroke() -> None:
    photo = disc_photo(90, 120, radius=27)
    mask = disc_mask(90, 120, 27)
    stroke = Region(30, 70, 60, 90)  # across the disc's right edge
    fractions: list[float] = []
    patch = resolve_alpha(
        photo, mask, stroke, progress=lambda f, _m: fractions.append(f), is_cancelled=lambda: False
    )
    region = patch.region
    assert region.top <= 30 and region.left <= 70 and region.bottom >= 60 and region.right >= 90
    assert patch.alpha.shape == (region.bottom - region.top, region.right - region.left)
    assert patch.alpha.dtype == np.float32 and patch.alpha.min() >= 0.0 and patch.alpha.max() <= 1.0
    assert np.abs(patch.alpha - mask[region.window]).mean() < 0.05
    assert fractions[-1] == 1.0


def test_resolve_alpha_can_be_cancelled() -> None:
    from classic.progress import Cancelled

    with pytest.raises(Cancelled):
        resolve_alpha(
            disc_photo(30, 30), disc_mask(30, 30, 8), Region(0, 0, 10, 10),
            progress=lambda _f, _m: None, is_cancelled=lambda: True,
        )  # fmt: skip


def test_a_stroke_on_the_segmentation_mask_resolves_the_alpha(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    photo = disc_photo(90, 120, radius=20)
    window.document.set_foreground(photo)
    mask = disc_mask(90, 120, 20)
    wrong_alpha = np.zeros_like(mask)  # an alpha that missed the subject: the re-solve must repair it
    window.document.set_cutout(Cutout(mask, mask.copy(), wrong_alpha, photo))
    window.layers.set_visible("alpha", False)
    window.layers.set_visible("trimap", False)
    assert window.painter.target() == "segmentation mask"
    window.painter.activate("add")
    window.painter.tool.size = 6.0
    canvas, viewport = window.canvas, window.canvas.viewport()

    def at(x: float, y: float) -> QPoint:
        return canvas.mapFromScene(QPointF(x + 0.5, y + 0.5))

    with qtbot.waitSignal(window.jobs.finished, timeout=JOB_TIMEOUT_MS):
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at(80, 45))
        qtbot.mouseMove(viewport, at(82, 45))
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(82, 45))
    alpha = window.layers.get("alpha")
    assert alpha is not None
    commands = [window.undo_stack.command(i) for i in range(window.undo_stack.count())]
    assert [type(command) for command in commands] == [StrokeCommand, PatchCommand]
    resolved = commands[1]
    assert isinstance(resolved, PatchCommand) and resolved.text() == "Re-solve alpha"
    assert resolved.names == ["alpha", "trimap"]  # the band the alpha was solved from goes in too
    region = resolved.region("alpha")
    assert region.left <= 76 and region.right >= 87 and region.top <= 42 and region.bottom >= 49
    assert alpha[45, 77] > 0.9  # inside the subject, by the stroke
    assert alpha[45, region.right - 1] < 0.1  # beyond the painted edge
    outside = alpha.copy()
    outside[region.window] = 0.0
    assert not outside.any()  # the alpha is kept as it was outside the patch
    window.undo_stack.undo()
    assert not alpha.any()


def test_a_composite_is_remade_from_the_touched_up_alpha(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    photo = disc_photo(90, 120, radius=20)
    window.document.set_foreground(photo)
    window.document.set_background(np.zeros((90, 120, 3), np.float32))
    mask = disc_mask(90, 120, 20)
    window.document.set_cutout(Cutout(mask, mask.copy(), np.zeros_like(mask), photo))
    window.layers.set_image("composite", np.zeros((90, 120, 3), np.float32))
    for name in ("composite", "alpha", "trimap"):
        window.layers.set_visible(name, False)
    window.painter.activate("add")
    canvas, viewport = window.canvas, window.canvas.viewport()
    point = canvas.mapFromScene(QPointF(80.5, 45.5))
    composites: list[object] = []
    window.layers.connect(lambda event: composites.append(event) if event.name == "composite" else None)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: bool(composites) and not window.jobs.is_busy, timeout=JOB_TIMEOUT_MS)
    composite = window.layers.get("composite")
    assert composite is not None and composite[45, 77].sum() > 0.5  # the subject's red shows there now
    assert window.painter.target() == "segmentation mask"  # the canvas stays on the mask being edited


def test_resolve_band_solves_the_painted_band_and_keeps_untouched_known_pixels() -> None:
    photo, mask = disc_photo(60, 60, radius=15), disc_mask(60, 60, 15)
    trimap = mask.copy()
    alpha = mask.copy()
    alpha[:, 40:] = 0.0  # wrong on the disc's right side
    alpha[5, 5] = 0.25  # an odd value on a known pixel the stroke does not touch
    stroke = Region(22, 38, 38, 50)
    before = trimap[stroke.window].copy()
    trimap[stroke.window] = 0.5  # the refine brush painted the box unknown…
    trimap[30, 49] = 0.0  # …except one pixel it restored to background
    changed = trimap[stroke.window] != before
    patch = resolve_band(
        photo, trimap, alpha, Region(0, 0, 60, 60), np.zeros((60, 60), bool),
        progress=lambda _f, _m: None, is_cancelled=lambda: False,
    )  # fmt: skip
    assert patch.alpha[5, 5] == 0.25  # known and unchanged: kept as it was
    patch = resolve_band(
        photo, trimap, alpha, stroke, changed, progress=lambda _f, _m: None, is_cancelled=lambda: False
    )
    assert patch.region == stroke and patch.alpha.shape == (16, 12) and patch.trimap is None
    truth = mask[stroke.window]
    assert np.abs(patch.alpha - truth).max() < 0.05  # the photo's edge, not the wrong alpha
    with pytest.raises(InvalidInputError, match="box"):
        resolve_band(
            photo, trimap, alpha, stroke, changed[:3],
            progress=lambda _f, _m: None, is_cancelled=lambda: False,
        )  # fmt: skip


def test_recoloured_removes_the_old_background_from_the_touched_edge_only() -> None:
    # A red disc on blue with a soft edge: the photo's edge pixels are purple, the subject's colour is red.
    height, width = 60, 80
    rows, cols = np.mgrid[0:height, 0:width]
    distance = np.hypot(rows - 30, cols - 40)
    alpha = np.clip(20.5 - distance, 0, 1).astype(np.float32)
    red, blue = np.array([1, 0, 0], np.float32), np.array([0, 0, 1], np.float32)
    photo = (alpha[..., None] * red + (1 - alpha[..., None]) * blue).astype(np.float32)
    region = Region(20, 50, 40, 70)  # across the disc's right edge
    result = recoloured(photo, photo, alpha, region)
    edge = (alpha > 0.2) & (alpha < 0.8)
    inside = np.zeros_like(edge)
    inside[region.window] = True
    assert (edge & inside).any()
    # Where the edge was touched the blue is gone; elsewhere the colours are the input's, exactly.
    assert result[edge & inside][:, 2].max() < 0.2 < photo[edge & inside][:, 2].min()
    far = np.ones_like(edge)
    far[15:45, 45:75] = False
    np.testing.assert_array_equal(result[far], photo[far])


def test_a_job_needs_only_the_mask_around_the_stroke() -> None:
    photo = disc_photo(90, 120, radius=27)
    mask = disc_mask(90, 120, 27)
    stroke = Region(30, 70, 60, 90)
    crop = mask_crop(mask, stroke)
    assert crop.crop.size < mask.size / 2 and not np.shares_memory(crop.crop, mask)
    quiet = {"progress": lambda _f, _m: None, "is_cancelled": lambda: False}
    from_crop, from_whole = resolve_alpha(photo, crop, **quiet), resolve_alpha(photo, mask, stroke, **quiet)
    assert from_crop.region == from_whole.region
    np.testing.assert_array_equal(from_crop.alpha, from_whole.alpha)
    with pytest.raises(InvalidInputError, match="stroke"):
        resolve_alpha(photo, mask, **quiet)
