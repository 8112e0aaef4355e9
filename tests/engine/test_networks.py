"""One harness for every registered network: forward and backward, shapes and ranges, checkpoint round
trip, determinism, odd sizes and size limits (after segmentation_models.pytorch's ``tests/models/base.py``
and kornia's ``BaseTester``). CPU by default; the CUDA cases carry the ``gpu`` mark and skip without it.
"""

from __future__ import annotations

import json

import pytest
import torch

from classic.checks import InvalidInputError
from engine.checkpoint import load_checkpoint, save_checkpoint
from engine.nets import FusionNet, MattingNet, MattingOutput, Network, SingleStreamFusionNet
from engine.registry import MODELS, create_model
from engine.tensors import crop_to, pad_to_multiple

# Registry names, and configurations of them worth their own run (the pretrained-encoder family).
EFFICIENTNET = {"encoder": "efficientnet-lite0", "decoder_widths": [64, 32, 24, 16]}
VARIANTS = {
    **{name: (name, {}) for name in MODELS},
    "segmentation-efficientnet": ("segmentation", EFFICIENTNET),
    "refinement-efficientnet": ("refinement", EFFICIENTNET),
    # The shipped matting network's shape (smaller decoder): it corrects a closed-form hint.
    "matting-hint": (
        "matting",
        {"encoder": "efficientnet-lite0", "decoder_widths": [32, 24, 16, 16, 16], "closed_form_input": True},
    ),
    # The shipped fusion network's shape (smaller decoder): pretrained encoders, the photo as input too.
    "fusion-photo": (
        "fusion",
        {"encoder": "efficientnet-lite0", "decoder_widths": [32, 24, 16, 16, 16], "photo_input": True},
    ),
}
NAMES = list(VARIANTS)
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")],
    ),
]
# Output planes of each network's forward, and whether forward's values already lie in [0, 1].
OUTPUT_CHANNELS = {
    "segmentation": (1,),
    "refinement": (1,),
    "matting": (1, 1),
    "fusion": (3,),
    "fusion-single-stream": (3,),
    "plate-matting": (1,),
    "trimap": (3,),
}
OUTPUT_CHANNELS |= {
    "segmentation-efficientnet": (1,),
    "refinement-efficientnet": (1,),
    "matting-hint": (1, 1),
    "fusion-photo": (3,),
}
LOGITS = {"segmentation", "refinement", "segmentation-efficientnet", "refinement-efficientnet", "trimap"}
PARAMETER_LIMITS = {
    "segmentation": 5_000_000,
    "refinement": 5_000_000,
    "segmentation-efficientnet": 5_000_000,
    "refinement-efficientnet": 5_000_000,
    "matting": 5_000_000,
    "matting-hint": 5_000_000,
    "fusion": 10_000_000,
    "fusion-photo": 10_000_000,
    "fusion-single-stream": 5_000_000,
    "plate-matting": 5_000_000,
    "trimap": 5_000_000,
}


def _model(name: str, seed: int = 0) -> Network:
    torch.manual_seed(seed)
    registered, config = VARIANTS[name]
    model = create_model(registered, **config)
    assert isinstance(model, Network)
    return model


