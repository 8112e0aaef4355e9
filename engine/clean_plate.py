"""Clean-plate matting in the pipeline: align the plate, run the network at a working resolution, bring
the alpha to full size (Background Matting, Sengupta et al. CVPR 2020; ``engine.nets.plate_matting``).

The plate is aligned to the photo at the working resolution (``classic.plate_alignment``: a global
affine warp and an exposure fit, or a ``PlateAlignmentError`` saying the plate does not match), the
network takes {photo, aligned plate, soft segmentation} there, and the alpha returns to full size by
guided upsampling, as the other networks' mattes do. Between the two, closed-form matting with the
plate as a data term refines the network's alpha in a band around its edge (``classic.plate_refinement``):
the network finds the subject, the plate-aware solve its hair. The solve runs twice: the second time
the pixels the first one settled at 0 or 1 are held fixed and the band follows what it left fractional
(``settled_trimap``).
"""

from __future__ import annotations

import numpy as np
import torch

from classic.plate_alignment import align_plate
from classic.plate_refinement import plate_trimap, refine_with_plate
from classic.progress import CancelCallback, ProgressCallback, never_cancelled, no_progress, wrap_progress
from classic.resize import downscale, guided_upsample, resize_to
from engine.inference import Predictor
from engine.tensors import image_to_tensor, tensor_to_image

PLATE_MEGAPIXELS = 0.5  # the working resolution, as the other matting methods'.


def plate_at_scale(plate: np.ndarray, image: np.ndarray, small: np.ndarray) -> np.ndarray:
    """``plate`` scaled by the factor that took ``image`` to ``small`` (its own size kept otherwise, so
    the alignment can still tell a plate of another shape)."""
    if small.shape == image.shape:
        return plate
    scale = small.shape[1] / image.shape[1]
    size = (max(1, round(plate.shape[1] * scale)), max(1, round(plate.shape[0] * scale)))
    return resize_to(plate, size)


def matte_with_plate(
    network: Predictor,
    image: np.ndarray,
    plate: np.ndarray,
    segmentation: np.ndarray,
    *,
    megapixels: float = PLATE_MEGAPIXELS,
    segmentation_nearest: bool = False,
    small: np.ndarray | None = None,
    trimap: np.ndarray | None = None,
    refine: bool = True,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> np.ndarray:
    """Alpha (H, W) float32 in [0, 1] of ``image``'s subject.

    ``segmentation`` (H, W) in [0, 1] is the soft segmentation, a trimap (``segmentation_nearest``) or
    0.5 everywhere for none. ``small``, ``image`` already brought to the working resolution
    (``downscale`` to ``megapixels``) when the caller has it, spares doing it again. With ``refine`` the
    network's alpha is refined by closed-form matting with the aligned plate as a data term
    (``classic.plate_refinement``) inside ``trimap`` (H, W), or inside a trimap drawn from the network's
    alpha and the plate when None, and again around what that solve left fractional (never opening the
    known pixels of a ``trimap`` given).
    """
    small = downscale(image, megapixels) if small is None else small
    progress(0.0, "Aligning the clean plate")
    alignment = align_plate(small, plate_at_scale(plate, image, small), is_cancelled=is_cancelled)
    small_size = (small.shape[1], small.shape[0])
    planes = [small, alignment.plate, resize_to(segmentation, small_size, nearest=segmentation_nearest)]
    stacked = torch.cat([image_to_tensor(plane) for plane in planes], dim=1)
    output = network.run([stacked], progress=wrap_progress(progress, 0.3, 0.6), is_cancelled=is_cancelled)
    alpha = np.clip(tensor_to_image(output), 0.0, 1.0)
    if refine:
        progress(0.9, "Refining the alpha against the clean plate")
        band = (
            plate_trimap(small, alignment.plate, alpha)
            if trimap is None
            else resize_to(trimap, small_size, nearest=True)
        )
        alpha = refine_with_plate(
            small, alignment.plate, band, alpha, reopen=trimap is None, is_cancelled=is_cancelled
        )
    if small is image:
        return alpha
    progress(0.95, "Bringing the alpha to full size")
    return guided_upsample(alpha, small, image, radius=2, epsilon=1e-5)
