"""The teacher on a tiny ONNX model made here (no download): preprocessing, output, refusals; and the
real U²-Net-p when ``engine.pretrained`` has it on this machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classic.checks import InvalidInputError
from engine.pretrained import find_pretrained
from engine.teacher import (
    MattingTeacher,
    SaliencyTeacher,
    confident_target,
    load_matting_teacher,
    load_teacher,
)

pytest.importorskip("onnx", reason="making a test model needs the onnx package (.[dev])")
pytest.importorskip("onnxruntime", reason="the teacher needs onnxruntime")

from tests.engine.tiny_onnx import tiny_matting_model, tiny_saliency_model


def bright_square(height: int = 90, width: int = 120) -> np.ndarray:
    image = np.full((height, width, 3), 0.2, np.float32)
    image[30:60, 40:80] = 0.9
    return image


def test_soft_mask_follows_the_contract(tmp_path: Path) -> None:
    teacher = SaliencyTeacher(tiny_saliency_model(tmp_path / "tiny.onnx"))
    soft = teacher.soft_mask(bright_square())
    assert soft.shape == (90, 120) and soft.dtype == np.float32
    # Min-max normalised: the bright square is 1, the ground 0, the edge in between.
    assert soft[35:55, 45:75].min() > 0.99 and soft[:20].max() < 0.01
    assert soft.min() == 0.0 and soft.max() == 1.0


def test_a_model_of_another_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"expected one \(1, 3, 320, 320\) input"):
        SaliencyTeacher(tiny_saliency_model(tmp_path / "small.onnx", side=64))
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(InvalidInputError, match="not a usable ONNX model"):
        SaliencyTeacher(tmp_path / "junk.onnx")


def test_the_matting_teacher_follows_modnets_contract(tmp_path: Path) -> None:
    teacher = MattingTeacher(tiny_matting_model(tmp_path / "tiny.onnx"))
    alpha = teacher.soft_alpha(bright_square())
    assert alpha.shape == (90, 120) and alpha.dtype == np.float32
    # RGB went in scaled to [−1, 1]: the tiny model's mean plane maps back to the photo's brightness.
    assert alpha[35:55, 45:75] == pytest.approx(0.9, abs=1e-3) and alpha[:20] == pytest.approx(0.2, abs=1e-3)
    # A one-row photo runs at a bounded size (its short side at 512 would make its long side 2 million).
    seen: list[tuple[int, ...]] = []
    plane = teacher._plane
    teacher._plane = lambda batch: seen.append(batch.shape) or plane(batch)  # type: ignore[method-assign]
    row = teacher.soft_alpha(np.full((1, 4000, 3), 0.9, np.float32))
    assert row.shape == (1, 4000) and seen[-1] == (1, 3, 32, 2048)
    assert row == pytest.approx(0.9, abs=1e-3)
    with pytest.raises(InvalidInputError, match=r"expected one \(N, 3, H, W\) input"):
        MattingTeacher(tiny_matting_model(tmp_path / "grey.onnx", channels=1))
    with pytest.raises(InvalidInputError, match="unknown matting teacher 'vitmatte'"):
        load_matting_teacher("vitmatte")


def test_only_confident_pixels_are_targets() -> None:
    soft = np.array([[0.0, 0.05, 0.5], [0.95, 1.0, 0.2]], np.float32)
    np.testing.assert_array_equal(confident_target(soft), [[0.0, 0.0, 0.5], [1.0, 1.0, 0.5]])


@pytest.mark.skipif(
    find_pretrained("u2netp") is None, reason="U²-Net-p not installed: python -m engine.pretrained u2netp"
)
def test_the_real_teacher_finds_the_astronaut() -> None:
    from skimage import data

    image = data.astronaut().astype(np.float32) / 255
    soft = load_teacher("u2netp").soft_mask(image)
    # The astronaut fills the lower middle of the photo; the top-right corner is background.
    assert soft[300:450, 150:350].mean() > 0.8 and soft[:60, 450:].mean() < 0.1


@pytest.mark.skipif(
    find_pretrained("modnet") is None, reason="MODNet not installed: python -m engine.pretrained modnet"
)
def test_the_real_matting_teacher_cuts_out_the_astronaut_with_a_soft_edge() -> None:
    from skimage import data

    image = data.astronaut().astype(np.float32) / 255
    alpha = load_matting_teacher("modnet").soft_alpha(image)
    assert alpha[300:450, 150:350].mean() > 0.95 and alpha[:60, 450:].mean() < 0.05
    assert 0.005 < float(np.mean((alpha > 0.05) & (alpha < 0.95))) < 0.1  # soft, but only at the edge
