"""The engine benchmark's fusion rows run the shipped fusion network's shape (it takes the photo too) on a
small photo: the forward pass alone, and the composite as the pipeline makes it; clean-plate matting runs
on a shot with a subject and its plate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.bench import benchmark
from engine.checkpoint import save_checkpoint
from engine.registry import create_model
from engine.training.tasks import model_config
from engine.weights import WEIGHTS_ENVIRONMENT


@pytest.mark.parametrize(
    ("name", "shape"), [("fusion network", (1, 3, 64, 96)), ("fusion composite", (64, 96, 3))]
)
def test_the_fusion_rows_run_the_shipped_shape(name: str, shape: tuple[int, ...]) -> None:
    inputs = benchmark._prepared(name, benchmark._inputs((96, 64)))
    image = np.asarray(benchmark._engine_operations()[name](inputs))
    assert image.shape == shape and np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0


def test_clean_plate_matting_is_timed_on_a_shot_with_a_subject_and_its_plate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = create_model("plate-matting", **model_config("plate-matting"))  # untrained: speed is the same
    save_checkpoint(tmp_path / "plate-matting.pt", model, name="plate-matting", trained_on="", metrics={})
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path))
    inputs = benchmark._prepared("clean-plate matting", benchmark._inputs((96, 64)))
    assert inputs.shot is not None
    shot, plate = inputs.shot
    subject = inputs.alpha > 0.99
    np.testing.assert_allclose(shot[subject], inputs.photo[subject], atol=0.01)
    difference = np.abs(shot - plate)  # the plate lacks the subject; elsewhere it is the shot re-exposed
    assert difference[subject].mean() > 3.0 * difference[inputs.alpha < 0.01].mean()
    alpha = np.asarray(benchmark._engine_operations()["clean-plate matting"](inputs))
    assert alpha.shape == (64, 96) and np.isfinite(alpha).all()