def _input(model: Network, height: int = 64, width: int = 64, seed: int = 1) -> torch.Tensor:
    """Random planes in [0, 1]; a matting network's trimap channel holds only 0, 0.5 and 1."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(1, model.in_channels, height, width, generator=generator)
    if isinstance(model, MattingNet):
        x[:, 3] = torch.randint(0, 3, (height, width), generator=generator) / 2
    return x


def _planes(output: torch.Tensor | tuple[torch.Tensor, ...]) -> list[torch.Tensor]:
    return list(output) if isinstance(output, tuple) else [output]


def _warm_batch_norm(model: Network) -> None:
    """A few training-mode passes so batch-norm running statistics differ from their defaults."""
    model.train()
    with torch.no_grad():
        for seed in range(2):
            model(_input(model, seed=seed))
    model.eval()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_forward_and_backward_give_finite_non_zero_gradients(name: str, device: str) -> None:
    model = _model(name).to(device).train()
    if name.startswith("fusion") or name == "matting-hint":
        # Fusion heads (and the hint-correcting matting's last layers) start silent (zero), so only they
        # learn on the first step; check the rest with them as they are after some training.
        torch.nn.init.normal_(model.head.weight, std=0.01)
        if name == "matting-hint":
            torch.nn.init.normal_(model.refinement[-1].weight, std=0.01)
    x = _input(model).to(device)
    planes = _planes(model(x))
    assert [p.shape[1] for p in planes] == list(OUTPUT_CHANNELS[name])
    target = torch.rand_like(planes[0])
    loss = sum(((p - target) ** 2).mean() for p in planes)
    assert isinstance(loss, torch.Tensor)
    loss.backward()
    for key, parameter in model.named_parameters():
        assert parameter.grad is not None, f"{key} got no gradient"
        assert torch.isfinite(parameter.grad).all(), f"{key} has a non-finite gradient"
        assert parameter.grad.abs().sum() > 0, f"{key} has an all-zero gradient"


@pytest.mark.parametrize("name", NAMES)
def test_output_shapes_and_ranges(name: str) -> None:
    model = _model(name).eval()
    x = _input(model)
    with torch.no_grad():
        planes = _planes(model(x))
    for plane, channels in zip(planes, OUTPUT_CHANNELS[name], strict=True):
        assert plane.shape == (1, channels, 64, 64) and plane.dtype == torch.float32
        assert torch.isfinite(plane).all()
        if name not in LOGITS:
            assert plane.min() >= 0.0 and plane.max() <= 1.0
    prediction = model.predict(x)
    assert prediction.shape == (1, OUTPUT_CHANNELS[name][-1], 64, 64)
    assert prediction.is_inference() and not model.training
    assert prediction.min() >= 0.0 and prediction.max() <= 1.0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_round_trip_gives_identical_outputs(name: str, device: str, tmp_path) -> None:
    model = _model(name)
    _warm_batch_norm(model)
    path = tmp_path / f"{name}.pt"
    registered = VARIANTS[name][0]
    save_checkpoint(path, model, name=registered, trained_on="noise", metrics={"loss": 0.5})
    loaded, info = load_checkpoint(path, map_location=device, expected_name=registered)
    assert type(loaded) is type(model) and not loaded.training
    assert info.name == registered and info.config == model.config and info.metrics == {"loss": 0.5}
    assert all(p.device.type == device for p in loaded.parameters())
    x = _input(model)
    with torch.no_grad():
        expected = _planes(model(x))
        found = _planes(loaded(x.to(device)))
    for a, b in zip(expected, found, strict=True):
        if device == "cpu":
            assert torch.equal(a, b)
        else:
            torch.testing.assert_close(a, b.cpu(), atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_eval_mode_is_deterministic(name: str) -> None:
    model = _model(name)
    _warm_batch_norm(model)
    x = _input(model)
    with torch.no_grad():
        first, second = _planes(model(x)), _planes(model(x))
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_odd_sizes_work_through_padding_and_are_refused_with_what_to_pad_to(name: str) -> None:
    model = _model(name).eval()
    x = _input(model, height=70, width=50)
    with pytest.raises(InvalidInputError, match="pad to height 96, width 64"):
        model(x)
    padded, size = pad_to_multiple(x)
    assert padded.shape[-2:] == (96, 64) and size == (70, 50)
    with torch.no_grad():
        planes = [crop_to(p, size) for p in _planes(model(padded))]
    assert all(p.shape[-2:] == (70, 50) for p in planes)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_channel_count_is_refused(name: str) -> None:
    model = _model(name)
    with pytest.raises(InvalidInputError, match=rf"expects an \(N, {model.in_channels}, H, W\) tensor"):
        model(torch.zeros(1, model.in_channels + 1, 64, 64))


@pytest.mark.parametrize("name", NAMES)
def test_parameter_count_and_plain_config(name: str) -> None:
    model = _model(name)
    assert sum(p.numel() for p in model.parameters()) <= PARAMETER_LIMITS[name]
    config = model.config
    assert json.loads(json.dumps(config)) == config
    rebuilt = create_model(VARIANTS[name][0], **config)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }


def test_registry_refuses_unknown_names_and_bad_configs() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown network 'vgg'.*segmentation, refinement, matting"):
        create_model("vgg")
    with pytest.raises(InvalidInputError, match=r"unexpected keyword argument 'colour'.*accepts in_channels"):
        create_model("segmentation", colour=True)
    with pytest.raises(InvalidInputError, match="widths must be a sequence of 5 positive integers"):
        create_model("fusion", widths=[8, 8])
    with pytest.raises(InvalidInputError, match="closed_form_input must be True or False"):
        create_model("matting", closed_form_input="yes")


def test_matting_takes_an_optional_closed_form_channel() -> None:
    model = MattingNet(closed_form_input=True).eval()
    assert model.in_channels == 5
    with torch.no_grad():
        output = model(_input(model))
    assert isinstance(output, MattingOutput)
    raw, refined = output
    assert raw.shape == refined.shape == (1, 1, 64, 64)


def test_the_hint_correcting_matting_network_starts_as_the_hint_and_learns_to_move_away() -> None:
    model = _model("matting-hint").eval()
    x = _input(model, seed=3)
    with torch.no_grad():
        raw, refined = model(x)
    assert torch.equal(raw, x[:, 4:5]) and torch.equal(refined, x[:, 4:5])
    # An overshooting correction is clamped to [0, 1] yet still gets a gradient back towards the target.
    model.train()
    torch.nn.init.constant_(model.head.bias, 2.0)
    raw, _ = model(x)
    assert raw.max() == 1.0
    (raw - 0.5).abs().mean().backward()
    assert model.head.bias.grad is not None and model.head.bias.grad.item() > 0


def test_a_matting_checkpoint_from_before_the_encoder_choice_loads_as_mobilenet() -> None:
    old = {key: value for key, value in MattingNet().config.items() if key != "encoder"}
    model = create_model("matting", **old)
    assert model.config["encoder"] == "mobilenet" and model.in_channels == 4
    with pytest.raises(InvalidInputError, match="fixed shape: leave out widths"):
        create_model("matting", encoder="efficientnet-lite0", widths=[8, 8, 8, 8, 8])


def test_fusion_streams_and_compositing() -> None:
    assert len(FusionNet().encoders) == 2 and len(SingleStreamFusionNet().encoders) == 1
    torch.manual_seed(0)
    model = FusionNet().eval()
    x = _input(model)
    with torch.no_grad():
        layers = model.layers(x)
    blended = layers.alpha * layers.foreground + (1 - layers.alpha) * x[:, 4:]
    torch.testing.assert_close(layers.composite, blended)
    assert layers.alpha.shape == (1, 1, 64, 64) and layers.foreground.shape == (1, 3, 64, 64)
    # The head starts silent: an untrained fusion network is plain alpha blending with the (clamped) mask.
    torch.manual_seed(0)
    with torch.no_grad():
        layers = FusionNet().eval().layers(x)
    mask = x[:, 3:4].clamp(0.001, 0.999)
    torch.testing.assert_close(layers.alpha, mask)
    torch.testing.assert_close(layers.composite, mask * x[:, :3] + (1 - mask) * x[:, 4:])


def test_a_fusion_network_with_the_photo_starts_as_the_alpha_blend_and_sees_the_photo() -> None:
    torch.manual_seed(0)
    model = FusionNet(encoder="efficientnet-lite0", decoder_widths=[16] * 5, photo_input=True).eval()
    assert model.in_channels == 10 and model.encoders[0].in_channels == 7
    x = _input(model)
    with torch.no_grad():
        layers = model.layers(x)
    # Untrained, the photo (planes 7–9) changes nothing: the decontaminated colours are blended.
    mask = x[:, 3:4].clamp(0.001, 0.999)
    torch.testing.assert_close(layers.composite, mask * x[:, :3] + (1 - mask) * x[:, 4:7])
    with torch.no_grad():
        model.head.weight.normal_(0.0, 0.1)
        other = x.clone()
        other[:, 7:] = 1.0 - other[:, 7:]
        assert not torch.allclose(model(x), model(other))  # trained, the photo matters
    # A fusion checkpoint from before the encoder choice loads as the compact MobileNet network.
    old = {key: value for key, value in FusionNet().config.items() if key not in ("encoder", "photo_input")}
    loaded = create_model("fusion", **old)
    assert loaded.config["encoder"] == "mobilenet" and loaded.in_channels == 7
    with pytest.raises(InvalidInputError, match="photo_input must be True or False"):
        FusionNet(photo_input="yes")  # type: ignore[arg-type]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", NAMES)
def test_cuda_agrees_with_cpu(name: str) -> None:
    model = _model(name)
    _warm_batch_norm(model)
    x = _input(model)
    expected = _planes(model.predict(x))
    found = _planes(model.to("cuda").predict(x.to("cuda")))
    for a, b in zip(expected, found, strict=True):
        torch.testing.assert_close(a, b.cpu(), atol=1e-3, rtol=1e-3)
