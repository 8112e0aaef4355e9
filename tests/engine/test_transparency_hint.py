"""The transparency hint for the learned trimap: the rule that widens the unknown region, the vote of
the three networks on what the selection left out, the matting inside the region, the pipeline's wiring
(``auto``, ``none``, a name, the opinions it is given), the refusal without the file, and the real MODNet
when installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from classic.checks import InvalidInputError
from engine import learned_trimap
from engine import transparency_hint as transparency_hint_module
from engine.checkpoint import save_checkpoint
from engine.learned_trimap import most_likely_trimap
from engine.pipeline import Pipeline, PipelineOptions
from engine.pretrained import CACHE_ENVIRONMENT, find_pretrained
from engine.registry import create_model
from engine.second_opinion import DISAGREEMENT, agreement
from engine.transparency_hint import FRACTIONAL, REACH, outvoted, widen_unknown, with_second_estimate
from tests.engine.test_clean_plate import disc, scene
from tests.engine.test_learned_trimap import weights  # noqa: F401  (the module's tiny T-Net)
from tests.engine.test_second_opinion import FixedTeacher


def ring(
    inner: float,
    outer: float,
    height: int = 96,
    width: int = 128,
    *,
    centre: tuple[float, float] | None = None,
) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    row, col = centre if centre is not None else (height / 2, width / 2)
    distance = np.hypot(rows - row, cols - col)
    return (distance >= inner) & (distance <= outer)


def disc_trimap() -> np.ndarray:
    """A disc of radius 20 with a band of 2 px on each side of its edge."""
    trimap = np.zeros((96, 128), np.float32)
    trimap[ring(0, 22)] = 0.5
    trimap[ring(0, 18)] = 1.0
    return trimap


def test_see_through_pixels_near_the_subject_join_the_unknown_region() -> None:
    trimap = disc_trimap()
    transparency = np.zeros_like(trimap)
    transparency[ring(0, 16)] = 1.0  # opaque core: stays foreground
    transparency[ring(22, 24)] = 0.4  # a fringe of hair just past the band
    transparency[ring(8, 12)] = 0.6  # see-through inside the subject (a veil)
    far = ring(0, 3, centre=(10, 10))
    transparency[far] = 0.5  # something see-through far from the subject
    widened, grown = widen_unknown(trimap, transparency)
    assert REACH * np.hypot(96, 128) < 5  # the far blob is out of reach
    np.testing.assert_array_equal(grown, (ring(22, 24) & (trimap == 0)) | (ring(8, 12) & (trimap == 1)))
    assert (widened[grown] == 0.5).all() and not grown[far].any()
    np.testing.assert_array_equal(widened[~grown], trimap[~grown])  # nothing else moves
    # Values at the threshold are not see-through.
    edge = np.where(ring(22, 24), np.float32(FRACTIONAL), np.float32(0.0))
    assert not widen_unknown(trimap, edge)[1].any()
    assert not widen_unknown(trimap, np.where(ring(22, 24), np.float32(1 - FRACTIONAL), edge))[1].any()
    with pytest.raises(InvalidInputError):
        widen_unknown(trimap, transparency[:10])


def test_two_networks_outvote_the_selection_only_where_both_see_the_subject() -> None:
    ours = np.where(ring(0, 20), np.float32(0.9), np.float32(0.1))
    hair = ring(21, 30) & (np.mgrid[0:96, 0:128][0] < 48)  # the upper half of a ring around the disc
    saliency = np.where(ring(0, 20) | hair, np.float32(0.8), np.float32(0.0))
    modnet = np.where(hair & (np.mgrid[0:96, 0:128][1] < 64), np.float32(0.3), np.float32(0.0))
    assert agreement(ours, saliency) > DISAGREEMENT
    np.testing.assert_array_equal(outvoted(ours, saliency, modnet), modnet > 0)
    # At the thresholds: U²-Net-p's 0.5 is the subject, MODNet's FRACTIONAL is nothing, our 0.5 is ours.
    np.testing.assert_array_equal(
        outvoted(ours, np.where(hair, np.float32(0.5), saliency), modnet), modnet > 0
    )
    assert not outvoted(ours, saliency, np.where(modnet > 0, np.float32(FRACTIONAL), modnet)).any()
    assert not outvoted(np.where(hair, np.float32(0.5), ours), saliency, modnet).any()
    # U²-Net-p's subject is another object: it has no say, so no vote.
    elsewhere = np.where(ring(0, 20, centre=(48, 100)) | hair, np.float32(0.8), np.float32(0.0))
    assert agreement(ours, elsewhere) <= DISAGREEMENT
    assert not outvoted(ours, elsewhere, modnet).any()
    with pytest.raises(InvalidInputError):
        outvoted(ours, saliency[:10], modnet)


def test_each_outvoted_part_that_reaches_the_subject_joins_the_trimap_whole() -> None:
    trimap = disc_trimap()
    transparency = np.zeros_like(trimap)
    missed = np.zeros(trimap.shape, bool)
    missed[46:50, 64:125] = True  # from inside the disc to far beyond REACH, as a lock of hair
    transparency[46:50, 100:125] = 1.0 - FRACTIONAL  # where MODNet is sure of it: foreground
    apart = ring(0, 3, centre=(10, 10))
    missed[apart] = True  # another part, out of reach
    transparency[apart] = 1.0
    assert REACH * np.hypot(96, 128) < 5
    widened, grown = widen_unknown(trimap, transparency, missed)
    sure = missed & (transparency >= 1.0 - FRACTIONAL) & ~apart
    np.testing.assert_array_equal(grown, missed & ~apart & ~sure & (trimap != 0.5))
    assert (widened[grown] == 0.5).all() and (widened[sure] == 1.0).all() and sure.any()
    changed = grown | sure
    np.testing.assert_array_equal(widened[~changed], trimap[~changed])
    # Without a vote only the see-through pixels count, and these are opaque.
    np.testing.assert_array_equal(widen_unknown(trimap, transparency, None)[0], trimap)
    with pytest.raises(InvalidInputError):
        widen_unknown(trimap, transparency, missed[:10])


def test_modnet_s_see_through_alpha_is_averaged_with_the_matting_method_s() -> None:
    raw = np.array([[0.2, 0.2, 0.2, 0.2, 0.9]], np.float32)
    modnet = np.array([[0.0, FRACTIONAL, 0.6, 1.0 - FRACTIONAL, 0.3]], np.float32)
    np.testing.assert_allclose(with_second_estimate(raw, modnet), [[0.2, 0.2, 0.4, 0.2, 0.6]], atol=1e-7)
    with pytest.raises(InvalidInputError):
        with_second_estimate(raw, modnet[:, :2])


def test_the_fused_alpha_takes_the_mean_where_modnet_sees_through_inside_the_t_net_s_band(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    truth = disc_trimap()
    confident_t_net(monkeypatch)
    band = truth == 0.5
    veil = band & (np.mgrid[0:96, 0:128][1] < 64)  # MODNet sees the left half of the band see-through
    alpha = matte_with_hint(np.where(veil, np.float32(0.7), np.float32(1.0)))[0]
    # Half the fusion F + U · mean(0.3, 0.7), half the mean itself.
    np.testing.assert_allclose(alpha[veil], 0.5 * (0.01 + 0.98 * 0.5) + 0.5 * 0.5, atol=1e-6)
    np.testing.assert_allclose(alpha[band & ~veil], 0.5 * (0.01 + 0.98 * 0.3) + 0.5 * 0.3, atol=1e-6)


def confident_t_net(monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """The T-Net's probabilities replaced by ``disc_trimap``'s classes at 0.98; returns them."""
    truth = disc_trimap()
    probabilities = np.full((*truth.shape, 3), 0.01, np.float32)
    for index, value in enumerate((0.0, 0.5, 1.0)):
        probabilities[..., index] += 0.97 * (truth == value)
    monkeypatch.setattr(learned_trimap, "trimap_probabilities", lambda *args, **kwargs: probabilities)
    return probabilities


def matte_with_hint(
    transparency: np.ndarray, opinions: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """``matte_from_photo`` on ``scene()`` with ``transparency`` as MODNet's alpha, a raw alpha of 0.3
    everywhere; its alpha and trimap, and the hard and soft trimaps the matting method was given."""
    seen: dict[str, np.ndarray] = {}

    def raw_matting(image: np.ndarray, hard: np.ndarray, soft: np.ndarray) -> np.ndarray:
        seen["trimap"], seen["soft"] = hard, soft
        return np.full(hard.shape, 0.3, np.float32)

    alpha, trimap = learned_trimap.matte_from_photo(
        None,  # type: ignore[arg-type]
        scene(),
        None,
        raw_matting,
        megapixels=1.0,
        transparency=lambda image: transparency,
        opinions=opinions,
    )
    return alpha, trimap, seen


def test_the_matting_method_alone_gives_the_alpha_where_the_hint_widened_the_band(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    truth = disc_trimap()
    probabilities = confident_t_net(monkeypatch)
    fringe = ring(22, 24) & (truth == 0)
    alpha, trimap, seen = matte_with_hint(np.where(fringe, np.float32(0.4), np.float32(0.0)))
    assert most_likely_trimap(probabilities)[fringe].max() == 0.0
    assert (trimap[fringe] == 0.5).all() and (seen["trimap"][fringe] == 0.5).all()
    assert (seen["soft"][fringe] == 0.5).all()  # the soft trimap says unknown there too
    # The raw alpha, the mean of the matting method's 0.3 and MODNet's 0.4: the T-Net saw no band there.
    np.testing.assert_allclose(alpha[fringe], 0.35)
    band = truth == 0.5
    np.testing.assert_allclose(alpha[band], 0.5 * (0.01 + 0.98 * 0.3) + 0.5 * 0.3, atol=1e-6)  # as before
    np.testing.assert_array_equal(alpha[truth == 1.0], 1.0)


def test_an_outvoted_part_is_matted_where_modnet_is_unsure_and_opaque_where_it_is_sure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    truth = disc_trimap()
    confident_t_net(monkeypatch)
    lock = np.zeros(truth.shape, bool)
    lock[46:50, 64:125] = True  # a lock of hair from the disc to the right edge, which the selection left out
    tip = lock & (np.mgrid[0:96, 0:128][1] >= 100)
    modnet = np.where(tip, np.float32(1.0), np.where(lock, np.float32(0.4), np.float32(0.0)))
    own = np.where(truth > 0, np.float32(0.9), np.float32(0.0))
    saliency = np.where((truth > 0) | lock, np.float32(0.8), np.float32(0.0))
    alpha, trimap, seen = matte_with_hint(modnet, (own, saliency))
    unsure = lock & ~tip & (truth == 0)
    assert (trimap[unsure] == 0.5).all() and (seen["soft"][unsure] == 0.5).all()
    np.testing.assert_allclose(alpha[unsure], (0.3 + 0.4) / 2)
    assert (trimap[tip] == 1.0).all() and (seen["soft"][tip] == 1.0).all() and (alpha[tip] == 1.0).all()
    # Without the opinions the lock beyond REACH stays background.
    assert (matte_with_hint(modnet)[1][tip] == 0.0).all()


def photo() -> np.ndarray:
    alpha = disc()
    return (alpha[..., None] * np.float32((0.9, 0.2, 0.1)) + (1 - alpha[..., None]) * scene()).astype(
        np.float32
    )


def test_the_learned_trimap_takes_the_hint_it_is_given_and_says_so(
    weights: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = photo()
    confident_t_net(monkeypatch)
    plain = Pipeline(PipelineOptions(weights_folder=weights, device="cpu", trimap="learned"))
    assert plain.transparency_hint() is None
    alpha, trimap = plain.learned_trimap_matte(image)
    hinted = Pipeline(
        PipelineOptions(weights_folder=weights, device="cpu", trimap="learned", transparency_hint="modnet")
    )
    hint = FixedTeacher(np.where(ring(22, 24) & (trimap == 0), np.float32(0.5), np.float32(0.0)))
    monkeypatch.setattr(hinted._networks.transparency_hints, "get", lambda name: hint)
    hinted_alpha, hinted_trimap = hinted.learned_trimap_matte(image)
    assert hint.calls == 1
    assert (hinted_trimap[hint.answer > 0] == 0.5).all() and (trimap[hint.answer > 0] == 0.0).all()
    np.testing.assert_array_equal(hinted_trimap[hint.answer == 0], trimap[hint.answer == 0])
    assert not np.array_equal(hinted_alpha, alpha)
    assert hinted.cut_out(image).method.endswith(
        "the learned trimap with MODNet's transparency hint, closed-form matting"
    )
    assert "MODNet" not in plain.cut_out(image).method
    # A box keeps the mask's band, and so takes no hint.
    assert "MODNet" not in hinted.describe_cutout(rect=(10, 10, 60, 60))


class MirrorSensitiveTeacher(FixedTeacher):
    """A second opinion that answers ``answer`` for ``photo()`` and ``mirrored`` for its mirror image,
    told apart by the scene's yellow bar (in the left third of the photo)."""

    def __init__(self, answer: np.ndarray, mirrored: np.ndarray) -> None:
        super().__init__(answer)
        self.mirrored = mirrored

    def soft_mask(self, image: np.ndarray) -> np.ndarray:
        self.calls += 1
        bar = (image[..., 0] > 0.85) & (image[..., 1] > 0.85) & (image[..., 2] < 0.25)
        return self.mirrored if np.nonzero(bar)[1].mean() > image.shape[1] / 2 else self.answer


