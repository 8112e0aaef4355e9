"""The second opinion on the subject: the rule that combines two probabilities, the pipeline's wiring
(``auto``, ``none``, a name), the refusal without the file, and the real U²-Net-p when installed."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from classic.checks import InvalidInputError
from engine import second_opinion as second_opinion_module
from engine.pipeline import Pipeline, PipelineOptions
from engine.pretrained import CACHE_ENVIRONMENT, find_pretrained
from engine.second_opinion import (
    AGREEMENT,
    DISAGREEMENT,
    agreement,
    combine,
    grabcut_seeds,
    mirror_averaged,
    weight,
)


def disc(radius: float, height: int = 60, width: int = 80) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return (((rows - height / 2) ** 2 + (cols - width / 2) ** 2) <= radius**2).astype(np.float32)


def photo() -> np.ndarray:
    image = np.full((60, 80, 3), (0.3, 0.6, 0.35), np.float32)
    image[disc(18) > 0] = (0.9, 0.2, 0.15)
    return image


class FixedTeacher:
    """A teacher that always answers ``answer``: as a second opinion (``soft_mask``) or as a transparency
    hint (``soft_alpha``)."""

    def __init__(self, answer: np.ndarray) -> None:
        self.answer = answer
        self.calls = 0

    def soft_mask(self, image: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.answer

    soft_alpha = soft_mask


def test_agreeing_opinions_are_averaged_and_a_disagreeing_one_is_ignored() -> None:
    ours = 0.9 * disc(18)
    close = disc(18.5)  # IoU about (18 / 18.5)² ≈ 0.95
    assert agreement(ours, close) >= AGREEMENT
    np.testing.assert_allclose(combine(ours, close), (ours + close) / 2)
    elsewhere = np.roll(disc(18), 40, axis=1)  # another object
    assert agreement(ours, elsewhere) <= DISAGREEMENT
    np.testing.assert_array_equal(combine(ours, elsewhere), ours)
    assert agreement(np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32)) == 1.0
    with pytest.raises(InvalidInputError):
        combine(ours, close[:10])


def test_the_second_opinions_share_follows_how_well_the_masks_agree() -> None:
    assert weight(1.0) == weight(AGREEMENT) == 0.5
    assert weight(0.0) == weight(DISAGREEMENT) == 0.0
    middle = (AGREEMENT + DISAGREEMENT) / 2
    assert weight(middle) == pytest.approx(0.25)
    ours = 0.9 * disc(18)
    shifted = np.roll(disc(18), 10, axis=1)  # the same object, half of it misplaced
    share = weight(agreement(ours, shifted))
    assert 0.0 < share < 0.5
    np.testing.assert_allclose(combine(ours, shifted), (1 - share) * ours + share * shifted, atol=1e-6)


def test_grabcut_is_seeded_as_surely_as_the_surest_opinion_on_the_combinations_side() -> None:
    combined = np.float32([[0.55, 0.55, 0.45, 0.45, 0.7]])
    own = np.float32([[0.95, 0.2, 0.3, 0.9, 0.7]])
    saliency = np.float32([[0.15, 0.9, 0.02, 0.0, 0.7]])
    seeds = grabcut_seeds(combined, own, saliency)
    # Subject where the combination says subject, as sure as the surer network there; background likewise.
    np.testing.assert_allclose(seeds, [[0.95, 0.9, 0.02, 0.0, 0.7]])
    assert seeds.dtype == np.float32
    # One opinion alone: its own probability, untouched.
    np.testing.assert_array_equal(grabcut_seeds(own, own), own)
    with pytest.raises(InvalidInputError):
        grabcut_seeds(combined, own[:, :3])


def test_an_opinion_is_averaged_with_the_one_on_the_mirrored_photo() -> None:
    image = np.random.default_rng(0).uniform(0.0, 1.0, (6, 9, 3)).astype(np.float32)
    ramp = np.tile(np.linspace(0.0, 1.0, 9, dtype=np.float32), (6, 1))

    def leaning(photo: np.ndarray) -> np.ndarray:  # sees more of the subject on the right
        return ramp * photo[..., 0]

    averaged = mirror_averaged(leaning, image, leaning(image))
    np.testing.assert_allclose(averaged, 0.5 * image[..., 0], atol=1e-6)  # (ramp + ramp mirrored) / 2
    assert averaged.dtype == np.float32
    with pytest.raises(InvalidInputError):
        mirror_averaged(leaning, image, leaning(image)[:, :5])


def test_the_pipeline_combines_the_networks_probability_with_the_second_opinion(
    shipped_segmentation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = photo()
    alone = Pipeline(PipelineOptions(second_opinion="none"))
    probability = alone.subject_probability(image)
    assert alone.second_opinion() is None
    opinion = FixedTeacher(((probability >= 0.5) * 0.8).astype(np.float32))
    asked = Pipeline(PipelineOptions(second_opinion="u2netp"))
    monkeypatch.setattr(asked._networks.second_opinions, "get", lambda name: opinion)
    np.testing.assert_allclose(
        asked.subject_probability(image), (probability + opinion.answer) / 2, atol=1e-6
    )
    assert opinion.calls == 1
    assert asked.describe_segmentation() == (
        "GrabCut seeded by the segmentation network, with U²-Net-p's second opinion"
    )
    # GrabCut starts from both opinions: the combination's side, as sure as the surer of the two.
    seeded: list[np.ndarray] = []

    def spy(image: np.ndarray, probability: np.ndarray, **options: object) -> np.ndarray:
        seeded.append(probability)
        return (probability >= 0.5).astype(np.float32)

    monkeypatch.setattr("engine.pipeline.grabcut_from_probability", spy)
    assert asked.segment(image).shape == (60, 80)
    combined = asked.subject_probability(image)
    np.testing.assert_allclose(seeded[0], grabcut_seeds(combined, probability, opinion.answer), atol=1e-6)


def test_auto_takes_the_second_opinion_only_where_it_can_run(
    shipped_segmentation: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(second_opinion_module, "available", lambda name: name == "u2netp")
    assert Pipeline().second_opinion() == "u2netp"
    assert Pipeline(PipelineOptions(second_opinion="none")).second_opinion() is None
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_ENVIRONMENT, str(tmp_path))  # no file: auto goes on without it
    monkeypatch.setattr("engine.pretrained._installed_member", lambda entry: None)
    assert not second_opinion_module.available("u2netp")
    pipeline = Pipeline(PipelineOptions(weights_folder=shipped_segmentation.parent))
    assert pipeline.second_opinion() is None
    assert pipeline.describe_segmentation() == "GrabCut seeded by the segmentation network"
    # Asked for by name, its absence is refused before any work, saying how to install it.
    with pytest.raises(InvalidInputError, match=r"python -m engine\.pretrained u2netp"):
        Pipeline(PipelineOptions(second_opinion="u2netp")).check_networks()
    with pytest.raises(InvalidInputError, match="unknown second opinion method 'rembg'"):
        PipelineOptions(second_opinion="rembg")


@pytest.mark.skipif(find_pretrained("u2netp") is None, reason="U²-Net-p is not installed here")
def test_u2netp_gives_its_opinion_on_a_photo(shipped_segmentation: Path) -> None:
    pytest.importorskip("onnxruntime")
    image = photo()
    pipeline = Pipeline(PipelineOptions(second_opinion="u2netp"))
    pipeline.check_networks()
    saliency = pipeline._networks.second_opinions.get("u2netp").soft_mask(image)
    alone = Pipeline(PipelineOptions(second_opinion="none")).subject_probability(image)
    np.testing.assert_allclose(pipeline.subject_probability(image), combine(alone, saliency), atol=1e-6)
    # Both see the red disc on the green ground.
    assert agreement(alone, saliency) > 0.8 and saliency[disc(12) > 0].mean() > 0.5


def test_clean_plate_matting_keeps_the_networks_own_probability(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.weights import WEIGHTS_FOLDER

    for kind in ("segmentation", "plate-matting"):
        (tmp_path / f"{kind}.pt").symlink_to(WEIGHTS_FOLDER / f"{kind}.pt")
    rng = np.random.default_rng(0)
    plate = cv2.resize(rng.uniform(0.2, 0.8, (8, 10, 3)).astype(np.float32), (80, 60))
    image = np.where(disc(18)[..., None] > 0, np.float32((0.9, 0.2, 0.15)), plate).astype(np.float32)
    pipeline = Pipeline(PipelineOptions(weights_folder=tmp_path, second_opinion="u2netp", device="cpu"))
    opinion = FixedTeacher(disc(18))
    monkeypatch.setattr(pipeline._networks.second_opinions, "get", lambda name: opinion)
    assert pipeline.matte_with_plate(image, plate).shape == (60, 80)
    assert opinion.calls == 0  # the plate set scores better without it (the model card)
    pipeline.subject_probability(image)
    assert opinion.calls == 1
