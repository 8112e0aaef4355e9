"""A foreground that is a cut-out already: a PNG, TIFF or WebP whose alpha channel another tool (or this
one's ``cutout``) drew. Its transparency is the subject's alpha, better than a new cut-out of the pixels
left could be (the strands of hair are in it, the old background is not), so the GUI and the compositing
commands take it as the cut-out, as if it had been given with ``--alpha``.

Its colours are decontaminated as a given alpha's are (``classic.foreground``, when the pipeline
decontaminates; the compositing panel's amount blends them with the stored ones). Most tools keep the
photo's own colour in semi-transparent pixels, the old background mixed in: rembg's default cut-out and
Photoshop's masks without "Decontaminate Colors" do. On the lemur sample cut out that way (its true
alpha, black where transparent) onto the Dune background, the composite is 43.4 dB from the true one with
the colours as stored and 49.6 dB decontaminated; a cut-out whose colours are clean already loses by it
(exact as stored, 47.7 dB decontaminated), and the panel's amount 0 keeps them as they are.

An alpha channel that is opaque everywhere (many exports write one) or transparent everywhere is no cut-out.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from classic.foreground import estimate_foreground
from classic.imageio import LoadedImage
from classic.pipeline import Cutout
from classic.progress import CancelCallback, ProgressCallback, never_cancelled, no_progress
from engine.pipeline import cutout_from_alpha

OWN_TRANSPARENCY = "the photo's own transparency"


def own_alpha(photo: LoadedImage) -> np.ndarray | None:
    """``photo``'s alpha channel when it holds a cut-out, else None."""
    alpha = photo.alpha
    if alpha is None or float(alpha.min()) >= 1.0 or float(alpha.max()) <= 0.0:
        return None
    return alpha


def own_cutout(
    photo: LoadedImage,
    *,
    decontaminate: bool,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> Cutout | None:
    """The cut-out ``photo`` carries in its alpha channel (colours decontaminated when ``decontaminate``),
    or None when it has none to give."""
    alpha = own_alpha(photo)
    if alpha is None:
        return None
    colours = photo.rgb
    if decontaminate:
        progress(0.0, "Decontaminating the cut-out's colours")
        colours = estimate_foreground(photo.rgb, alpha, progress=progress, is_cancelled=is_cancelled)
    return replace(cutout_from_alpha(colours, alpha), method=OWN_TRANSPARENCY)
