"""The segmentation task: ``image/``, ``mask/`` (0 background, 255 subject, 128 an unlabelled band that
is not scored) and optionally ``rect/`` (the GrabCut benchmark's box: 128 inside); IoU and error rate."""

from __future__ import annotations

import numpy as np

from app.evaluation.datasets import Sample
from app.evaluation.task import Inputs, Metric, Predict, Task, synthetic_disc
from classic.checks import InvalidInputError, check_same_size
from classic.grabcut import Rect, grabcut
from classic.imageio import read_image, read_matte, read_trimap
from classic.metrics import error_rate, iou
from engine.pipeline import SEGMENTATION_DESCRIPTIONS, Pipeline, PipelineOptions
from engine.teacher import load_teacher

METHODS = {
    "auto": "the default automatic selection of the command line and the GUI (engine.pipeline's 'auto')",
    "network": "the trained segmentation network through engine.pipeline, whole photo, no box",
    "network-grabcut": "GrabCut seeded by the segmentation network's confident regions, no box",
    "network-refined": "the segmentation network, then the refinement network at 320² and 640² (Deep Image "
    "Compositing's two stages), thresholded at 0.5, no box",
    "saliency": "the classic automatic selection: saliency-seeded GrabCut (classic/saliency.py), no box",
    "grabcut": "GrabCut (Rother et al. 2004) from the benchmark's rectangle (rect/)",
    "u2netp": "reference: U²-Net-p (rembg's small model, engine.teacher) thresholded at 0.5, no box",
}
METRICS = (
    Metric("error_rate", "error rate", higher_is_better=False, digits=4),
    Metric("iou", "IoU", higher_is_better=True, digits=4),
)
DEFINITION = (
    "Pixels of the ground truth's unlabelled band (128) are ignored. Error rate = misclassified labelled "
    "pixels / labelled pixels, over the whole image (some papers count only inside the box). "
    "IoU = |mask ∩ subject| / |mask ∪ subject| over the labelled pixels; a mask is subject where ≥ 0.5."
)
_RECT_LEVEL = 128  # rect/ marks the box's inside with this grey


def load(sample: Sample) -> Inputs:
    image = read_image(sample.files["image"]).rgb
    # The truth's 0 / 128 / 255 read like a trimap's: 0 / 0.5 / 1, with 0.5 the ignored band.
    truth = read_trimap(sample.files["mask"])
    check_same_size(f"{sample.name}: image", image, "ground-truth mask", truth)
    inputs = {"image": image, "mask": truth}
    if "rect" in sample.files:
        box = np.round(read_matte(sample.files["rect"]) * 255.0) == _RECT_LEVEL
        check_same_size(f"{sample.name}: image", image, "rect image", box)
        if not box.any():
            raise InvalidInputError(f"{sample.files['rect']}: no pixel of the box (value {_RECT_LEVEL})")
        inputs["rect"] = box.astype(np.float32)
    return inputs


def rect_of(box: np.ndarray) -> Rect:
    """The bounding box of the non-zero pixels of ``box``."""
    rows, cols = np.nonzero(box)
    return Rect(int(cols.min()), int(rows.min()), int(np.ptp(cols)) + 1, int(np.ptp(rows)) + 1)


def _grabcut(inputs: Inputs) -> np.ndarray:
    if "rect" not in inputs:
        raise InvalidInputError("the grabcut method needs the set's rect/ folder (the subject's box)")
    return grabcut(inputs["image"], rect=rect_of(inputs["rect"]))


def predictor(method: str) -> Predict:
    if method == "grabcut":
        return _grabcut
    if method == "u2netp":
        teacher = load_teacher("u2netp")  # not installed: the refusal, before any work
        return lambda inputs: (teacher.soft_mask(inputs["image"]) >= 0.5).astype(np.float32)
    if method == "network-refined":
        refined = Pipeline(PipelineOptions(segmentation="network", refinement="network"))
        refined.check_networks()
        return lambda inputs: _refined(refined, inputs["image"])
    pipeline = Pipeline(PipelineOptions(segmentation=method))
    pipeline.check_networks()  # without installed weights: the refusal, before any work
    return lambda inputs: pipeline.segment(inputs["image"])


def _refined(pipeline: Pipeline, image: np.ndarray) -> np.ndarray:
    refined = pipeline.refine(image, pipeline.segment(image))
    return (refined >= 0.5).astype(np.float32)


def score(mask: np.ndarray, inputs: Inputs) -> dict[str, float]:
    return {"error_rate": error_rate(mask, inputs["mask"]), "iou": iou(mask, inputs["mask"])}


def warm_up_inputs() -> Inputs:
    image, alpha = synthetic_disc()
    box = np.zeros_like(alpha)
    box[4:-4, 4:-4] = 1.0
    return {"image": image, "mask": (alpha >= 0.5).astype(np.float32), "rect": box}


def task() -> Task:
    resolved = SEGMENTATION_DESCRIPTIONS[Pipeline().segmentation_method()]
    return Task(
        name="segmentation",
        folders={"image": "image", "mask": "mask"},
        optional={"rect": "rect"},
        methods={**METHODS, "auto": f"{METHODS['auto']}: here {resolved}"},
        metrics=METRICS,
        input_role="image",
        truth_role="mask",
        load=load,
        predictor=predictor,
        score=score,
        warm_up_inputs=warm_up_inputs,
        definition=DEFINITION,
    )
