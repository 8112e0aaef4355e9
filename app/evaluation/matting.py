"""The matting task: ``image/``, ``trimap/`` (or another trimap folder) and ``alpha/``; SAD, MSE,
gradient and connectivity errors over the trimap's unknown pixels; the trimap-dilation robustness curve
of Deep Image Matting (Xu et al. 2017)."""

from __future__ import annotations

import cv2
import numpy as np

from app.evaluation.datasets import Sample
from app.evaluation.task import Inputs, Metric, Predict, Task, synthetic_disc
from classic.checks import check_same_size
from classic.imageio import read_image, read_matte, read_trimap
from classic.matting import estimate_alpha
from classic.metrics import connectivity_error, gradient_error, mse, sad
from engine.pipeline import Pipeline, PipelineOptions

METHODS = {
    "closed-form": "closed-form matting (Levin et al. 2008) through pymatting",
    "knn": "KNN matting (Chen et al. 2013) through pymatting",
    "bayesian": "Bayesian matting (Chuang et al. 2001), classic/bayesian.py",
    "network": "the trained matting network through engine.pipeline (needs its installed weights)",
}
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
    return {"image": image, "trimap": trimap, "alpha": alpha}


def predictor(method: str) -> Predict:
    if method == "network":
        pipeline = Pipeline(PipelineOptions(matting="network"))
        pipeline.check_networks()  # without installed weights: the refusal, before any work
        return lambda inputs: pipeline.matte(inputs["image"], inputs["trimap"])

    def predict(inputs: Inputs) -> np.ndarray:
        return estimate_alpha(inputs["image"], inputs["trimap"], method=method)

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
    image, alpha = synthetic_disc()
    return {"image": image, "trimap": trimap_from_truth(alpha, 2), "alpha": alpha}


def task(trimaps: str = "trimap") -> Task:
    """The matting task reading its trimaps from the folder ``trimaps``."""
    return Task(
        name="matting",
        folders={"image": "image", "trimap": trimaps, "alpha": "alpha"},
        optional={},
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
    )
