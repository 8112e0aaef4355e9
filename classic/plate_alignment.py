"""Aligning a clean plate to the photo, for clean-plate matting.

A clean plate is a second shot of the scene without the subject, taken from the same tripod (Background
Matting, Sengupta et al., CVPR 2020). The tripod still moves a little between the shots and the camera
may re-meter, so ``align_plate`` undoes a global homography and an exposure change before the plate is
used as the known background:

1. Both images are reduced to a long side of ``WORKING_SIDE``. Three warps are tried as the start: no
   motion (a tripod), a rotation, scale and shift from SIFT matches and RANSAC, and the shift phase
   correlation (Kuglin & Hines 1975) finds; the one under which the plate agrees with the most pixels
   wins (a large subject of strong contrast can pull phase correlation far off, and a plain backdrop
   leaves the features nothing to match).
2. The exposure is fitted per channel, photo ≈ gain · plate^gamma, by least squares in log
   space over the pixels that agree best (the subject is absent from the plate, so its pixels are
   outliers and are trimmed; see ``fit_exposure``). The pixels where the exposure-matched plate and the
   photo still disagree (the subject, whatever else moved) are masked out, and the enhanced correlation
   coefficient (ECC, Evangelidis & Psarakis, PAMI 2008) refines the warp on the background alone,
   against the exposure-matched plate: ECC compares zero-mean, normalised intensities and is blind to
   gain, and the fit removes the gamma it cannot model. The refined warp is kept only if it agrees with
   at least as many pixels as its start (ECC gives up on a plain backdrop).
3. The warp is scaled to full resolution, the plate is warped onto the photo's grid (the border the
   plate does not cover repeats the plate's edge pixels, the nearest covered ones) and exposure-matched.

The warp is affine, returned as a 3×3 homography: on the synthetic tests ECC's homography drifted by up
to 0.9 px at the frame's corners where the affine model stayed within 0.3 px, and a tripod that moved
a few pixels does not show perspective. At 1 MP the alignment takes about 0.35 s on two cores.

A plate that does not match (another scene, another framing, a tripod moved by more than
``MAX_SHIFT`` of the image) raises ``PlateAlignmentError``, decided on ``agreement``: the share of the
photo's pixels where the aligned plate agrees with it, which is the background's share of the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from classic.channels import largest_channel
from classic.checks import InvalidInputError, check_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from classic.resize import resize_to

WORKING_SIDE = 512  # long side (pixels) of the grey images the warp is estimated on
MAX_SHIFT = 0.05  # largest displacement of a corner, as a fraction of the long side
MIN_AGREEMENT = 0.15  # below this share of agreeing pixels the plate is refused (another scene: ~1–5 %)
ASPECT_TOLERANCE = 0.01
GAMMA_RANGE = (0.5, 2.0)
_AGREE = 0.06  # largest |photo − plate| (any channel, after a small blur) that counts as agreement
_KEEP = 0.3  # share of the pixels the robust exposure fit keeps in each round (the background's least)
_GAMMA_RIDGE = 1e-3  # (log units)²: textured plates spread over 0.05–0.5, so it only steadies flat ones
_FEATURES = 2000  # SIFT features per image at the working size
_MIN_MATCHES = 12  # RANSAC inliers a feature warp needs
_DARK, _BRIGHT = 0.02, 0.98  # pixels outside these carry no exposure information (log noise, clipping)
_FIT_PIXELS = 20000  # pixels the exposure fit samples: plenty for 6 parameters, and cheap
_MIN_CHANNEL_PIXELS = 50  # usable values a channel's exposure line needs
_MARGIN = 2  # pixels the background mask shrinks by, against the warp's remaining error
# ECC's stop: on the clean-plate dev set, 1e-8 and 100 iterations moved the warps by 0.003 px at most and
# took 15 % longer.
_ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-6)


class _Match(NamedTuple):
    """A plate's exposure match under a warp: photo ≈ gain · plate^gamma per channel, and the photo's
    pixels where the exposure-matched plate agrees with it."""

    gain: np.ndarray
    gamma: np.ndarray
    agreeing: np.ndarray


class PlateAlignmentError(InvalidInputError):
    """Raised when the clean plate does not match the photo."""


@dataclass(frozen=True)
class PlateAlignment:
    """A clean plate aligned to a photo of size (H, W).

    ``plate``: the plate warped onto the photo's grid and exposure-matched, float32 (H, W, 3) in [0, 1].
    ``warp``: 3×3 float64 homography mapping photo pixel coordinates to the plate's (after the plate was
    resized to the photo's size). ``gain``, ``gamma``: (3,) per channel, photo ≈ gain · plate^gamma.
    ``coverage``: bool (H, W), the photo pixels the warped plate covers; uncovered pixels repeat the
    plate's nearest edge pixel. ``agreement``: the share of the photo's pixels where the aligned plate
    agrees with it (the background's share).
    """

    plate: np.ndarray
    warp: np.ndarray
    gain: np.ndarray
    gamma: np.ndarray
    coverage: np.ndarray
    agreement: float


def align_plate(
    photo: np.ndarray,
    plate: np.ndarray,
    *,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> PlateAlignment:
    """Align the clean ``plate`` (h, w, 3) to ``photo`` (H, W, 3), both float32 RGB in [0, 1].

    A plate of another size but the same aspect ratio (within 1 %) is resized to the photo's size first.
    Raises ``PlateAlignmentError`` when the plate has another aspect ratio or does not line up.
    """
    check_image("photo", photo)
    check_image("clean plate", plate)
    plate = _match_size(photo, plate)
    full = (photo.shape[1], photo.shape[0])
    fine = _working_size(full, WORKING_SIDE)
    fine_photo, fine_plate = resize_to(photo, fine), resize_to(plate, fine)
    progress(0.1, "Aligning the clean plate")
    warp, match = _best_start(fine_photo, fine_plate)
    raise_if_cancelled(is_cancelled)
    progress(0.4, "Aligning the clean plate")
    refined = _refine_warp(fine_photo, fine_plate, warp, match)
    refined_match = _try_match(fine_photo, fine_plate, refined)
    if refined_match is not None and _agreement(refined_match) >= _agreement(match):
        warp, match = refined, refined_match
    raise_if_cancelled(is_cancelled)
    progress(0.8, "Matching the clean plate's exposure")
    agreement = _agreement(match)
    full_warp = _rescale_warp(warp, fine, full)
    _check_alignment(full_warp, full, agreement)
    aligned, coverage = _warp_plate(plate, full_warp, full)
    progress(1.0, "Clean plate aligned")
    gain, gamma = match.gain, match.gamma
    return PlateAlignment(_expose(aligned, gain, gamma), full_warp, gain, gamma, coverage, agreement)


def fit_exposure(
    photo: np.ndarray, plate: np.ndarray, valid: np.ndarray, *, rounds: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (gain, gamma), each (3,) float64, with photo ≈ gain · plate^gamma over ``valid``.

    ``photo`` and ``plate`` are aligned (H, W, 3) images, ``valid`` a bool (H, W) mask. log photo =
    log gain + gamma · log plate is a line per channel; each round fits it by least squares and keeps
    the ``_KEEP`` share of the pixels with the smallest residual (worst channel) for the next, so the
    subject, absent from the plate, falls out. Near-black and clipped values are ignored channel by
    channel: a saturated background (a yellow flower on black: blue near zero almost everywhere) still
    fits its red and green on those pixels, where requiring all three channels left mostly the subject
    to fit (blue gain 0.73 for a true 1.0 on such a dev shot). A channel with fewer than
    ``_MIN_CHANNEL_PIXELS`` usable values takes the mean gain and gamma (in log space) of the others, as
    an exposure change is mostly global; with none, 1. Gamma is clamped to ``GAMMA_RANGE``.
    """
    smooth_photo = cv2.GaussianBlur(photo, (0, 0), 1.0)
    smooth_plate = cv2.GaussianBlur(plate, (0, 0), 1.0)
    exposed = _well_exposed(smooth_photo) & _well_exposed(smooth_plate) & valid[..., None]
    # A regular subsample of _FIT_PIXELS is as good as all pixels for 6 parameters, and much cheaper.
    rows, cols = np.nonzero(exposed.any(axis=2))
    if len(rows) < 100:
        raise PlateAlignmentError("the clean plate and the photo share too few well-exposed pixels to match")
    every = max(1, len(rows) // _FIT_PIXELS)
    rows, cols = rows[::every], cols[::every]
    usable = exposed[rows, cols]
    y = np.log(np.maximum(smooth_photo[rows, cols], _DARK))
    x = np.log(np.maximum(smooth_plate[rows, cols], _DARK))
    # Start from the pixels that already agree with no exposure change: with a subject filling most of
    # the frame, a first fit over all pixels would follow the subject.
    start = _worst_usable(np.abs(y - x), usable)
    keep = start <= np.quantile(start, _KEEP)
    gamma, log_gain = np.ones(3), np.zeros(3)
    fitted = np.zeros(3, bool)
    for _ in range(rounds):
        for channel in range(3):
            chosen = keep & usable[:, channel]
            fitted[channel] = chosen.sum() >= _MIN_CHANNEL_PIXELS
            if fitted[channel]:
                gamma[channel], log_gain[channel] = _fit_line(y[chosen, channel], x[chosen, channel])
        if fitted.any():  # a channel without information takes the others' mean: the camera re-metered
            gamma[~fitted], log_gain[~fitted] = gamma[fitted].mean(), log_gain[fitted].mean()
        residual = _worst_usable(np.abs(y - log_gain - gamma * x), usable)
        keep = residual <= np.quantile(residual, _KEEP)
    return np.exp(log_gain), np.clip(gamma, *GAMMA_RANGE)


def _well_exposed(image: np.ndarray) -> np.ndarray:
    """Bool (H, W, 3): the values that carry exposure information (neither near black nor clipped)."""
    return (image > _DARK) & (image < _BRIGHT)


def _worst_usable(residual: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """The largest of each (n, 3) row's usable residuals (rows have at least one)."""
    return largest_channel(np.where(usable, residual, 0.0))


def _fit_line(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of y = a + b·x, in float64."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    x_mean, y_mean = x.mean(), y.mean()
    covariance = ((x - x_mean) * (y - y_mean)).mean()
    variance = ((x - x_mean) ** 2).mean()
    # A ridge towards slope 1 (gamma 1): a plain backdrop has almost no spread of values to fit a gamma
    # on, and there only the gain is determined.
    slope = (covariance + _GAMMA_RIDGE) / (variance + _GAMMA_RIDGE)
    return float(slope), float(y_mean - slope * x_mean)


def check_plate_framing(photo_shape: tuple[int, ...], plate_shape: tuple[int, ...]) -> None:
    """``PlateAlignmentError`` saying both sizes when a plate of ``plate_shape`` cannot be a shot of the
    framing of a photo of ``photo_shape`` ((H, W, …) each): its aspect ratio differs by more than 1 %."""
    (height, width), (plate_height, plate_width) = photo_shape[:2], plate_shape[:2]
    ratio = (plate_width / plate_height) / (width / height)
    if abs(ratio - 1.0) > ASPECT_TOLERANCE:
        raise PlateAlignmentError(
            f"the clean plate is {plate_width}x{plate_height} but the photo is {width}x{height}: "
            "the plate must be a shot of the same framing, with the same aspect ratio"
        )


def _match_size(photo: np.ndarray, plate: np.ndarray) -> np.ndarray:
    if plate.shape[:2] == photo.shape[:2]:
        return plate
    check_plate_framing(photo.shape, plate.shape)
    return resize_to(plate, (photo.shape[1], photo.shape[0]))


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _best_start(photo: np.ndarray, plate: np.ndarray) -> tuple[np.ndarray, _Match]:
    """Of no motion (a tripod), the features' warp and phase correlation's shift, the warp under which
    the plate agrees with the most pixels of the photo, and its exposure match. A subject filling most of
    the frame can pull phase correlation far off, and a plain backdrop leaves the features nothing to
    match. ``PlateAlignmentError`` when no start leaves enough well-exposed pixels to match exposures."""
    candidates = [np.eye(3), _feature_warp(photo, plate), _phase_warp(photo, plate)]
    matches = [None if warp is None else _try_match(photo, plate, warp) for warp in candidates]
    index = max(range(len(candidates)), key=lambda i: (_agreement(matches[i]), i))
    warp, match = candidates[index], matches[index]
    if warp is None or match is None:  # every start failed the fit: say why
        _match_exposure(photo, plate, np.eye(3) if warp is None else warp)
        raise PlateAlignmentError("the clean plate's exposure could not be matched to the photo")
    return warp, match


def _feature_warp(photo: np.ndarray, plate: np.ndarray) -> np.ndarray | None:
    """A rotation, scale and shift photo → plate from SIFT matches (Lowe 2004) and RANSAC, or None.

    The subject's features have no partner in the plate; RANSAC keeps the background's. The grey images
    are contrast-equalised first (CLAHE), so a change of exposure moves few features."""
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    greys = [clahe.apply(np.round(_grey(image) * 255).astype(np.uint8)) for image in (photo, plate)]
    sift = cv2.SIFT_create(nfeatures=_FEATURES)  # type: ignore[attr-defined]
    (photo_points, photo_descriptors), (plate_points, plate_descriptors) = (
        sift.detectAndCompute(grey, None) for grey in greys
    )
    if photo_descriptors is None or plate_descriptors is None or len(plate_points) < 2:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(photo_descriptors, plate_descriptors, k=2)
    good = [
        first
        for first, second in (p for p in pairs if len(p) == 2)
        if first.distance < 0.75 * second.distance
    ]
    if len(good) < _MIN_MATCHES:
        return None
    source = np.array([photo_points[m.queryIdx].pt for m in good], np.float32)
    target = np.array([plate_points[m.trainIdx].pt for m in good], np.float32)
    affine, inliers = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=2.0
    )
    if affine is None or inliers is None or int(inliers.sum()) < _MIN_MATCHES:
        return None
    return np.vstack([affine.astype(np.float64), [0.0, 0.0, 1.0]])


def _phase_warp(photo: np.ndarray, plate: np.ndarray) -> np.ndarray:
    """The translation photo → plate by phase correlation (Kuglin & Hines 1975), as a 3×3 homography."""
    window = cv2.createHanningWindow(photo.shape[1::-1], cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(_grey(photo).astype(np.float64), _grey(plate).astype(np.float64), window)
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], np.float64)


def _try_match(photo: np.ndarray, plate: np.ndarray, warp: np.ndarray) -> _Match | None:
    """``_match_exposure``, or None where too few well-exposed pixels are in common under ``warp``."""
    try:
        return _match_exposure(photo, plate, warp)
    except PlateAlignmentError:
        return None


def _agreement(match: _Match | None) -> float:
    """The share of the photo's pixels an exposure match agrees on (0 for a failed one)."""
    return 0.0 if match is None else float(match.agreeing.mean())


def _match_exposure(photo: np.ndarray, plate: np.ndarray, warp: np.ndarray) -> _Match:
    """Gain and gamma of ``plate`` warped by ``warp`` onto ``photo``, and the photo pixels it agrees on."""
    aligned, covered = _warp_plate(plate, warp, photo.shape[1::-1])
    gain, gamma = fit_exposure(photo, aligned, covered)
    difference = cv2.GaussianBlur(np.abs(photo - _expose(aligned, gain, gamma)), (0, 0), 1.0)
    return _Match(gain, gamma, (largest_channel(difference) < _AGREE) & covered)


def _refine_warp(photo: np.ndarray, plate: np.ndarray, warp: np.ndarray, match: _Match) -> np.ndarray:
    """ECC refinement of ``warp`` (photo → plate, 3×3) over the pixels where the two agree (``match``,
    the plate's exposure match under ``warp``).

    The plate is exposure-matched first, which leaves ECC only the gain it is blind to anyway. OpenCV
    masks only ECC's input image, the plate: the agreeing pixels are carried into the plate's frame with
    the current warp and shrunk by ``_MARGIN`` pixels against the warp's remaining error.
    """
    gain, gamma, agreeing = match
    size = plate.shape[1::-1]
    mask = cv2.warpPerspective(agreeing.astype(np.uint8), warp, size, flags=cv2.INTER_NEAREST)
    mask = cv2.erode(mask, np.ones((2 * _MARGIN + 1, 2 * _MARGIN + 1), np.uint8))
    template, moving = _grey(photo), _grey(_expose(plate, gain, gamma))
    try:
        _, affine = cv2.findTransformECC(
            template, moving, warp[:2].astype(np.float32), cv2.MOTION_AFFINE, _ECC_CRITERIA, mask, 1
        )
    except cv2.error:
        # ECC gives up where there is too little texture to lock on (a plain studio backdrop): the warp so
        # far stands, and the agreement test at the end decides whether the plate matches.
        return warp.astype(np.float64)
    result = np.vstack([affine.astype(np.float64), [0.0, 0.0, 1.0]])
    if not np.all(np.isfinite(result)) or not 0.5 < np.linalg.det(result) < 2.0:
        return warp.astype(np.float64)
    return result


def _warp_plate(plate: np.ndarray, warp: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``plate`` resampled at ``warp`` (photo → plate) of each photo pixel, and where it is covered."""
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpPerspective(plate, warp, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    ones = np.ones(plate.shape[:2], np.float32)
    inside = cv2.warpPerspective(ones, warp, size, flags=flags, borderMode=cv2.BORDER_CONSTANT)
    return np.clip(warped, 0.0, 1.0), inside > 0.999


def _expose(plate: np.ndarray, gain: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    exposed = np.power(plate, gamma.astype(np.float32)) * gain.astype(np.float32)
    return np.clip(exposed, 0.0, 1.0, out=exposed)


def _working_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _rescale_warp(warp: np.ndarray, source: tuple[int, int], target: tuple[int, int]) -> np.ndarray:
    """``warp`` between images of ``source`` = (width, height) re-expressed for images of ``target``."""
    # Pixel centres: source = (target + ½)·s − ½ per axis, so the target's warp is S⁻¹ · warp · S.
    sx, sy = source[0] / target[0], source[1] / target[1]
    to_source = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]])
    result = np.linalg.inv(to_source) @ warp.astype(np.float64) @ to_source
    return result / result[2, 2]


def _check_alignment(warp: np.ndarray, size: tuple[int, int], agreement: float) -> None:
    width, height = size
    corners = np.array([[0, 0, 1], [width - 1, 0, 1], [0, height - 1, 1], [width - 1, height - 1, 1]], float)
    mapped = corners @ warp.T
    if not np.all(np.isfinite(mapped)) or np.any(mapped[:, 2] <= 0):
        raise _mismatch(agreement)
    shift = np.abs(mapped[:, :2] / mapped[:, 2:] - corners[:, :2]).max()
    if shift > MAX_SHIFT * max(width, height) or agreement < MIN_AGREEMENT:
        raise _mismatch(agreement)


def _mismatch(agreement: float | None) -> PlateAlignmentError:
    share = "" if agreement is None else f" (only {agreement:.0%} of the pixels agree)"
    return PlateAlignmentError(
        f"the clean plate does not line up with the photo{share}: "
        "take the plate from the same tripod position, without the subject"
    )
