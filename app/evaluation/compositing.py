"""The compositing task: ``fg/`` (the photo: the subject over its old background), ``bg/`` (the new
background), ``gt/`` (the subject over the new background), ``trimap/`` and ``alpha/`` (the true alpha);
PSNR over the whole image and over the boundary band (the trimap's unknown region grown by 7 px), and
how much of the old background's colour the composite keeps on the subject's side of that band.

Every classic method cuts the subject out with closed-form matting from the given trimap, then blends
it; ``alpha`` also decontaminates the foreground colours first, the others paste the photo's colours.
The ``automatic`` methods ignore the trimap: they run the whole pipeline from the two photos, as a user
does (``AUTOMATIC_METHODS``; ``main.py evaluate compositing --automatic`` runs them beside ``alpha``).
"""

from __future__ import annotations

import numpy as np

from app.evaluation.datasets import Sample
from app.evaluation.task import Inputs, Metric, Predict, Task, synthetic_disc
from classic.checks import InvalidInputError, check_same_size
from classic.compositing import composite
from classic.foreground import estimate_foreground
from classic.imageio import read_image, read_matte, read_trimap
from classic.matting import estimate_alpha
from classic.metrics import BAND_DILATION, old_background_left, psnr, psnr_in_band
from engine.pipeline import SEGMENTATION_DESCRIPTIONS, Pipeline, PipelineOptions, cutout_from_alpha
from engine.teacher import load_teacher

_CUT_OUT = "closed-form α from the trimap"
METHODS = {
    "copy": f"{_CUT_OUT}, then copy-paste of the pixels with α ≥ 0.5",
    "alpha": f"{_CUT_OUT}, foreground colours decontaminated (estimate_foreground), then αF + (1 − α)B",
    "feather": f"{_CUT_OUT}, alpha feathered (Gaussian), then alpha blending of the photo's colours",
    "laplacian": f"{_CUT_OUT}, then Laplacian-pyramid blending (Burt & Adelson 1983)",
    "poisson": f"{_CUT_OUT}, then Poisson blending of the pixels with α ≥ 0.5 (cv2.seamlessClone)",
    "fusion": f"{_CUT_OUT}, colours decontaminated as for alpha, then the trained fusion network",
}
AUTOMATIC_METHODS = {
    "automatic": "no trimap: the whole pipeline from the two photos with the defaults a user gets "
    "(engine.pipeline: segmentation 'auto', trimap 'auto', matting 'auto', decontaminated alpha blend)",
    "automatic-closed-form": "no trimap: as automatic, closed-form matting in place of the matting network "
    "(the classic-matting path)",
    "automatic-network": "no trimap: as automatic, segmentation by the segmentation network",
    "automatic-network-grabcut": "no trimap: as automatic, GrabCut seeded by the segmentation network",
    "automatic-network-refined": "no trimap: as automatic, the segmentation network's mask refined by the "
    "refinement network (320², then 640²)",
    "automatic-saliency": "no trimap: as automatic, with the classic saliency-seeded GrabCut",
    "automatic-learned-trimap": "no trimap: as automatic, the trimap from the T-Net (Semantic Human "
    "Matting), the alpha inside it the mean of α_raw and the fusion F + U·α_raw",
    "automatic-mask-trimap": "no trimap: as automatic, the trimap the mask's edge band in place of the "
    "T-Net's",
    "automatic-matting-network": "no trimap: as automatic, the matting network (correcting closed-form "
    "matting's alpha) inside the trimap, even where 'auto' would not choose it",
    "automatic-fusion": "no trimap: as automatic, composited by the fusion network instead of the alpha "
    "blend",
    "automatic-u2netp": "no trimap, reference (rembg-style): U²-Net-p mask → trimap → closed-form α → "
    "foreground estimation → alpha blend",
}
METHODS |= AUTOMATIC_METHODS
METRICS = (
    Metric("psnr_band", "PSNR band (dB)", higher_is_better=True, digits=2),
    Metric("psnr", "PSNR (dB)", higher_is_better=True, digits=2),
    Metric("old_background", "old background left (%)", higher_is_better=False, digits=1),
)
DEFINITION = (
    "PSNR = 10·log10(1 / MSE) over all pixels and the three channels, values in [0, 1]; the band "
    f"variant only over the trimap's unknown region dilated by {BAND_DILATION} px (Euclidean). Old "
    "background left: the composite's error projected on photo − truth = (1 − α)(B_old − B_new), "
    "100·Σ⟨composite − truth, photo − truth⟩ / Σ|photo − truth|², over the band's pixels where the true α ≥ "
    "0.5, the subject's side of its edge, where a fringe of the old background shows (the photo's own "
    "pixels pasted score 100, the truth 0)."
)


