"""The fine-tune job without Qt: the user's folder checked, sessions exported as a DUTS-style folder, the
trainer driven (with fakes that report a few steps, and once for real on a tiny network), the before /
after scores on the held-back split, the step text and the loss plot's scaling."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from app.gui.fine_tune_plot import to_pixels
from app.model.document import Document
from app.project.session import ProjectState, save_project, snapshot
from app.training import fine_tune as fine_tune_module
from app.training.fine_tune import (
    FineTuneRequest,
    SessionSource,
    Training,
    describe_step,
    fine_tune,
    improved,
)
from app.training.fine_tune_data import export_sessions, find_pairs, session_matte
from classic.checks import InvalidInputError
from classic.imageio import read_matte, write_image
from classic.pipeline import Cutout
from classic.progress import Cancelled
from engine.checkpoint import load_checkpoint, save_checkpoint
from engine.registry import create_model

SMALL = {
    "widths": [8, 8, 16, 16, 16],
    "depths": [1, 1, 1, 1, 1],
    "decoder_widths": [16, 16, 8, 8, 8],
    "expansion": 2,
}


def untrained(path: Path, kind: str = "segmentation", *, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    save_checkpoint(path, create_model(kind, **SMALL), name=kind, trained_on="untrained", metrics={})
    return path


def disc(size: int = 64, *, shift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A red disc on green-grey (photo) and its mask, both float32."""
    rows, cols = np.mgrid[0:size, 0:size]
    inside = (rows - size / 2 - shift) ** 2 + (cols - size / 2 + shift) ** 2 <= (size * 0.3) ** 2
    photo = np.empty((size, size, 3), np.float32)
    photo[:] = (0.6, 0.7, 0.62)
    photo[inside] = (0.85, 0.15, 0.1)
    return photo, inside.astype(np.float32)


def duts_folder(folder: Path, count: int = 3, *, matte: str = "mask") -> Path:
    for index in range(count):
        photo, mask = disc(shift=3 * index)
        (folder / "image").mkdir(parents=True, exist_ok=True)
        (folder / matte).mkdir(parents=True, exist_ok=True)
        write_image(folder / "image" / f"photo{index}.jpg", photo)
        write_image(folder / matte / f"photo{index}.png", mask)
    return folder


def session(alpha_only: bool = False) -> ProjectState:
    photo, mask = disc()
    state = ProjectState()
    state.layers["foreground"] = photo
    state.layers["alpha"] = mask * 0.8
    if not alpha_only:
        state.layers["segmentation mask"] = mask
    return state


def fake_training(
    tmp_path: Path, *, calls: list[str] | None = None, wait_for_cancel: bool = False
) -> Training:
    """A trainer that reports ``steps`` decreasing losses and writes an untrained checkpoint; ``validate``
    gives 0.4 IoU on its first call (the model before) and 0.6 after."""
    calls = calls if calls is not None else []
    scores = iter([0.4, 0.6, 0.8])

    def train(options: Any, *, progress: Any, is_cancelled: Any) -> Any:
        calls.append("train")
        for step in range(1, options.steps + 1):
            if wait_for_cancel:  # Keeps reporting until cancelled (bounded, so a bug cannot hang the test).
                deadline = time.monotonic() + 10
                while not is_cancelled() and time.monotonic() < deadline:
                    progress(
                        SimpleNamespace(
                            step=1,
                            steps=options.steps,
                            loss=1.0,
                            steps_per_second=1.0,
                            eta_seconds=9.0,
                            validation=None,
                        )
                    )
                    time.sleep(0.02)
            if is_cancelled():
                return SimpleNamespace(checkpoint=None, steps_done=step - 1, metrics={}, cancelled=True)
            validation = {"iou": 0.5} if step == options.steps else None
            progress(
                SimpleNamespace(
                    step=step,
                    steps=options.steps,
                    loss=1.0 / step,
                    steps_per_second=20.0,
                    eta_seconds=(options.steps - step) / 20.0,
                    validation=validation,
                )
            )
        checkpoint = untrained(Path(options.out) / f"{options.kind}.pt", options.kind, seed=1)
        return SimpleNamespace(checkpoint=checkpoint, steps_done=options.steps, metrics={}, cancelled=False)

    def validate(model: Any, kind: str, dataset: Any, *, device: str) -> dict[str, float]:
        calls.append(f"validate {kind} on {device}")
        return {"iou": next(scores), "items": float(len(dataset))}

    def build_dataset(kind: str, data: Path, **kwargs: Any) -> list[int]:
        calls.append(f"dataset {kwargs['split']} {kwargs['val_fraction']}")
        return [0, 1]

    return Training(lambda **kwargs: SimpleNamespace(**kwargs), train, validate, build_dataset)


