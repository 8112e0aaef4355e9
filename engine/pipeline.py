"""The one pipeline the command line and the GUI share: segmentation → refinement → matting → compositing.

``Pipeline(options)`` runs each stage the way ``PipelineOptions`` says. Classic stages delegate to
``classic/`` (with only classic stages chosen, ``cut_out`` *is* ``classic.pipeline.cut_out``). Network
stages follow Deep Image Compositing (Zhang et al. 2021):

- **segmentation** runs the network on the whole photo squeezed to ``segmentation_size``² and brings the
  probability back by guided upsampling, thresholded at 0.5 into a 0 / 1 segmentation mask
  (``network``), or, at GrabCut's working resolution (0.3 MP), seeds GrabCut with its confident regions
  and the mask returns by guided upsampling (``network-grabcut``). ``auto``, the
  default, is ``AUTOMATIC_SEGMENTATION`` (chosen on the dev sets, see the model card) when segmentation
  weights are installed, else the classic saliency-seeded GrabCut (``saliency``). The network's
  probability takes U²-Net-p's second opinion when that can run (``second_opinion``,
  ``engine.second_opinion``: the two's mean, weighed by how well their masks agree);
- **refinement** runs twice on the whole photo, as the paper: at 320×320 on the photo and the raw mask,
  then at 640×640 on the photo and the first result upsampled; the refined mask (soft, in [0, 1]) comes
  back to full size by guided upsampling;
- **matting** runs on the photo and the trimap at ``matting_megapixels`` (in tiles when larger than
  four tiles) and the alpha comes back by guided upsampling, like the classic matting;
- **fusion** runs at a working resolution whose longest side is ``fusion_size`` (768, the paper's test
  size). To reach the background's full size it adds, to the full-resolution alpha blend, the network's
  *correction* to the alpha blend made at working resolution, upsampled bilinearly:
  C = αF + (1 − α)B + up(fusion(f, a, b) − (a·f + (1 − a)·b)). Full-resolution detail comes from the alpha
  blend, the network's colour and boundary corrections at the scale it works at, and where the network
  agrees with the alpha blend the result is exactly the alpha blend.

Networks are loaded lazily, once, from ``engine.weights.installed_weights`` (the model store's active
version: the one the user selected, else the shipped default) and kept by the Pipeline (and by every
Pipeline ``with_options`` makes from it) until that file changes, so selecting another version takes
effect at the next run; without installed weights a network stage raises ``NetworkUnavailableError``
naming the classic alternative.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from classic.checks import InvalidInputError, check_image, check_matte, check_same_size, check_trimap
from classic.compositing import COMPOSITING_METHODS as CLASSIC_COMPOSITING
from classic.compositing import blend_alpha, composite
from classic.grabcut import WORKING_MEGAPIXELS as GRABCUT_MEGAPIXELS
from classic.grabcut import Rect, grabcut_from_probability
from classic.matting import MATTING_METHODS as CLASSIC_MATTING
from classic.matting import estimate_alpha
from classic.pipeline import Cutout, CutoutOptions, cut_out, finish_cutout, segment
from classic.placement import Placement, default_placement, place
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
    wrap_progress,
)
from classic.resize import downscale, guided_upsample, resize_to
from classic.trimap import band_width, trimap_from_mask
from engine.clean_plate import PLATE_MEGAPIXELS, matte_with_plate
from engine.device import DEVICE_PREFERENCES, DeviceChoice
from engine.inference import Predictor, Tiling
from engine.learned_trimap import matte_from_photo
from engine.nets import PHOTO_INPUT_PLANES
from engine.networks import Networks, installed_network
from engine.second_opinion import (
    SECOND_OPINION_DESCRIPTIONS,
    SECOND_OPINIONS,
    Opinions,
    combine,
    grabcut_seeds,
    mirror_averaged,
)
from engine.teacher import Teachers
from engine.tensors import image_to_tensor, tensor_to_image
from engine.transparency_hint import TRANSPARENCY_HINT_DESCRIPTIONS, TRANSPARENCY_HINTS
from engine.weights import installed_weights

SEGMENTATION_METHODS = ("auto", "network", "network-grabcut", "saliency", "grabcut")
NETWORK_SEGMENTATION = ("network", "network-grabcut")
# What "auto" runs when segmentation weights are installed: the better method on segmentation-dev and on
# the automatic compositing evaluation (resources/weights/MODEL_CARD.md has the figures).
AUTOMATIC_SEGMENTATION = "network-grabcut"
# Seeded by the network, GrabCut's first round is its result: on the 147 held-out real photos of the
# training data one iteration scores IoU 0.895, two to four 0.894, at 0.09 s against 0.14 s (0.3 MP).
NETWORK_GRABCUT_ITERATIONS = 1
SEGMENTATION_DESCRIPTIONS = {
    "network": "the segmentation network",
    "network-grabcut": "GrabCut seeded by the segmentation network",
    "saliency": "the saliency-seeded GrabCut",
    "grabcut": "GrabCut from the rectangle",
}
REFINEMENT_METHODS = ("none", "network")
# "auto" runs the matting network when it is installed, else closed-form matting: given the trimap, the
# network beats closed-form on matting-dev (SAD 4.84 against 4.96, with lower MSE and gradient error, and at
# every trimap width d = 1…19), inside the learned trimap (9.57 against 9.64, on seven photos of eight) and
# on the clean-plate set's photos (12.70 against 12.76): resources/weights/MODEL_CARD.md.
MATTING_METHODS = ("auto", *CLASSIC_MATTING, "network")
COMPOSITING_METHODS = (*CLASSIC_COMPOSITING, "fusion")
_STRIP_ROWS = 256  # rows of the full-size alpha blend computed at a time under the fusion correction
_CUTOUT_NETWORKS = ("segmentation", "refinement", "trimap", "matting")
# Where the automatic cut-out's trimap comes from: the (refined) mask's edge band, or the T-Net; "auto"
# runs the T-Net when it is installed (the better of the two on the compositing evaluation and on the
# held-out real photos: resources/weights/MODEL_CARD.md), else the mask's band.
TRIMAP_METHODS = ("auto", "mask", "learned")
PLATE_DESCRIPTION = "the clean plate and the clean-plate matting network"


@dataclass(frozen=True)
class PipelineOptions:
    """Per stage, which method runs; sizes in pixels; ``weights_folder`` None: ``engine.weights``' own."""

    segmentation: str = "auto"
    second_opinion: str = "auto"
    refinement: str = "none"
    trimap: str = "auto"
    transparency_hint: str = "auto"
    band_fraction: float = 0.01
    matting: str = "auto"
    matting_megapixels: float = 0.5
    decontaminate: bool = True
    compositing: str = "alpha"
    device: str = "auto"
    weights_folder: Path | None = None
    segmentation_size: int = 320
    refinement_sizes: tuple[int, int] = (320, 640)
    fusion_size: int = 768
    tiling: Tiling = field(default_factory=Tiling)

    def __post_init__(self) -> None:
        for stage, value, choices in (
            ("segmentation", self.segmentation, SEGMENTATION_METHODS),
            ("second opinion", self.second_opinion, SECOND_OPINIONS),
            ("refinement", self.refinement, REFINEMENT_METHODS),
            ("trimap", self.trimap, TRIMAP_METHODS),
            ("transparency hint", self.transparency_hint, TRANSPARENCY_HINTS),
            ("matting", self.matting, MATTING_METHODS),
            ("compositing", self.compositing, COMPOSITING_METHODS),
            ("device", self.device, DEVICE_PREFERENCES),
        ):
            if value not in choices:
                raise InvalidInputError(
                    f"unknown {stage} method {value!r}; choose one of {', '.join(choices)}"
                )

    def networks(self) -> tuple[str, ...]:
        """The network kinds these options need, in pipeline order (``auto`` needs none: without
        segmentation weights it runs the classic selection)."""
        chosen = (
            ("segmentation", self.segmentation in NETWORK_SEGMENTATION),
            ("refinement", self.refinement == "network"),
            ("trimap", self.trimap == "learned"),
            ("matting", self.matting == "network"),
            ("fusion", self.compositing == "fusion"),
        )
        return tuple(kind for kind, needed in chosen if needed)

    def classic_options(self) -> CutoutOptions:
        """The options of ``classic.pipeline.cut_out`` for the stages that are classic."""
        return CutoutOptions(
            segmentation="grabcut" if self.segmentation == "grabcut" else "auto",
            matting=self.matting if self.matting in CLASSIC_MATTING else "closed-form",
            band_fraction=self.band_fraction,
            matting_megapixels=self.matting_megapixels,
            decontaminate=self.decontaminate,
        )


