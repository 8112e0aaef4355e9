"""Whether GrabCut's two colour models can tell the subject from the background at all.

OpenCV's GrabCut keeps a 5-component Gaussian mixture per side in a (1, 65) float64 array: the 5 weights,
the 5 means (3 values each) and the 5 covariances (9 values each), in the colour order of the image it
was given. The min-cut's data term for a pixel x is the log-likelihood ratio
``log p_fg(x) − log p_bg(x)``. When the two mixtures are (nearly) the same — a flat photo, or a periodic
texture that fills the subject's and the background's regions alike — that ratio is close to zero
everywhere, the cut is decided by differences of a few thousandths, and OpenCV's max-flow then pushes
flow along millions of tiny augmenting paths: minutes for a 0.07 MP photo. The colours carry no
evidence in that case, so GrabCut has nothing to learn from them and the caller stops instead.
"""

from __future__ import annotations

import numpy as np

COMPONENTS = 5
# A pixel is evidence when one model finds its colour at least e (≈2.7) times likelier than the other.
EVIDENCE_NATS = 1.0
# On photos at least a third of the undecided pixels are evidence; on flat or periodic ones none are.
MIN_EVIDENCE_FRACTION = 0.01
MAX_SAMPLES = 20_000


def log_likelihood(model: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """log p(x) (up to the constant −1.5 log 2π) of ``colours`` (N, 3) under an OpenCV GMM ``model``."""
    values = np.asarray(model, np.float64).ravel()
    weights = values[:COMPONENTS]
    means = values[COMPONENTS : 4 * COMPONENTS].reshape(COMPONENTS, 3)
    covariances = values[4 * COMPONENTS :].reshape(COMPONENTS, 3, 3)
    terms = []
    for weight, mean, covariance in zip(weights, means, covariances, strict=True):
        sign, log_det = np.linalg.slogdet(covariance)
        if weight <= 0 or sign <= 0:
            continue  # An empty component, or one OpenCV could not regularise: it explains nothing.
        offset = colours - mean
        mahalanobis = np.einsum("ni,ij,nj->n", offset, np.linalg.inv(covariance), offset)
        terms.append(np.log(weight) - 0.5 * log_det - 0.5 * mahalanobis)
    if not terms:
        return np.full(len(colours), -np.inf)
    stacked = np.stack(terms)
    peak = stacked.max(axis=0)
    return peak + np.log(np.exp(stacked - peak).sum(axis=0))


def models_separate(colours: np.ndarray, background_model: np.ndarray, foreground_model: np.ndarray) -> bool:
    """True when the two models disagree clearly about at least 1 % of ``colours`` (N, 3), float64.

    ``colours`` are the pixels GrabCut may still relabel, in the models' colour order; at most
    ``MAX_SAMPLES`` of them, evenly spaced, are scored.
    """
    if len(colours) == 0:
        return False
    step = max(1, len(colours) // MAX_SAMPLES)
    sample = np.asarray(colours[::step], np.float64)
    ratio = log_likelihood(foreground_model, sample) - log_likelihood(background_model, sample)
    evidence = np.abs(np.nan_to_num(ratio, nan=0.0, posinf=1e9, neginf=-1e9)) >= EVIDENCE_NATS
    return bool(np.count_nonzero(evidence) >= MIN_EVIDENCE_FRACTION * len(sample))