def test_the_pipeline_gives_the_learned_trimap_the_opinions_behind_its_selection(
    weights: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "weights"
    folder.mkdir()
    (folder / "trimap.pt").symlink_to(weights / "trimap.pt")
    torch.manual_seed(0)
    segmentation = create_model("segmentation", encoder="efficientnet-lite0", decoder_widths=[8, 8, 8, 8])
    save_checkpoint(folder / "segmentation.pt", segmentation, name="segmentation", trained_on="", metrics={})
    options = PipelineOptions(
        weights_folder=folder, device="cpu", second_opinion="u2netp", transparency_hint="modnet"
    )
    pipeline = Pipeline(options)
    image = photo()
    subject = (disc() >= 0.5).astype(np.float32)
    saliency = MirrorSensitiveTeacher(subject, np.roll(subject, 3, axis=1))
    steadier = (subject + saliency.mirrored[:, ::-1]) / 2
    monkeypatch.setattr(pipeline._networks.second_opinions, "get", lambda name: saliency)
    monkeypatch.setattr(pipeline._networks.transparency_hints, "get", lambda name: FixedTeacher(disc()))
    given: list[object] = []
    original = learned_trimap.matte_from_photo

    def spy(*args: Any, opinions: object = None, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
        given.append(opinions)
        return original(*args, opinions=opinions, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("engine.pipeline.matte_from_photo", spy)
    own = pipeline.with_options(second_opinion="none").subject_probability(image)
    selection = pipeline.segment(image)
    assert saliency.calls == 1  # the selection takes U²-Net-p's opinion of the photo alone
    cutout = pipeline.cut_out(image)
    assert saliency.calls == 3  # the vote's opinion is averaged with its opinion of the mirrored photo
    np.testing.assert_array_equal(cutout.mask, selection)  # and the selection is the same
    pipeline.learned_trimap_matte(image)  # segments the photo itself
    pipeline.with_options(transparency_hint="none").cut_out(image)  # no vote
    assert len(given) == 3
    for opinions, expected in zip(given, (steadier, steadier, subject), strict=True):
        assert isinstance(opinions, tuple) and len(opinions) == 2
        np.testing.assert_allclose(opinions[0], own, atol=1e-6)
        np.testing.assert_allclose(opinions[1], expected, atol=1e-6)
    # A mask given alone has no opinions behind it, and without a second opinion there is no vote.
    pipeline.learned_trimap_matte(image, mask=subject)
    pipeline.with_options(second_opinion="none").cut_out(image)
    assert given[3:] == [None, None]


def test_auto_takes_the_hint_only_where_it_can_run(
    weights: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(transparency_hint_module, "available", lambda name: name == "modnet")
    assert Pipeline().transparency_hint() == "modnet"
    assert Pipeline(PipelineOptions(transparency_hint="none")).transparency_hint() is None
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_ENVIRONMENT, str(tmp_path))  # no file: auto goes on without it
    monkeypatch.setattr("engine.pretrained._installed_member", lambda entry: None)
    assert not transparency_hint_module.available("modnet")
    assert Pipeline(PipelineOptions(weights_folder=weights)).transparency_hint() is None
    # Asked for by name, its absence is refused before any work, saying how to install it.
    with pytest.raises(InvalidInputError, match=r"python -m engine\.pretrained modnet"):
        Pipeline(PipelineOptions(weights_folder=weights, transparency_hint="modnet")).check_networks()
    with pytest.raises(InvalidInputError, match="unknown transparency hint method 'vitmatte'"):
        PipelineOptions(transparency_hint="vitmatte")


@pytest.mark.skipif(find_pretrained("modnet") is None, reason="MODNet is not installed here")
def test_modnet_gives_its_hint_on_a_photo(weights: Path) -> None:  # noqa: F811
    pytest.importorskip("onnxruntime")
    pipeline = Pipeline(
        PipelineOptions(weights_folder=weights, device="cpu", trimap="learned", transparency_hint="modnet")
    )
    pipeline.check_networks()
    transparency = pipeline._networks.transparency_hints.get("modnet").soft_alpha(photo())
    assert transparency.shape == (96, 128) and transparency.min() >= 0.0 and transparency.max() <= 1.0
    alpha, trimap = pipeline.learned_trimap_matte(photo())
    assert alpha.shape == trimap.shape == (96, 128) and 0.0 <= alpha.min() <= alpha.max() <= 1.0