# --- data -------------------------------------------------------------------------------------------------


def test_find_pairs_matches_photos_to_masks_or_alphas(tmp_path: Path) -> None:
    folder = duts_folder(tmp_path / "mine", 3)
    (folder / "image" / "notes.txt").write_text("not a photo")
    write_image(folder / "image" / "lonely.png", disc()[0])  # No mask of that name.
    pairs = find_pairs(folder)
    assert [(photo.name, matte.name) for photo, matte in pairs] == [
        (f"photo{i}.jpg", f"photo{i}.png") for i in range(3)
    ]
    assert find_pairs(duts_folder(tmp_path / "alphas", 2, matte="alpha"))[0][1].parent.name == "alpha"
    with pytest.raises(InvalidInputError, match=r"needs an image/ folder"):
        find_pairs(tmp_path / "nothing")
    (tmp_path / "unmatched" / "image").mkdir(parents=True)
    (tmp_path / "unmatched" / "mask").mkdir()
    with pytest.raises(InvalidInputError, match=r"no photo in .* has a mask or alpha"):
        find_pairs(tmp_path / "unmatched")


def test_a_session_gives_a_mask_or_an_alpha_as_the_network_needs() -> None:
    state = session()
    np.testing.assert_array_equal(session_matte(state, "segmentation"), state.layers["segmentation mask"])
    np.testing.assert_array_equal(session_matte(state, "matting"), state.layers["alpha"])
    # Without a mask layer, segmentation learns the alpha thresholded at 0.5.
    np.testing.assert_array_equal(session_matte(session(alpha_only=True), "refinement"), disc()[1])
    assert session_matte(ProjectState(layers={"foreground": disc()[0]}), "fusion") is None


def test_sessions_are_exported_as_a_duts_folder(tmp_path: Path) -> None:
    document = Document()
    photo, mask = disc()
    document.set_foreground(photo, name="dog.png")
    mask[0:4, 0:4] = 1.0  # A correction the user painted.
    document.set_cutout(Cutout(mask, np.where(mask > 0, 1.0, 0.0).astype(np.float32), mask * 0.9, photo))
    saved = Path(save_project(snapshot(document), tmp_path / "dog walk.zip"))
    empty = Path(save_project(ProjectState(layers={"background": photo}), tmp_path / "empty.zip"))
    out = tmp_path / "data"
    progress: list[float] = []
    exported = export_sessions(
        out,
        kind="segmentation",
        current=snapshot(document),
        projects=[saved, empty],
        progress=lambda fraction, message: progress.append(fraction),
    )
    assert exported.written == ["current_session", "dog_walk"]
    assert exported.skipped == ["empty: no foreground photo"]
    assert sorted(p.name for p in (out / "image").iterdir()) == ["current_session.png", "dog_walk.png"]
    np.testing.assert_array_equal(read_matte(out / "mask" / "dog_walk.png"), mask)
    assert [len(pair) for pair in find_pairs(out)] == [2, 2] and progress[-1] == 1.0
    exported = export_sessions(tmp_path / "alpha", kind="matting", current=snapshot(document))
    np.testing.assert_allclose(
        read_matte(tmp_path / "alpha" / "alpha" / "current_session.png"), mask * 0.9, atol=1e-4
    )
    with pytest.raises(InvalidInputError, match=r"no session has a foreground photo"):
        export_sessions(tmp_path / "none", kind="matting", projects=[empty])


# --- the job ----------------------------------------------------------------------------------------------


def test_fine_tune_trains_from_the_init_model_and_scores_before_and_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(fine_tune_module, "_training", lambda: fake_training(tmp_path, calls=calls))
    init = untrained(tmp_path / "init.pt")
    request = FineTuneRequest(
        "segmentation", duts_folder(tmp_path / "mine"), tmp_path / "out", 4, init, device="cpu"
    )
    steps: list[Any] = []
    progress: list[tuple[float, str]] = []
    result = fine_tune(request, on_step=steps.append, progress=lambda f, m: progress.append((f, m)))

    assert [step.step for step in steps] == [1, 2, 3, 4]
    assert result.before == {"iou": 0.4} and result.after == {"iou": 0.6} and result.held_back == 2
    assert result.checkpoint == tmp_path / "out" / "segmentation.pt" and result.steps_done == 4
    assert calls == [
        "train",
        "dataset val 0.2",
        "validate segmentation on cpu",
        "validate segmentation on cpu",
    ]
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[0][1].startswith("Step 1/4 · loss 1.0000")


