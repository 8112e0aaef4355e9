"""The ``unsure`` view: where to brush. The cut-out's uncertainty map (``classic.uncertainty``) in heat
colours over a dimmed grey copy of the photo: dark where the cut-out is sure, red, then yellow where it
is least sure.

The map lives at its working resolution (≤ 0.3 MP, float16, kept on the ``Cutout``); the colours and
their weights are made there and only they are upsampled to the photo's size. A cut-out without a map (a
project saved before, a mask given by hand) gets one from the layers' own cues, without the network's.
"""

from __future__ import annotations

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_image
from classic.resize import resize_to
from classic.uncertainty import uncertainty_map

UNSURE = "unsure"
UNSURE_OPACITY = 0.8  # The heat colour's opacity where the map is 0.5 or more.
_DIM = 0.55  # The photo's grey is dimmed so the heat colours stand out.


def heat_colours(uncertainty: np.ndarray) -> np.ndarray:
    """(h, w, 3) float32: red at low uncertainty through orange to pale yellow at 1."""
    u = np.clip(uncertainty.astype(np.float32), 0.0, 1.0)
    red = np.ones_like(u)
    green = np.clip(1.25 * u, 0.0, 1.0)
    blue = np.clip(2.0 * u - 1.2, 0.0, 0.8)
    return np.stack([red, green, blue], axis=2)


def render_unsure(photo: np.ndarray, uncertainty: np.ndarray) -> np.ndarray:
    """The photo (H, W, 3) in dimmed grey with ``uncertainty`` (h, w, any size, [0, 1]) in heat colours,
    weighted by min(1, 2u) × ``UNSURE_OPACITY``; float32 (H, W, 3) in [0, 1]."""
    check_image("photo", photo)
    if uncertainty.ndim != 2 or uncertainty.size == 0:
        raise InvalidInputError(f"the uncertainty map must be (h, w), got shape {uncertainty.shape}")
    small = np.clip(uncertainty.astype(np.float32), 0.0, 1.0)
    size = (photo.shape[1], photo.shape[0])
    # The heat colour and its weight are made at the map's size; only the blend runs at the photo's, in
    # place (a 24 MP photo: a few float32 planes, no (H, W, 3) temporaries beyond the result).
    weight = resize_to(np.minimum(1.0, 2.0 * small) * np.float32(UNSURE_OPACITY), size)
    colour = resize_to(heat_colours(small), size)
    grey = np.multiply(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), np.float32(_DIM), dtype=np.float32)
    for channel in range(3):  # colour = grey + w·(heat − grey), channel by channel
        plane = colour[:, :, channel]
        plane -= grey
        plane *= weight
        plane += grey
    return np.clip(colour, 0.0, 1.0, out=colour)


def shown_uncertainty(
    stored: np.ndarray | None,
    photo: np.ndarray,
    mask: np.ndarray | None,
    trimap: np.ndarray | None,
    alpha: np.ndarray | None,
) -> np.ndarray | None:
    """The map to show: the cut-out's ``stored`` one, else one made from the layers' cues (None without
    an alpha or a mask to make it from)."""
    if stored is not None:
        return stored
    matte = alpha if alpha is not None else mask
    if matte is None or matte.shape != photo.shape[:2]:
        return None
    mask = (matte >= 0.5).astype(np.float32) if mask is None or mask.shape != matte.shape else mask
    if trimap is None or trimap.shape != matte.shape:
        trimap = np.where((matte > 0) & (matte < 1), np.float32(0.5), np.round(matte)).astype(np.float32)
    return uncertainty_map(photo, mask, trimap, matte)
