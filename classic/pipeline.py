"""The automatic cut-out: segmentation mask → trimap → alpha → foreground colours.

The slow stages run at a working resolution (segmentation at ~0.3 MP inside GrabCut, matting at
``matting_megapixels``); the alpha returns to full resolution by guided upsampling and the foreground
colours are estimated at full resolution where α is fractional. A 24 MP photo therefore costs little more
than a 1 MP one, and the result keeps the photo's own edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classic.checks import InvalidInputError, check_image
from classic.foreground import estimate_foreground
from classic.grabcut import Rect, grabcut
from classic.matting import MATTING_METHODS, estimate_alpha
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
    wrap_progress,
)
from classic.resize import downscale, guided_upsample, resize_to
from classic.saliency import select_subject
from classic.trimap import band_width, trimap_from_mask
from classic.uncertainty import uncertainty_map

SEGMENTATION_METHODS = ("auto", "grabcut")


@dataclass(frozen=True)
class CutoutOptions:
    """Choices for ``cut_out``. ``band_fraction`` is the trimap's unknown band relative to the diagonal."""

    segmentation: str = "auto"
    matting: str = "closed-form"
    band_fraction: float = 0.01
    matting_megapixels: float = 0.5
    decontaminate: bool = True

    def __post_init__(self) -> None:
        if self.segmentation not in SEGMENTATION_METHODS:
            raise InvalidInputError(
                f"unknown segmentation method {self.segmentation!r}; "
                f"choose one of {', '.join(SEGMENTATION_METHODS)}"
            )
        if self.matting not in MATTING_METHODS:
            raise InvalidInputError(
                f"unknown matting method {self.matting!r}; choose one of {', '.join(MATTING_METHODS)}"
            )


@dataclass(frozen=True)
class Cutout:
    """The layers of a cut-out, all at the photo's size: masks (H, W) and colours (H, W, 3).

    ``method`` says in words how it was made (for the status bar); empty when not known.
    ``uncertainty`` is the automatic cut-out's uncertainty map (``classic.uncertainty``), float16 (h, w)
    in [0, 1] at its working resolution, not the photo's; None when not made.
    """

    mask: np.ndarray
    trimap: np.ndarray
    alpha: np.ndarray
    foreground: np.ndarray
    method: str = ""
    uncertainty: np.ndarray | None = None


def segment(
    image: np.ndarray,
    *,
    method: str = "auto",
    rect: Rect | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Segmentation mask (H, W) float32 0 / 1: automatic selection, or GrabCut when a rectangle is given."""
    if method == "grabcut" or rect is not None:
        if rect is None:
            raise InvalidInputError("GrabCut needs a rectangle (--rect X,Y,W,H)")
        return grabcut(image, rect=rect, progress=progress, is_cancelled=is_cancelled)
    if method != "auto":
        raise InvalidInputError(f"unknown segmentation method {method!r}")
    return select_subject(image, progress=progress, is_cancelled=is_cancelled)


def cut_out(
    image: np.ndarray,
    *,
    options: CutoutOptions = CutoutOptions(),
    rect: Rect | None = None,
    mask: np.ndarray | None = None,
    probability: np.ndarray | None = None,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> Cutout:
    """Cut the subject out of ``image`` (H, W, 3); ``mask`` skips segmentation when already known.

    ``probability``: the segmentation network's subject probability that made ``mask`` (any size), a
    cue of the uncertainty map."""
    check_image("image", image)
    if mask is None:
        mask = segment(
            image,
            method=options.segmentation,
            rect=rect,
            progress=wrap_progress(progress, 0.0, 0.4),
            is_cancelled=is_cancelled,
        )
    raise_if_cancelled(is_cancelled)
    trimap, alpha = _matte(image, mask, options, wrap_progress(progress, 0.4, 0.8), is_cancelled)
    return finish_cutout(
        image,
        mask,
        trimap,
        alpha,
        decontaminate=options.decontaminate,
        probability=probability,
        progress=progress,
        is_cancelled=is_cancelled,
    )


def finish_cutout(
    image: np.ndarray,
    mask: np.ndarray,
    trimap: np.ndarray,
    alpha: np.ndarray,
    *,
    decontaminate: bool,
    probability: np.ndarray | None = None,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> Cutout:
    """The last stage of every cut-out: foreground colours (decontaminated or the photo's), in the
    last fifth of ``progress``'s range, and the uncertainty map (with the network's ``probability``)."""
    raise_if_cancelled(is_cancelled)
    foreground = image
    if decontaminate:
        foreground = estimate_foreground(
            image, alpha, progress=wrap_progress(progress, 0.8, 1.0), is_cancelled=is_cancelled
        )
    uncertainty = uncertainty_map(image, mask, trimap, alpha, probability=probability)
    progress(1.0, "Cut-out done")
    return Cutout(mask=mask, trimap=trimap, alpha=alpha, foreground=foreground, uncertainty=uncertainty)


def _matte(
    image: np.ndarray,
    mask: np.ndarray,
    options: CutoutOptions,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> tuple[np.ndarray, np.ndarray]:
    small = downscale(image, options.matting_megapixels)
    size = (small.shape[1], small.shape[0])
    small_mask = resize_to(mask, size)
    band = band_width(small.shape, band_fraction=options.band_fraction)
    small_trimap = trimap_from_mask(small_mask, band=band)
    small_alpha = estimate_alpha(
        small, small_trimap, method=options.matting, progress=progress, is_cancelled=is_cancelled
    )
    if small is image:
        return small_trimap, small_alpha
    full_size = (image.shape[1], image.shape[0])
    alpha = guided_upsample(small_alpha, small, image, radius=2, epsilon=1e-5)
    return resize_to(small_trimap, full_size, nearest=True), alpha
