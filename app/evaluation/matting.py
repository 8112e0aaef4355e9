"""The matting task: ``image/``, ``trimap/`` (or another trimap folder) and ``alpha/``, and ``plate/``
(clean plates, ``main.py make-plate-set``) where the set has one; SAD, MSE, gradient and connectivity
errors over the trimap's unknown pixels; the trimap-dilation robustness curve of Deep Image Matting (Xu et
al. 2017).

The methods in ``TRIMAP_FREE`` are not given the trimap (clean-plate matting, the learned trimap, the
automatic selection's mask band): they are still scored over the benchmark trimap's unknown pixels, and the
robustness curve leaves them out, as varying a trimap they never see would only move the scored region.
"""

from __future__ import annotations

import cv2
import numpy as np

from app.evaluation.datasets import Sample
from app.evaluation.task import Inputs, Metric, Predict, Task, synthetic_disc
from classic.checks import check_same_size
from classic.imageio import read_image, read_matte, read_trimap
from classic.matting import estimate_alpha
from classic.metrics import connectivity_error, gradient_error, mse, sad
from engine.networks import installed_network
from engine.pipeline import Pipeline, PipelineOptions

METHODS = {
    "closed-form": "closed-form matting (Levin et al. 2008) through pymatting",
    "knn": "KNN matting (Chen et al. 2013) through pymatting",
    "bayesian": "Bayesian matting (Chuang et al. 2001), classic/bayesian.py",
    "network": "the trained matting network through engine.pipeline (needs its installed weights)",
    "clean-plate": "no trimap: the photo and its clean plate (plate/) through the clean-plate matting "
    "network (Background Matting, Sengupta et al. 2020) and the plate-aware closed-form refinement "
    "(Pipeline.matte_with_plate)",
    "clean-plate-network": "as clean-plate, the network's alpha alone (no refinement)",
    "clean-plate-trimap": "as clean-plate, given the trimap: it replaces the segmentation hint, bounds "
    "the refinement and its known pixels are kept",
    "clean-plate-trimap-network": "as clean-plate-trimap, the network's alpha alone (no refinement)",
    "learned-trimap": "no trimap: the trimap network's trimap, the default matting inside it (the matting "
    "network when installed), its alpha averaged with the fusion of Semantic Human Matting (Chen et al. "
    "2018; Pipeline.matte_without_trimap)",
    "learned-trimap-network": "as learned-trimap, the matting network (SHM's M-Net) inside it, given the "
    "T-Net's soft trimap (as the end-to-end training stage)",
    "learned-trimap-closed-form": "as learned-trimap, closed-form matting inside it (the classic path)",
    "closed-form-auto": "no trimap: closed-form matting inside the band around the automatic "
    "selection's mask (Pipeline(trimap='mask').cut_out(image).trimap: the automatic cut-out's trimap "
    "before the learned trimap became its default), the baseline the learned trimap must beat",
}
LEARNED_TRIMAP = {  # method: the matting inside the learned trimap
    "learned-trimap": "auto",
    "learned-trimap-network": "network",
    "learned-trimap-closed-form": "closed-form",
}
TRIMAP_FREE = frozenset({"clean-plate", "clean-plate-network", "closed-form-auto", *LEARNED_TRIMAP})
PLATE_METHODS = ("clean-plate", "clean-plate-network", "clean-plate-trimap", "clean-plate-trimap-network")
METRICS = (
    Metric("sad", "SAD", higher_is_better=False, digits=2),
    Metric("mse", "MSE", higher_is_better=False, digits=5),
    Metric("grad", "Grad", higher_is_better=False, digits=2),
    Metric("conn", "Conn", higher_is_better=False, digits=2),
)
DILATIONS = (1, 4, 7, 10, 13, 16, 19)
DEFINITION = (
    "Only the trimap's unknown pixels count; alpha in [0, 1]. SAD = Σ|α − α_gt| / 1000. MSE = mean "
    "(α − α_gt)². Grad = Σ(|∇α| − |∇α_gt|)² / 1000 with the benchmark's 9×9 derivative-of-Gaussian "
    "kernels (σ = 1.4, unit L2 norm, replicated borders). Conn = Σ|φ − φ_gt| / 1000, φ = 1 − d·[d ≥ 0.15], "
    "d = α minus the last threshold (0, 0.1, …, 1) at which the pixel is in the largest 4-connected "
    "component of (α ≥ t) ∧ (α_gt ≥ t). As in Deep Image Matting's MATLAB code (see classic/metrics.py)."
)


