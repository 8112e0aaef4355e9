"""The unsure view: heat colours of the uncertainty map over the dimmed photo."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.document import Document
from app.model.unsure_view import UNSURE, heat_colours, render_unsure, shown_uncertainty
from app.model.views import VIEW_MODES
from classic.checks import InvalidInputError


def test_unsure_is_a_view_mode_of_the_document() -> None:
    assert UNSURE in VIEW_MODES
    document = Document()
    document.set_view_mode(UNSURE)
    assert document.view_mode == UNSURE


def test_render_upsamples_the_map_and_colours_only_where_unsure() -> None:
    photo = np.full((40, 60, 3), 0.5, np.float32)
    uncertainty = np.zeros((20, 30), np.float16)
    uncertainty[:, 20:] = 1.0
    shown = render_unsure(photo, uncertainty)
    assert shown.shape == (40, 60, 3) and shown.dtype == np.float32
    assert shown.min() >= 0.0 and shown.max() <= 1.0
    sure, unsure = shown[20, 5], shown[20, 55]
    assert np.allclose(sure, sure[0])  # grey: the photo, dimmed
    assert sure[0] < 0.5
    assert unsure[0] > 0.8 and unsure[0] > unsure[2]  # heat colour


def test_heat_colours_go_from_red_to_yellow() -> None:
    colours = heat_colours(np.array([[0.1, 1.0]], np.float32))
    assert colours.shape == (1, 2, 3)
    assert colours[0, 0, 0] == 1.0 and colours[0, 0, 1] < 0.2
    assert colours[0, 1, 1] == 1.0


def test_render_refuses_a_map_of_the_wrong_shape() -> None:
    with pytest.raises(InvalidInputError, match="uncertainty map"):
        render_unsure(np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 3), np.float32))


def test_a_cut_out_without_a_map_gets_one_from_its_layers() -> None:
    photo = np.full((30, 40, 3), 0.4, np.float32)
    alpha = np.zeros((30, 40), np.float32)
    alpha[10:20, 10:30] = 1.0
    stored = np.zeros((5, 5), np.float16)
    assert shown_uncertainty(stored, photo, None, None, alpha) is stored
    made = shown_uncertainty(None, photo, None, None, alpha)
    assert made is not None and made.shape == (30, 40)
    assert float(made[10, 20]) > float(made[0, 0])
    assert shown_uncertainty(None, photo, None, None, None) is None