def test_fine_tune_from_scratch_has_no_before_and_exports_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fine_tune_module, "_training", lambda: fake_training(tmp_path))
    sessions = SessionSource(current=session(), projects=())
    request = FineTuneRequest("matting", tmp_path / "data", tmp_path / "out", 2, None, sessions=sessions)
    result = fine_tune(request)
    assert result.before is None and result.after == {"iou": 0.4}
    assert (tmp_path / "data" / "alpha" / "current_session.png").is_file()
    assert request.learning_rate > FineTuneRequest("matting", tmp_path, tmp_path, 2, tmp_path).learning_rate


@pytest.mark.parametrize(("kind", "share"), [("plate-matting", 0.5), ("segmentation", 0.0)])
def test_the_clean_plate_network_is_tuned_with_its_recipes_camouflage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, share: float
) -> None:
    seen: list[Any] = []

    def train(options: Any, **_: Any) -> Any:
        seen.append(options)
        raise Cancelled()  # The options are what is checked; no network is trained.

    monkeypatch.setattr(fine_tune_module, "_training", lambda: fake_training(tmp_path)._replace(train=train))
    with pytest.raises(Cancelled):
        fine_tune(FineTuneRequest(kind, duts_folder(tmp_path / "mine"), tmp_path / "out", 1, None))
    assert [options.camouflage for options in seen] == [share]


def test_a_cancelled_fine_tune_raises_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fine_tune_module, "_training", lambda: fake_training(tmp_path))
    request = FineTuneRequest("segmentation", duts_folder(tmp_path / "mine"), tmp_path / "out", 5, None)
    seen: list[int] = []
    with pytest.raises(Cancelled):
        fine_tune(request, on_step=lambda step: seen.append(step.step), is_cancelled=lambda: len(seen) >= 2)
    assert seen == [1, 2]


def test_fine_tune_runs_the_real_trainer_for_two_steps(tmp_path: Path) -> None:
    trainer = pytest.importorskip(
        "engine.training.trainer", reason="engine.training.trainer is not there yet"
    )
    pytest.importorskip("engine.training.datasets", reason="engine.training.datasets is not there yet")
    init = untrained(tmp_path / "init.pt")  # Tiny: the trainer keeps the init checkpoint's config.
    data = duts_folder(tmp_path / "mine", 3)
    request = FineTuneRequest(
        "segmentation", data, tmp_path / "out", 2, init, batch_size=2, crop=64, device="cpu"
    )
    steps: list[Any] = []
    result = fine_tune(request, on_step=steps.append)
    assert [step.step for step in steps] == [1, 2] and all(
        isinstance(s, trainer.TrainProgress) for s in steps
    )
    assert result.steps_done == 2 and result.held_back >= 1
    assert result.before is not None and set(result.before) == set(result.after) and "iou" in result.after
    _model, info = load_checkpoint(result.checkpoint)
    assert info.name == "segmentation" and info.config == load_checkpoint(init)[1].config


# --- text and plot ----------------------------------------------------------------------------------------


def test_describe_step_and_improved() -> None:
    report = SimpleNamespace(step=40, steps=500, loss=0.12345, steps_per_second=2.5, eta_seconds=184.0)
    assert describe_step(report) == "Step 40/500 · loss 0.1235 · 2.5 steps/s · 3 min left"
    assert describe_step(SimpleNamespace(**{**vars(report), "eta_seconds": 12.0})).endswith("12 s left")
    assert improved("iou", 0.4, 0.6) is True and improved("psnr_band", 30.0, 29.0) is False
    assert improved("sad", 10.0, 8.0) is True and improved("mse", 0.1, 0.1) is None


def test_loss_points_scale_into_the_plot_area() -> None:
    pixels = to_pixels([(1, 2.0), (3, 1.0), (5, 0.0)], (10.0, 20.0, 100.0, 50.0))
    assert pixels == [(10.0, 20.0), (60.0, 45.0), (110.0, 70.0)]  # Highest loss at the top.
    assert to_pixels([(7, 0.5)], (0.0, 0.0, 10.0, 10.0)) == [(0.0, 5.0)]
    assert to_pixels([], (0.0, 0.0, 10.0, 10.0)) == []
