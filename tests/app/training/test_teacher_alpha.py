"""Matting foregrounds of real subjects: where a portrait-matting teacher's alpha is kept, which photos are
left out, ``build-training-set --teacher-alpha`` end to end on a tiny ONNX teacher, and the easy objects
(``--easy-alpha``) with closed-form alpha."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.training.teacher_alpha import BAND_FRACTION, agreed_alpha, easy_alpha
from app.training.training_data import BuildOptions, build_training_set
from classic.imageio import read_image


def disc(size: int = 200, radius: float = 60.0) -> np.ndarray:
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    distance = np.hypot(rows - size / 2, cols - size / 2)
    return np.clip((radius - distance) / 4 + 0.5, 0.0, 1.0).astype(np.float32)  # an 8-px soft edge


def test_the_teachers_alpha_is_kept_near_the_edge_and_the_hand_mask_elsewhere() -> None:
    soft = disc()
    mask = (soft >= 0.5).astype(np.float32)
    # The teacher also sees a faint blob far outside the subject: the hand mask wins there.
    soft[10:14, 10:14] = 0.3
    alpha = agreed_alpha(soft, mask)
    assert alpha is not None
    edge = (soft > 0) & (soft < 1)
    edge[10:14, 10:14] = False
    np.testing.assert_array_equal(alpha[edge], soft[edge])  # the soft edge lies inside the band
    assert alpha[10:14, 10:14].max() == 0.0 and alpha[100, 100] == 1.0
    assert round(BAND_FRACTION * 200) >= 4  # the band is wider than the edge's half-width here


def test_photos_where_teacher_and_hand_mask_disagree_away_from_the_edge_are_left_out() -> None:
    soft = disc()
    mask = (soft >= 0.5).astype(np.float32)
    missed = soft.copy()
    missed[:, :100] = 0.0  # the teacher lost half of the person
    assert agreed_alpha(missed, mask) is None
    assert agreed_alpha(soft, np.zeros_like(mask)) is None  # no subject in the hand mask
    assert agreed_alpha(np.ones_like(soft), np.ones_like(mask)) is None  # all subject


def test_build_training_set_adds_the_people_as_soft_edged_foregrounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnx", reason="making a test model needs the onnx package (.[dev])")
    pytest.importorskip("onnxruntime", reason="the teacher needs onnxruntime")
    from app.training import training_data
    from engine.teacher import MattingTeacher, SaliencyTeacher
    from engine.training.datasets import build_dataset
    from engine.training.sources import find_sources
    from tests.engine.tiny_onnx import tiny_matting_model, tiny_saliency_model

    shared = tmp_path / "shared"
    people = shared / "real" / "ccp-person"
    for folder in ("image", "mask"):
        (people / folder).mkdir(parents=True)
    (shared / "backgrounds").mkdir()
    cv2.imwrite(
        str(shared / "backgrounds" / "bg.jpg"), np.random.default_rng(0).integers(0, 255, (300, 400, 3))
    )
    bright = disc()
    for stem, mask in (("0001", bright >= 0.5), ("0002", np.zeros_like(bright, bool))):
        grey = np.round((0.1 + 0.8 * bright) * 255).astype(np.uint8)  # the tiny teacher's alpha ≈ brightness
        cv2.imwrite(str(people / "image" / f"{stem}.png"), np.dstack([grey] * 3))
        cv2.imwrite(str(people / "mask" / f"{stem}.png"), mask.astype(np.uint8) * 255)
    teacher = MattingTeacher(tiny_matting_model(tmp_path / "tiny.onnx"))
    monkeypatch.setattr(training_data, "load_matting_teacher", lambda name, install: teacher)
    # An unlabelled person: no hand mask, so the saliency teacher's mask (given --teacher) stands in.
    (shared / "unlabelled" / "ccp-person").mkdir(parents=True)
    grey = np.round((0.1 + 0.8 * bright) * 255).astype(np.uint8)
    cv2.imwrite(str(shared / "unlabelled" / "ccp-person" / "u1.png"), np.dstack([grey] * 3))
    reference = SaliencyTeacher(tiny_saliency_model(tmp_path / "saliency.onnx"))
    monkeypatch.setattr(training_data, "load_teacher", lambda name, install: reference)

    out = tmp_path / "out"
    build_training_set(BuildOptions(out=out, shared=shared, teacher_alpha="modnet"))
    # The photo as it came, and its alpha beside it (0002's hand mask has no subject); without --teacher
    # the unlabelled photo has nothing to agree with and is not read.
    assert sorted(p.name for p in (out / "foregrounds" / "image").iterdir()) == [
        "teacher-alpha-ccp-person__0001.png"
    ]
    assert (out / "foregrounds" / "image" / "teacher-alpha-ccp-person__0001.png").read_bytes() == (
        people / "image" / "0001.png"
    ).read_bytes()
    alpha = read_image(out / "foregrounds" / "alpha" / "teacher-alpha-ccp-person__0001.png").rgb[:, :, 0]
    fractional = (alpha > 0.02) & (alpha < 0.98)
    assert fractional.any() and alpha[100, 100] == 1.0 and alpha[0, 0] == 0.0
    assert "1 of 2 photos as matting foregrounds" in (out / "licences" / "PROVENANCE.md").read_text()
    assert [f.name for f in find_sources(out).foregrounds] == ["teacher-alpha-ccp-person__0001"]
    item = build_dataset("matting", out, crop=64, val_fraction=0.0)[0]
    assert bool((item["trimap"] == 0.5).any())
    # Fusion sees the real photo: the subject on its own old background.
    fusion = build_dataset("fusion", out, crop=64, val_fraction=0.0)[0]
    assert fusion["photo"].shape == (3, 64, 64)

    with_reference = tmp_path / "with-reference"
    build_training_set(
        BuildOptions(out=with_reference, shared=shared, teacher_alpha="modnet", teacher="u2netp")
    )
    names = sorted(p.stem for p in (with_reference / "foregrounds" / "alpha").iterdir())
    assert names == ["teacher-alpha-ccp-person__0001", "teacher-alpha-unlabelled-ccp-person__u1"]
    provenance = (with_reference / "licences" / "PROVENANCE.md").read_text()
    assert "1 of 1 photos as matting foregrounds with tiny.onnx's soft alpha" in provenance
    assert "around saliency.onnx's mask's edge" in provenance


def test_easy_alpha_keeps_solid_subjects_and_leaves_out_fuzzy_ones() -> None:
    rng = np.random.default_rng(0)
    ground = rng.uniform(0.0, 0.3, (200, 200, 3)).astype(np.float32)
    solid = (disc(radius=60.0) >= 0.5).astype(np.float32)
    crisp = cv2.GaussianBlur(solid, (0, 0), 0.7)
    photo = crisp[:, :, None] * np.array([0.9, 0.8, 0.2], np.float32) + (1 - crisp[:, :, None]) * ground
    alpha = easy_alpha(photo, solid)
    assert alpha is not None
    assert float(np.abs(alpha - crisp).mean()) < 0.01 and alpha[100, 100] == 1.0 and alpha[0, 0] == 0.0
    # Fur: a wide, noisy soft edge; closed-form matting's alpha is not trustworthy there.
    fuzzy = np.clip(cv2.GaussianBlur(solid, (0, 0), 6.0) + rng.normal(0, 0.3, solid.shape), 0, 1)
    furry = fuzzy[:, :, None] * np.array([0.9, 0.8, 0.2], np.float32) + (1 - fuzzy[:, :, None]) * ground
    assert easy_alpha(furry.astype(np.float32), solid) is None
    assert easy_alpha(photo, np.zeros_like(solid)) is None  # no subject


def test_build_training_set_adds_easy_objects(tmp_path: Path) -> None:
    from engine.training.sources import find_sources

    shared = tmp_path / "shared"
    objects = shared / "real" / "duts-tr"
    for folder in ("image", "mask"):
        (objects / folder).mkdir(parents=True)
    solid = disc() >= 0.5
    colour = np.where(solid[:, :, None], [40, 200, 230], [90, 30, 20]).astype(np.uint8)
    cv2.imwrite(str(objects / "image" / "a.png"), cv2.GaussianBlur(colour, (0, 0), 0.7))
    cv2.imwrite(str(objects / "mask" / "a.png"), solid.astype(np.uint8) * 255)
    out = tmp_path / "out"
    build_training_set(BuildOptions(out=out, shared=shared, easy_alpha=True))
    assert [f.name for f in find_sources(out).foregrounds] == ["easy-alpha-duts-tr__a"]
    assert (
        "1 of 1 photos as matting foregrounds with closed-form alpha"
        in (out / "licences" / "PROVENANCE.md").read_text()
    )
