"""The learned trimap's end-to-end stage (Semantic Human Matting): the fused alpha, its loss, its data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from classic.checks import InvalidInputError
from classic.matting import estimate_alpha
from engine.checkpoint import load_checkpoint, save_checkpoint
from engine.nets import MattingOutput
from engine.registry import create_model
from engine.training.datasets import build_dataset
from engine.training.losses import TRIMAP_TERM_WEIGHT, trimap_end_to_end_loss, trimap_loss
from engine.training.tasks import TrimapEndToEndTask, model_config
from engine.training.trainer import Trainer, TrainOptions
from tests.engine.training.fakes import (
    TINY_PRETRAINED,
    FakeItems,
    fake_datasets,
    write_tiny_matting_network,
    write_training_folder,
)


class PlaneMatting(nn.Module):
    """A stand-in M-Net whose alpha is one of its input planes (3: the trimap plane, 4: the hint)."""

    def __init__(self, plane: int) -> None:
        super().__init__()
        self.in_channels = max(4, plane + 1)
        self.plane = plane
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> MattingOutput:
        assert x.shape[1] == self.in_channels
        alpha = self.scale * x[:, self.plane : self.plane + 1]
        return MattingOutput(alpha, alpha)


def _batch(count: int = 2) -> dict[str, torch.Tensor]:
    items = FakeItems("trimap-end-to-end", count=count, crop=64)
    return {key: torch.stack([items[i][key] for i in range(count)]) for key in items[0]}


def test_the_fused_alpha_is_f_plus_u_times_the_m_nets_alpha_given_the_soft_trimap() -> None:
    task = TrimapEndToEndTask(PlaneMatting(3))  # α_raw = the trimap plane the M-Net was given
    logits = torch.randn(2, 3, 64, 64, requires_grad=True)
    fused = task.fused_alpha(logits, _batch())
    p = torch.softmax(logits, dim=1)
    unknown, foreground = p[:, 1:2], p[:, 2:3]
    torch.testing.assert_close(fused, foreground + unknown * (0.5 * unknown + foreground))
    fused.sum().backward()
    assert logits.grad is not None and bool(logits.grad.abs().sum() > 0)
    assert not any(parameter.requires_grad for parameter in task.matting_network.parameters())


def test_a_correcting_m_net_gets_closed_form_matting_in_the_most_likely_trimap() -> None:
    task = TrimapEndToEndTask(PlaneMatting(4))  # α_raw = the closed-form hint
    batch = _batch(1)
    logits = torch.zeros(1, 3, 64, 64)
    logits[:, 2, 16:48, 16:48] = 5.0  # a foreground square with an unknown rim around it
    logits[:, 1, 12:52, 12:52] += 3.0
    fused = task.fused_alpha(logits, batch)
    p = torch.softmax(logits, dim=1)
    trimap = (p.argmax(dim=1)[0].numpy() * 0.5).astype(np.float32)
    assert (trimap == 0.5).any() and (trimap == 1.0).any()
    image = batch["image"][0].permute(1, 2, 0).numpy()
    hint = torch.from_numpy(estimate_alpha(image, trimap))[None, None]
    torch.testing.assert_close(fused, p[:, 2:3] + p[:, 1:2] * hint, rtol=0, atol=1e-5)


def test_the_end_to_end_loss_scores_the_fused_alpha_everywhere_and_weighs_the_trimap_term() -> None:
    batch = _batch()
    logits = torch.randn(2, 3, 64, 64)
    perfect = trimap_end_to_end_loss(logits, batch["alpha"], batch)
    assert perfect.parts["alpha"] < 1e-5 and perfect.parts["composition"] < 1e-5
    expected = TRIMAP_TERM_WEIGHT * trimap_loss(logits, batch["trimap"], batch["weight"]).total
    torch.testing.assert_close(perfect.total, expected, rtol=1e-3, atol=1e-5)
    # An error far from the trimap's unknown band counts too: there is no band to restrict it to.
    wrong = batch["alpha"].clone()
    wrong[:, :, :4, :4] = 1.0 - wrong[:, :, :4, :4]
    assert trimap_end_to_end_loss(logits, wrong, batch).parts["alpha"] > 1e-3


def test_the_stage_trains_the_t_net_through_the_fixed_m_net_and_saves_a_trimap_network(
    tmp_path: Path,
) -> None:
    m_net = write_tiny_matting_network(tmp_path / "m-net.pt")
    init = create_model("trimap", **model_config("trimap", TINY_PRETRAINED))
    save_checkpoint(tmp_path / "t-net.pt", init, name="trimap", trained_on="nothing", metrics={})
    options = TrainOptions(
        kind="trimap-end-to-end",
        data=tmp_path,
        out=tmp_path / "out",
        steps=3,
        batch_size=2,
        crop=64,
        device="cpu",
        validate_every=3,
        init=tmp_path / "t-net.pt",
        matting=m_net,
    )
    trainer = Trainer(options, datasets=fake_datasets("trimap-end-to-end"))
    result = trainer.run()
    assert {"sad", "mse", "sad_whole", "accuracy", "unknown_iou"} <= set(result.metrics)
    network, info = load_checkpoint(result.checkpoint, expected_name="trimap")
    assert result.checkpoint.name == "trimap-end-to-end.pt" and info.extra["matting"] == str(m_net)
    changed = [k for k, v in init.state_dict().items() if not torch.equal(v, network.state_dict()[k])]
    assert changed
    task = trainer.task
    assert isinstance(task, TrimapEndToEndTask)
    original = load_checkpoint(m_net)[0].state_dict()
    for key, value in task.matting_network.state_dict().items():
        assert torch.equal(value, original[key]), key


def test_a_matting_network_applies_to_the_end_to_end_stage_only(tmp_path: Path) -> None:
    m_net = write_tiny_matting_network(tmp_path / "m-net.pt")
    with pytest.raises(InvalidInputError, match="end-to-end stage"):
        TrainOptions(kind="trimap", data=tmp_path, out=tmp_path / "out", matting=m_net).check()
    with pytest.raises(InvalidInputError, match="--matting checkpoint not found"):
        TrainOptions(
            kind="trimap-end-to-end", data=tmp_path, out=tmp_path / "out", matting=tmp_path / "none.pt"
        ).check()


def test_end_to_end_items_are_composites_with_their_layers_and_a_trimap_to_learn(tmp_path: Path) -> None:
    data = write_training_folder(tmp_path / "data")
    dataset = build_dataset("trimap-end-to-end", data, crop=64)
    for index in range(len(dataset)):
        item = dataset[index]
        assert set(item) == {"image", "trimap", "weight", "segmentation", "alpha", "foreground", "background"}
        alpha, trimap = item["alpha"], item["trimap"]
        composite = alpha * item["foreground"] + (1 - alpha) * item["background"]
        torch.testing.assert_close(item["image"], composite, rtol=0, atol=1e-5)
        assert set(torch.unique(trimap).tolist()) <= {0.0, 0.5, 1.0}
        assert bool(torch.all(trimap[(alpha > 0.02) & (alpha < 0.98)] == 0.5))
        assert bool(torch.all(item["weight"] == 1.0))
