"""The network's subject probability reaches the cut-out's uncertainty map (network-grabcut)."""

from __future__ import annotations

import numpy as np
import pytest

from classic.pipeline import cut_out
from engine.pipeline import Pipeline


def test_the_networks_doubt_marks_the_cut_outs_map(monkeypatch: pytest.MonkeyPatch) -> None:
    rows, cols = np.mgrid[0:60, 0:80]
    inside = ((rows - 30) ** 2 + (cols - 40) ** 2) <= 15**2
    photo = np.where(inside[:, :, None], (0.85, 0.2, 0.15), (0.2, 0.6, 0.3)).astype(np.float32)
    probability = inside.astype(np.float32)
    probability[5:20, 60:78] = 0.5  # unsure of a patch of plain background
    monkeypatch.setattr(Pipeline, "segmentation_method", lambda self, rect=None: "network-grabcut")
    monkeypatch.setattr(Pipeline, "check_networks", lambda self, kinds=None: None)
    monkeypatch.setattr(Pipeline, "_network_probability", lambda self, image, *args: probability)
    cutout = Pipeline().cut_out(photo)
    assert cutout.uncertainty is not None and cutout.uncertainty.shape == (60, 80)
    classic = cut_out(photo, mask=cutout.mask).uncertainty
    assert classic is not None
    assert float(cutout.uncertainty[12, 70]) > 0.5 > float(classic[12, 70])