class Pipeline:
    """Runs the stages ``options`` chooses; network weights are loaded on first use and kept."""

    def __init__(self, options: PipelineOptions | None = None, *, networks: Networks | None = None) -> None:
        self.options = options or PipelineOptions()
        self._networks = networks or Networks()

    def with_options(self, **changes: Any) -> Pipeline:
        """A Pipeline with some options changed that shares this one's loaded networks."""
        return Pipeline(dataclasses.replace(self.options, **changes), networks=self._networks)

    def device(self) -> DeviceChoice:
        """Where this pipeline's networks run (``reason`` is for the status bar)."""
        return self._networks.device(self.options.device)

    def segmentation_method(self, *, rect: Rect | None = None) -> str:
        """The segmentation method that runs: ``auto`` resolved (``AUTOMATIC_SEGMENTATION`` when the
        segmentation network is installed, else ``saliency``); a rectangle makes the classic methods
        GrabCut."""
        method = self.options.segmentation
        if method == "auto":
            installed = installed_weights("segmentation", folder=self.options.weights_folder) is not None
            method = AUTOMATIC_SEGMENTATION if installed else "saliency"
        if rect is not None and method == "saliency":
            return "grabcut"
        return method

    def describe_segmentation(self, *, rect: Rect | None = None) -> str:
        """Which segmentation method runs, in words (``SEGMENTATION_DESCRIPTIONS``), with the second
        opinion the network takes."""
        method = self.segmentation_method(rect=rect)
        second = self.second_opinion() if method in NETWORK_SEGMENTATION else None
        described = SEGMENTATION_DESCRIPTIONS[method]
        return described if second is None else f"{described}, with {SECOND_OPINION_DESCRIPTIONS[second]}"

    def trimap_method(self) -> str:
        """The trimap method that runs: ``auto`` resolved (``learned`` when the T-Net is installed, else
        ``mask``)."""
        if self.options.trimap != "auto":
            return self.options.trimap
        return "learned" if self._has_weights("trimap") else "mask"

    def matting_method(self) -> str:
        """The matting method that runs inside a trimap: ``auto`` resolved (``network`` when the matting
        network is installed, else ``closed-form``)."""
        if self.options.matting != "auto":
            return self.options.matting
        return "network" if self._has_weights("matting") else "closed-form"

    def _uses_learned_trimap(self, *, rect: Rect | None, mask_given: bool) -> bool:
        """Whether a cut-out takes the T-Net's trimap: a given (brushed) mask keeps its own edge, and a
        box the subject inside it, so both keep the mask's band."""
        return not mask_given and rect is None and self.trimap_method() == "learned"

    def describe_cutout(self, *, rect: Rect | None = None, mask_given: bool = False) -> str:
        """Which methods a cut-out runs, in words, for the status bar and the command line."""
        segmentation = "the given mask" if mask_given else self.describe_segmentation(rect=rect)
        refinement = ", the refinement network" if self.options.refinement == "network" else ""
        if self._uses_learned_trimap(rect=rect, mask_given=mask_given):
            refinement += f", {self.describe_learned_trimap()}"
        method = self.matting_method()
        matting = "the matting network" if method == "network" else f"{method} matting"
        return f"{segmentation}{refinement}, {matting}"

    def describe_learned_trimap(self) -> str:
        """The learned trimap in words, with the transparency hint it takes."""
        hint = self.transparency_hint()
        return "the learned trimap" + (
            "" if hint is None else f" with {TRANSPARENCY_HINT_DESCRIPTIONS[hint]}"
        )

    def check_networks(self, kinds: tuple[str, ...] | None = None) -> None:
        """Raise ``NetworkUnavailableError`` now, before any slow work, if a chosen network is missing.

        ``kinds`` limits the check to some stages (default: every network the options choose).
        """
        for kind in self.options.networks():
            if kinds is None or kind in kinds:
                self._weights(kind)
        teachers: tuple[tuple[str, str, Teachers[Any]], ...] = (
            (self.options.second_opinion, "segmentation", self._networks.second_opinions),
            (self.options.transparency_hint, "trimap", self._networks.transparency_hints),
        )
        for chosen, stage, loaded in teachers:
            if chosen not in ("auto", "none") and (kinds is None or stage in kinds):
                loaded.get(chosen)

    def transparency_hint(self) -> str | None:
        """The transparency hint the learned trimap takes (``engine.transparency_hint``): ``auto``
        resolved (MODNet when its file and onnxruntime are here), None for none."""
        return _resolve_teacher(self.options.transparency_hint, "modnet", self._networks.transparency_hints)

    def second_opinion(self) -> str | None:
        """The second opinion the segmentation network takes (``engine.second_opinion``): ``auto``
        resolved (U²-Net-p when its file and onnxruntime are here), None for none."""
        return _resolve_teacher(self.options.second_opinion, "u2netp", self._networks.second_opinions)

    def segment(
        self,
        image: np.ndarray,
        *,
        rect: Rect | None = None,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """Segmentation mask (H, W) float32 0 / 1; with a network and ``rect``, the subject inside the box."""
        return self._segment(image, rect, progress, is_cancelled)[0]

    def _segment(
        self,
        image: np.ndarray,
        rect: Rect | None,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
        *,
        vote: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None, Opinions | None]:
        """``segment``'s mask; the network's subject probability behind it, at a working resolution, for
        the uncertainty map; and the two opinions that probability combines (the network's own and
        U²-Net-p's), for the learned trimap's transparency hint. Both None without a network or with a
        box (they cover only the box); the opinions None without a second opinion. With ``vote`` (the
        three networks will vote: ``engine.transparency_hint.outvoted``), U²-Net-p's opinion is averaged
        with its opinion of the mirrored photo (``mirror_averaged``); the selection keeps the one pass,
        as its rule was chosen with it (the average there lost 0.0027 IoU on the held-out photos)."""
        check_image("image", image)
        method = self.segmentation_method(rect=rect)
        if method not in NETWORK_SEGMENTATION:
            classic = "grabcut" if method == "grabcut" else "auto"
            mask = segment(image, method=classic, rect=rect, progress=progress, is_cancelled=is_cancelled)
            return mask, None, None
        rows, cols = _window(rect, image.shape)
        crop = image[rows, cols]
        if method == "network-grabcut":
            crop_mask, probability, opinions = self._network_grabcut(crop, progress, is_cancelled)
        else:
            probability, opinions = self._opinions(crop, progress, is_cancelled)
            crop_mask = (probability >= 0.5).astype(np.float32)
        mask = np.zeros(image.shape[:2], np.float32)
        mask[rows, cols] = crop_mask
        progress(1.0, "Segmentation done")
        if rect is not None:
            return mask, None, None
        if len(opinions) != 2:
            return mask, probability, None
        own, saliency = opinions
        second = self.second_opinion()
        if vote and second is not None:
            photo = resize_to(crop, (saliency.shape[1], saliency.shape[0]))  # the photo it was given
            saliency = mirror_averaged(self._networks.second_opinions.get(second).soft_mask, photo, saliency)
        return mask, probability, (own, saliency)

    def _network_grabcut(
        self, image: np.ndarray, progress: ProgressCallback, is_cancelled: CancelCallback
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        """GrabCut seeded by the network's confident regions, both at GrabCut's working resolution; the
        mask returns to full size once, by guided upsampling, as ``grabcut`` itself would (bringing the
        probability to 24 MP first, only for GrabCut to shrink it again, cost seconds). Also returns the
        probability and the opinions behind it (``_opinions``), at the working resolution."""
        small = downscale(image, GRABCUT_MEGAPIXELS)
        probability, opinions = self._opinions(small, wrap_progress(progress, 0.0, 0.5), is_cancelled)
        mask = grabcut_from_probability(
            small,
            grabcut_seeds(probability, *opinions),
            iterations=NETWORK_GRABCUT_ITERATIONS,
            progress=wrap_progress(progress, 0.5, 0.9),
            is_cancelled=is_cancelled,
        )
        if small is image:
            return mask, probability, opinions
        progress(0.9, "Bringing the mask to full size")
        return (guided_upsample(mask, small, image) >= 0.5).astype(np.float32), probability, opinions

    def subject_probability(
        self,
        image: np.ndarray,
        *,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """The segmentation network's subject probability (H, W) float32 in [0, 1] for ``image``: the
        photo squeezed to ``segmentation_size``², the result guided-upsampled to the photo's size, then
        combined with the second opinion when one runs (``second_opinion``)."""
        return self._opinions(image, progress, is_cancelled)[0]

    def _opinions(
        self, image: np.ndarray, progress: ProgressCallback, is_cancelled: CancelCallback
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """``subject_probability`` and the opinions behind it: the network's own probability, and the
        second opinion's saliency when one runs."""
        probability = self._network_probability(image, progress, is_cancelled)
        second = self.second_opinion()
        if second is None:
            return probability, (probability,)
        progress(1.0, f"Asking for {SECOND_OPINION_DESCRIPTIONS[second]}")
        saliency = self._networks.second_opinions.get(second).soft_mask(image)
        return combine(probability, saliency), (probability, saliency)

    def _network_probability(
        self, image: np.ndarray, progress: ProgressCallback, is_cancelled: CancelCallback
    ) -> np.ndarray:
        """The segmentation network's own probability, without a second opinion."""
        check_image("image", image)
        network = self._network("segmentation", progress)
        side = self.options.segmentation_size
        return network.predict_matte(image, size=(side, side), progress=progress, is_cancelled=is_cancelled)

    def refine(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        *,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """Refined mask (H, W) float32 in [0, 1]: two passes of the refinement network (320², then 640²)."""
        check_image("image", image)
        check_matte("mask", mask)
        check_same_size("image", image, "mask", mask)
        network = self._network("refinement", progress)
        first_side, second_side = self.options.refinement_sizes
        first = network.predict_matte(
            resize_to(image, (first_side, first_side)),
            extra=resize_to(mask, (first_side, first_side)),
            progress=wrap_progress(progress, 0.0, 0.4),
            is_cancelled=is_cancelled,
        )
        # The second pass sees the photo at 640² and the first result upsampled to 640².
        second_image = resize_to(image, (second_side, second_side))
        second = network.predict_matte(
            second_image,
            extra=resize_to(first, (second_side, second_side)),
            progress=wrap_progress(progress, 0.4, 0.9),
            is_cancelled=is_cancelled,
        )
        progress(0.9, "Bringing the refined mask to full size")
        return _to_full_size(second, second_image, image)

    def matte(
        self,
        image: np.ndarray,
        trimap: np.ndarray,
        *,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """Alpha (H, W) float32 in [0, 1] inside ``trimap``'s unknown band (classic at full size). The
        matting network (and the closed-form alpha a hint-correcting one takes) runs at
        ``matting_megapixels``; its alpha returns to full size by guided upsampling. On matting-dev
        scaled so that the working resolution is half a photo's pixels, as it is for a 1 MP photo, that
        scored SAD 4.81 / MSE 0.0168 against 4.87 / 0.0173 for closed-form at full size plus the
        network's correction brought up, in half the time."""
        method = self.matting_method()
        if method != "network":
            return estimate_alpha(image, trimap, method=method, progress=progress, is_cancelled=is_cancelled)
        check_image("image", image)
        check_trimap("trimap", trimap)
        check_same_size("image", image, "trimap", trimap)
        small = downscale(image, self.options.matting_megapixels)
        small_trimap = resize_to(trimap, (small.shape[1], small.shape[0]), nearest=True)
        small_alpha = self._matte_small(small, small_trimap, progress, is_cancelled)
        if small is image:
            return small_alpha
        return _known_from_trimap(guided_upsample(small_alpha, small, image, radius=2, epsilon=1e-5), trimap)

    def matte_with_plate(
        self,
        image: np.ndarray,
        plate: np.ndarray,
        *,
        trimap: np.ndarray | None = None,
        refine: bool = True,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """Alpha (H, W) float32 in [0, 1] from the photo and a clean plate, a shot of the same scene
        without the subject (Background Matting; ``engine.clean_plate``). No trimap is needed: the
        segmentation network's probability (when installed) tells the network where the subject is; a
        ``trimap`` given replaces it and its known pixels are kept. A plate that cannot be aligned raises
        ``PlateAlignmentError`` (an ``InvalidInputError``) saying so. ``refine`` False keeps the network's
        alpha as it is, without the plate-aware closed-form refinement (for the evaluation)."""
        check_image("image", image)
        check_image("clean plate", plate)
        if trimap is not None:
            check_trimap("trimap", trimap)
            check_same_size("image", image, "trimap", trimap)
        network = self._network("plate-matting", progress)
        segmentation = trimap
        small = downscale(image, PLATE_MEGAPIXELS)
        if segmentation is None:
            segmentation = np.full(small.shape[:2], 0.5, np.float32)  # no segmentation network: no hint
            if self._has_weights("segmentation"):
                # The network's own probability: with the second opinion the clean-plate set scores SAD
                # 3.52 against 3.48 (resources/weights/MODEL_CARD.md).
                hint_progress = wrap_progress(progress, 0.0, 0.2)
                segmentation = self._network_probability(small, hint_progress, is_cancelled)
        alpha = matte_with_plate(
            network,
            image,
            plate,
            segmentation,
            segmentation_nearest=trimap is not None,
            small=small,
            trimap=trimap,
            refine=refine,
            progress=wrap_progress(progress, 0.2, 1.0),
            is_cancelled=is_cancelled,
        )
        return alpha if trimap is None else _known_from_trimap(alpha, trimap)

    def matte_without_trimap(
        self,
        image: np.ndarray,
        *,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """Alpha (H, W) float32 in [0, 1] from the photo alone, by the learned trimap (Semantic Human
        Matting; ``engine.learned_trimap``): the T-Net's trimap, the options' matting method inside it
        (the matting network or a classic one) and the mean of its α_raw and the fusion F + U·α_raw, at
        ``matting_megapixels``."""
        return self.learned_trimap_matte(image, progress=progress, is_cancelled=is_cancelled)[0]

    def learned_trimap_matte(
        self,
        image: np.ndarray,
        *,
        mask: np.ndarray | None = None,
        opinions: Opinions | None = None,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``matte_without_trimap``'s alpha and the learned trimap (H, W) (0 / 0.5 / 1) behind it.

        The T-Net's segmentation plane is the automatic selection's mask (``segment``: the network's
        when installed, else the classic one), as binary as the degraded masks it learned from; the
        network's raw probability makes a worse trimap. ``mask`` (H, W), that mask when the caller has
        it already, spares segmenting again; ``opinions``, the two segmenters' behind it (``_segment``),
        let the transparency hint add what they outvote (``engine.transparency_hint``)."""
        check_image("image", image)
        network = self._network("trimap", progress)
        small = downscale(image, self.options.matting_megapixels)
        segmentation = None
        if network.in_channels == 4 and mask is not None:
            check_same_size("image", image, "mask", mask)
            segmentation = resize_to(mask, (small.shape[1], small.shape[0]))
        elif network.in_channels == 4:
            segmentation, _, opinions = self._segment(
                small,
                None,
                wrap_progress(progress, 0.0, 0.2),
                is_cancelled,
                vote=self.transparency_hint() is not None,
            )

        method = self.matting_method()

        def raw_alpha(photo: np.ndarray, trimap: np.ndarray, soft: np.ndarray) -> np.ndarray:
            if method == "network":
                return self._network_alpha(photo, trimap, soft, no_progress, is_cancelled)
            return estimate_alpha(photo, trimap, method=method, is_cancelled=is_cancelled)

        hint = self.transparency_hint()
        return matte_from_photo(
            network,
            image,
            segmentation,
            raw_alpha,
            megapixels=self.options.matting_megapixels,
            transparency=None if hint is None else self._networks.transparency_hints.get(hint).soft_alpha,
            opinions=opinions,
            progress=wrap_progress(progress, 0.2, 1.0),
            is_cancelled=is_cancelled,
        )

    def cut_out_with_plate(
        self,
        image: np.ndarray,
        plate: np.ndarray,
        *,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> Cutout:
        """The cut-out of ``image``'s subject by clean-plate matting (``matte_with_plate``): the mask is
        α ≥ 0.5, the trimap's unknown band α's fractional pixels, the colours decontaminated as usual."""
        alpha = self.matte_with_plate(
            image, plate, progress=wrap_progress(progress, 0.0, 0.8), is_cancelled=is_cancelled
        )
        shell = cutout_from_alpha(image, alpha)
        result = finish_cutout(
            image,
            shell.mask,
            shell.trimap,
            alpha,
            decontaminate=self.options.decontaminate,
            progress=progress,
            is_cancelled=is_cancelled,
        )
        return dataclasses.replace(result, method=PLATE_DESCRIPTION)

    def cut_out(
        self,
        image: np.ndarray,
        *,
        rect: Rect | None = None,
        mask: np.ndarray | None = None,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> Cutout:
        """The cut-out of ``image``'s subject; its ``mask`` is the refined mask when refinement runs.

        ``mask`` skips segmentation (refinement still runs when chosen). The cut-out's ``method`` says
        which methods ran (``describe_cutout``).
        """
        result = self._cut_out(image, rect, mask, progress, is_cancelled)
        return dataclasses.replace(
            result, method=self.describe_cutout(rect=rect, mask_given=mask is not None)
        )

    def _cut_out(
        self,
        image: np.ndarray,
        rect: Rect | None,
        mask: np.ndarray | None,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> Cutout:
        options = self.options
        classic = options.classic_options()
        network_segmentation = mask is None and self.segmentation_method(rect=rect) in NETWORK_SEGMENTATION
        learned_trimap = self._uses_learned_trimap(rect=rect, mask_given=mask is not None)
        network_matting = self.matting_method() == "network"
        if not (network_segmentation or learned_trimap or network_matting or options.refinement == "network"):
            return cut_out(
                image, options=classic, rect=rect, mask=mask, progress=progress, is_cancelled=is_cancelled
            )
        check_image("image", image)
        self.check_networks(_CUTOUT_NETWORKS)
        probability = opinions = None  # The network's, kept for the uncertainty map and the trimap.
        if mask is None:
            mask, probability, opinions = self._segment(
                image,
                rect,
                wrap_progress(progress, 0.0, 0.3),
                is_cancelled,
                vote=learned_trimap and self.transparency_hint() is not None,
            )
        raise_if_cancelled(is_cancelled)
        if options.refinement == "network":
            mask = self.refine(
                image, mask, progress=wrap_progress(progress, 0.3, 0.4), is_cancelled=is_cancelled
            )
        if learned_trimap:
            alpha, trimap = self.learned_trimap_matte(
                image,
                mask=mask,
                opinions=opinions,
                progress=wrap_progress(progress, 0.4, 0.8),
                is_cancelled=is_cancelled,
            )
        elif not network_matting:
            return cut_out(
                image,
                options=classic,
                mask=mask,
                probability=probability,
                progress=wrap_progress(progress, 0.4, 1.0),
                is_cancelled=is_cancelled,
            )
        else:
            trimap, alpha = self._matte_from_mask(
                image, mask, wrap_progress(progress, 0.4, 0.8), is_cancelled
            )
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

    def composite(
        self,
        foreground_photo: np.ndarray,
        background: np.ndarray,
        cutout: Cutout,
        *,
        placement: Placement | None = None,
        progress: ProgressCallback = no_progress,
        is_cancelled: CancelCallback = never_cancelled,
    ) -> np.ndarray:
        """The composite (background's size) of ``cutout``'s subject placed on ``background``.

        Every method starts from the cut-out's colours (decontaminated unless the options turned that
        off) and alpha: classic methods blend them; fusion feeds them with the background to the network,
        which corrects the blend where it shows seams or leftover colour of the old background.
        ``foreground_photo`` is checked against the alpha's size.
        """
        method = self.options.compositing
        if method != "fusion":
            return composite(
                cutout.foreground,
                cutout.alpha,
                background,
                method=method,
                placement=placement,
                progress=progress,
                is_cancelled=is_cancelled,
            )
        check_image("foreground photo", foreground_photo)
        check_image("background", background)
        check_same_size("foreground photo", foreground_photo, "alpha", cutout.alpha)
        network = self._network("fusion", progress)
        placement = placement or default_placement(foreground_photo.shape, background.shape, cutout.alpha)
        progress(0.05, "Placing the subject")
        placed = place(cutout.foreground, placement, background.shape)
        alpha = np.clip(place(cutout.alpha, placement, background.shape), 0.0, 1.0)
        # A network with photo_input also sees the photo itself: the old background's colours at the edge.
        sees_photo = network.in_channels == PHOTO_INPUT_PLANES
        photo = place(foreground_photo, placement, background.shape) if sees_photo else None
        raise_if_cancelled(is_cancelled)
        result = self._fuse(
            network, (placed, alpha, background, photo), wrap_progress(progress, 0.1, 0.9), is_cancelled
        )
        progress(1.0, "Composite done")
        return result

    def _fuse(
        self,
        network: Predictor,
        planes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None],
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> np.ndarray:
        """``planes``: the placed foreground colours, alpha, background and (for a network with
        ``photo_input``) the placed photo, all of the background's size. The network's correction of
        the alpha blend loses its part towards the photo (``_not_towards``)."""
        foreground, alpha, background, photo = planes
        height, width = background.shape[:2]
        scale = min(1.0, self.options.fusion_size / max(height, width))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        arrays = [foreground, alpha, background] + ([] if photo is None else [photo])
        small = [resize_to(array, size) for array in arrays]
        # The fusion networks take one (1, 7, H, W) tensor: foreground RGB, its mask, background RGB (and
        # the photo's RGB: 10 planes).
        stacked = torch.cat([image_to_tensor(array) for array in small], dim=1)
        fused = tensor_to_image(network.run([stacked], progress=progress, is_cancelled=is_cancelled))
        blend = blend_alpha(*small[:3])
        correction = fused - blend
        if photo is not None:
            correction = _not_towards(correction, small[3] - blend)
        if size == (width, height):
            return np.clip(blend + correction, 0.0, 1.0)
        # The full-size alpha blend is added strip by strip into the upsampled correction: one full-size
        # array instead of three (at 24 MP each costs 288 MB of fresh pages).
        result = resize_to(correction, (width, height), unit_range=False)
        for top in range(0, height, _STRIP_ROWS):
            rows = slice(top, top + _STRIP_ROWS)
            result[rows] += blend_alpha(foreground[rows], alpha[rows], background[rows])
        return np.clip(result, 0.0, 1.0, out=result)

    def _matte_from_mask(
        self, image: np.ndarray, mask: np.ndarray, progress: ProgressCallback, is_cancelled: CancelCallback
    ) -> tuple[np.ndarray, np.ndarray]:
        # As classic.pipeline._matte: the trimap is drawn at the working resolution.
        small = downscale(image, self.options.matting_megapixels)
        size = (small.shape[1], small.shape[0])
        band = band_width(small.shape, band_fraction=self.options.band_fraction)
        small_trimap = trimap_from_mask(resize_to(mask, size), band=band)
        small_alpha = self._matte_small(small, small_trimap, progress, is_cancelled)
        if small is image:
            return small_trimap, small_alpha
        alpha = guided_upsample(small_alpha, small, image, radius=2, epsilon=1e-5)
        trimap = resize_to(small_trimap, (image.shape[1], image.shape[0]), nearest=True)
        return trimap, _known_from_trimap(alpha, trimap)

    def _matte_small(
        self,
        image: np.ndarray,
        trimap: np.ndarray,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> np.ndarray:
        alpha = self._network_alpha(image, trimap, trimap, progress, is_cancelled)
        return _known_from_trimap(alpha, trimap)

    def _network_alpha(
        self,
        image: np.ndarray,
        trimap: np.ndarray,
        plane: np.ndarray,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> np.ndarray:
        """The matting network's alpha for the whole of ``image`` given ``plane`` as its trimap input (the
        trimap itself, or the learned trimap's soft one) and, for a network that corrects closed-form
        matting, closed-form matting's alpha in ``trimap``."""
        network = self._network("matting", progress)
        extra = [plane]
        if network.in_channels == 5:  # a matting network that corrects closed-form matting's alpha
            extra.append(estimate_alpha(image, trimap, method="closed-form", is_cancelled=is_cancelled))
        return network.predict_matte(
            image,
            extra=extra,
            extra_nearest=True,
            tile=self._matting_tile(image),
            progress=progress,
            is_cancelled=is_cancelled,
        )

    def _matting_tile(self, image: np.ndarray) -> int | None:
        """None (one pass) up to four tiles' pixels, tiles above (a working resolution set high, where
        one pass could exhaust the memory). A 0.5 MP photo in 512-pixel tiles with their overlap runs as
        four, twice its pixels: one pass takes 0.50 s against 0.82 s (1 MP benchmark input)."""
        tile = self.options.tiling.tile
        return None if image.shape[0] * image.shape[1] <= 4 * tile * tile else tile

    def _has_weights(self, kind: str) -> bool:
        return installed_weights(kind, folder=self.options.weights_folder) is not None

    def _weights(self, kind: str) -> Path:
        return installed_network(kind, self.options.weights_folder)

    def _network(self, kind: str, progress: ProgressCallback) -> Predictor:
        path = self._weights(kind)
        progress(0.0, f"Loading the {kind} network")
        return self._networks.get(kind, path, device=self.options.device, tiling=self.options.tiling)


def _not_towards(correction: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """``correction`` (H, W, 3) without its part along ``towards`` (the photo minus the alpha blend) where
    it points that way: the fusion network may take colour off the decontaminated blend, never put the
    photo's back, which at the edge is the old background's (on the compositing dev set the network
    left more of the old background than the blend on all eight photos; with this, less on six, and
    its band PSNR rose by 0.01 dB: resources/weights/MODEL_CARD.md)."""
    along = np.einsum("hwc,hwc->hw", correction, towards)[..., None]
    length = np.einsum("hwc,hwc->hw", towards, towards)[..., None]
    share = np.divide(along, length, out=np.zeros_like(along), where=(along > 0) & (length > 0))
    return (correction - share * towards).astype(np.float32)


def _known_from_trimap(alpha: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """The trimap's definite pixels are known: only its unknown band keeps the network's alpha."""
    return np.where(trimap == 0.5, alpha, trimap).astype(np.float32)


def _to_full_size(matte: np.ndarray, guide: np.ndarray, image: np.ndarray) -> np.ndarray:
    """``matte`` at ``guide``'s size → ``image``'s size: guided upsampling up, area averaging down."""
    if matte.shape == image.shape[:2]:
        return matte
    if matte.size >= image.shape[0] * image.shape[1]:
        return resize_to(matte, (image.shape[1], image.shape[0]))
    return guided_upsample(matte, guide, image, radius=2, epsilon=1e-4)


def _resolve_teacher(chosen: str, default: str, teachers: Teachers[Any]) -> str | None:
    """A teacher option resolved: ``none`` None, ``auto`` ``default`` where it can run (else None), a
    name itself."""
    if chosen == "none":
        return None
    if chosen == "auto":
        return default if teachers.available(default) else None
    return chosen


def _window(rect: Rect | None, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """The rows and columns of ``rect`` clipped to the image (the whole image for None)."""
    height, width = shape[:2]
    if rect is None:
        return slice(0, height), slice(0, width)
    left, top = max(0, rect.x), max(0, rect.y)
    right, bottom = min(width, rect.x + rect.width), min(height, rect.y + rect.height)
    if right <= left or bottom <= top:
        raise InvalidInputError(f"the rectangle {rect} lies outside the {width}×{height} photo")
    return slice(top, bottom), slice(left, right)


def cutout_from_alpha(foreground: np.ndarray, alpha: np.ndarray) -> Cutout:
    """A Cutout for an alpha known already: mask α ≥ 0.5, trimap 0 / 0.5 / 1 from where α is fractional."""
    check_image("foreground", foreground)
    check_matte("alpha", alpha)
    mask = (alpha >= 0.5).astype(np.float32)
    trimap = np.where((alpha > 0) & (alpha < 1), np.float32(0.5), np.round(alpha)).astype(np.float32)
    return Cutout(mask=mask, trimap=trimap, alpha=alpha, foreground=foreground)