def load(sample: Sample) -> Inputs:
    inputs = {
        "fg": read_image(sample.files["fg"]).rgb,
        "bg": read_image(sample.files["bg"]).rgb,
        "gt": read_image(sample.files["gt"]).rgb,
        "trimap": read_trimap(sample.files["trimap"]),
        "alpha": read_matte(sample.files["alpha"]),
    }
    for role in ("bg", "gt", "trimap", "alpha"):
        check_same_size(f"{sample.name}: fg", inputs["fg"], role, inputs[role])
    return inputs


def predictor(method: str) -> Predict:
    if method == "fusion":
        return _fusion()
    if method in AUTOMATIC_METHODS:
        chosen = method.removeprefix("automatic").removeprefix("-") or "auto"
        if chosen in ("learned-trimap", "mask-trimap"):
            return _automatic("auto", trimap=chosen.removesuffix("-trimap"))
        if chosen in ("matting-network", "closed-form"):
            return _automatic("auto", matting=chosen.removeprefix("matting-"))
        if chosen == "fusion":
            return _automatic("auto", compositing="fusion")
        return _automatic(chosen.removesuffix("-refined"), refined=chosen.endswith("-refined"))

    def predict(inputs: Inputs) -> np.ndarray:
        photo = inputs["fg"]
        alpha = estimate_alpha(photo, inputs["trimap"], method="closed-form")
        colours = estimate_foreground(photo, alpha) if method == "alpha" else photo
        return composite(colours, alpha, inputs["bg"], method=method)

    return predict


def _fusion() -> Predict:
    pipeline = Pipeline(PipelineOptions(compositing="fusion"))
    pipeline.check_networks()  # without installed weights: the refusal, before any work

    def predict(inputs: Inputs) -> np.ndarray:
        # As the alpha method: closed-form alpha and decontaminated colours, then the network blends.
        photo = inputs["fg"]
        alpha = estimate_alpha(photo, inputs["trimap"], method="closed-form")
        cutout = cutout_from_alpha(estimate_foreground(photo, alpha), alpha)
        return pipeline.composite(photo, inputs["bg"], cutout)

    return predict


def _automatic(
    segmentation: str,
    *,
    refined: bool = False,
    trimap: str = "auto",
    matting: str = "auto",
    compositing: str = "alpha",
) -> Predict:
    """The pipeline from the photo and the background alone; ``u2netp``: the reference pipeline, the
    U²-Net-p mask in place of the segmentation stage; ``refined``: with the refinement network;
    ``trimap``, ``matting`` and ``compositing``: the pipeline's methods."""
    teacher = load_teacher("u2netp") if segmentation == "u2netp" else None  # absent: refused now
    options = PipelineOptions(
        segmentation="auto" if teacher else segmentation,
        refinement="network" if refined else "none",
        trimap=trimap,
        matting=matting,
        compositing=compositing,
    )
    pipeline = Pipeline(options)
    pipeline.check_networks()

    def predict(inputs: Inputs) -> np.ndarray:
        photo = inputs["fg"]
        mask = None if teacher is None else (teacher.soft_mask(photo) >= 0.5).astype(np.float32)
        return pipeline.composite(photo, inputs["bg"], pipeline.cut_out(photo, mask=mask))

    return predict


def reference_available() -> bool:
    """Whether the U²-Net-p reference can run here (its weights and onnxruntime installed)."""
    try:
        load_teacher("u2netp")
    except InvalidInputError:
        return False
    return True


def score(image: np.ndarray, inputs: Inputs) -> dict[str, float]:
    return {
        "psnr_band": psnr_in_band(image, inputs["gt"], inputs["trimap"]),
        "psnr": psnr(image, inputs["gt"]),
        "old_background": old_background_left(
            image, inputs["gt"], inputs["fg"], inputs["alpha"], inputs["trimap"]
        ),
    }


def warm_up_inputs() -> Inputs:
    image, alpha = synthetic_disc()
    trimap = np.where(alpha >= 1.0, 1.0, np.where(alpha <= 0.0, 0.0, 0.5)).astype(np.float32)
    background = np.full_like(image, 0.5)
    return {"fg": image, "bg": background, "gt": image, "trimap": trimap, "alpha": alpha}


def task(trimaps: str = "trimap") -> Task:
    """The compositing task reading its trimaps from the folder ``trimaps``."""
    resolved = SEGMENTATION_DESCRIPTIONS[Pipeline().segmentation_method()]
    return Task(
        name="compositing",
        folders={"fg": "fg", "bg": "bg", "gt": "gt", "trimap": trimaps, "alpha": "alpha"},
        optional={},
        methods={**METHODS, "automatic": f"{METHODS['automatic']}; here the segmentation is {resolved}"},
        metrics=METRICS,
        input_role="fg",
        truth_role="gt",
        load=load,
        predictor=predictor,
        score=score,
        warm_up_inputs=warm_up_inputs,
        definition=DEFINITION,
    )