def load(sample: Sample) -> Inputs:
    image = read_image(sample.files["image"]).rgb
    trimap = read_trimap(sample.files["trimap"])
    alpha = read_matte(sample.files["alpha"])
    check_same_size(f"{sample.name}: image", image, "trimap", trimap)
    check_same_size(f"{sample.name}: image", image, "ground-truth alpha", alpha)
    inputs = {"image": image, "trimap": trimap, "alpha": alpha}
    if "plate" in sample.files:  # a photo like the image; its alignment refuses another framing
        inputs["plate"] = read_image(sample.files["plate"]).rgb
    return inputs


def predictor(method: str) -> Predict:
    if method == "network":
        pipeline = Pipeline(PipelineOptions(matting="network"))
        pipeline.check_networks()  # without installed weights: the refusal, before any work
        return lambda inputs: pipeline.matte(inputs["image"], inputs["trimap"])
    if method in PLATE_METHODS:
        return _clean_plate(with_trimap="trimap" in method, refine=not method.endswith("network"))
    if method in LEARNED_TRIMAP:
        pipeline = Pipeline(PipelineOptions(matting=LEARNED_TRIMAP[method]))
        installed_network("trimap", pipeline.options.weights_folder)  # the refusal, before any work
        pipeline.check_networks()
        return lambda inputs: pipeline.matte_without_trimap(inputs["image"])
    if method == "closed-form-auto":
        return _closed_form_auto()

    def predict(inputs: Inputs) -> np.ndarray:
        return estimate_alpha(inputs["image"], inputs["trimap"], method=method)

    return predict


def _clean_plate(*, with_trimap: bool, refine: bool) -> Predict:
    pipeline = Pipeline()
    installed_network("plate-matting", pipeline.options.weights_folder)  # the refusal, before any work

    def predict(inputs: Inputs) -> np.ndarray:
        trimap = inputs["trimap"] if with_trimap else None
        return pipeline.matte_with_plate(inputs["image"], inputs["plate"], trimap=trimap, refine=refine)

    return predict


def _closed_form_auto() -> Predict:
    # The user's defaults, but the mask's band (the cut-out's own alpha is not used).
    pipeline = Pipeline(PipelineOptions(trimap="mask", matting="closed-form"))
    pipeline.check_networks()

    def predict(inputs: Inputs) -> np.ndarray:
        trimap = pipeline.cut_out(inputs["image"]).trimap
        return estimate_alpha(inputs["image"], trimap, method="closed-form")

    return predict


def score(alpha: np.ndarray, inputs: Inputs) -> dict[str, float]:
    truth, trimap = inputs["alpha"], inputs["trimap"]
    return {
        "sad": sad(alpha, truth, trimap),
        "mse": mse(alpha, truth, trimap),
        "grad": gradient_error(alpha, truth, trimap),
        "conn": connectivity_error(alpha, truth, trimap),
    }


def trimap_from_truth(alpha: np.ndarray, dilation: int) -> np.ndarray:
    """Deep Image Matting's test trimap: the pixels where the ground-truth alpha is fractional, grown by
    ``dilation`` pixels (Euclidean), are unknown; the rest is foreground where α = 1, background where 0."""
    fractional = (alpha > 0.0) & (alpha < 1.0)
    distance = cv2.distanceTransform((~fractional).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    unknown = distance <= dilation if fractional.any() else fractional
    trimap = np.where(alpha >= 1.0, 1.0, 0.0).astype(np.float32)
    trimap[unknown] = 0.5
    return trimap


def with_dilated_trimap(inputs: Inputs, dilation: int) -> Inputs:
    return {**inputs, "trimap": trimap_from_truth(inputs["alpha"], dilation)}


def warm_up_inputs() -> Inputs:
    """The synthetic disc over a textured ground, and that ground as its clean plate (a flat one gives
    the plate's alignment nothing to lock onto)."""
    disc, alpha = synthetic_disc()
    noise = cv2.GaussianBlur(
        np.random.default_rng(0).normal(0.0, 1.0, disc.shape).astype(np.float32), (0, 0), 2
    )
    ground = np.clip(0.5 + 0.15 * noise / noise.std(), 0.05, 0.95)
    weight = alpha[:, :, None]
    image = (weight * disc + (1 - weight) * ground).astype(np.float32)
    return {"image": image, "trimap": trimap_from_truth(alpha, 2), "alpha": alpha, "plate": ground}


def task(trimaps: str = "trimap") -> Task:
    """The matting task reading its trimaps from the folder ``trimaps``."""
    return Task(
        name="matting",
        folders={"image": "image", "trimap": trimaps, "alpha": "alpha"},
        methods=METHODS,
        metrics=METRICS,
        input_role="image",
        truth_role="alpha",
        load=load,
        predictor=predictor,
        score=score,
        warm_up_inputs=warm_up_inputs,
        definition=DEFINITION,
        vary=with_dilated_trimap,
        optional={"plate": "plate"},
        requires={method: "plate" for method in PLATE_METHODS},
        unvaried=TRIMAP_FREE,
    )
