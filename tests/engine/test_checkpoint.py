"""Checkpoints: what they store, atomic writes, and one clear ``CheckpointError`` per way to be wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from classic.checks import InvalidInputError
from engine import checkpoint
from engine.checkpoint import FORMAT_VERSION, CheckpointError, load_checkpoint, save_checkpoint
from engine.registry import create_model

TINY = {"widths": [8, 8, 8, 8, 8], "depths": [1, 1, 1, 1, 1], "decoder_widths": [8, 8, 8, 8, 8]}


def _saved(folder: Path, name: str = "segmentation", **config: Any) -> Path:
    path = folder / "net.pt"
    model = create_model(name, **(config or TINY))
    save_checkpoint(path, model, name=name, trained_on="DUTS-TR", metrics={"iou": 0.9}, extra={"epochs": 3})
    return path


def _rewritten(path: Path, **changes: Any) -> Path:
    """The checkpoint at ``path`` saved again with some fields replaced (None deletes one)."""
    data = torch.load(path, weights_only=True)
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    torch.save(data, path)
    return path


def _refused(path: Path, match: str, **kwargs: Any) -> CheckpointError:
    with pytest.raises(CheckpointError, match=match) as caught:
        load_checkpoint(path, **kwargs)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, InvalidInputError)
    return caught.value


def test_round_trip_keeps_the_description(tmp_path: Path) -> None:
    model, info = load_checkpoint(_saved(tmp_path), expected_name="segmentation")
    assert type(model).__name__ == "SegmentationNet" and not model.training
    assert info.name == "segmentation" and info.class_name == "SegmentationNet"
    assert info.config == {"in_channels": 3, "expansion": 4, "encoder": "mobilenet", **TINY}
    assert info.trained_on == "DUTS-TR" and info.metrics == {"iou": 0.9} and info.extra == {"epochs": 3}
    assert info.format_version == FORMAT_VERSION and info.torch_version == str(torch.__version__)
    data = torch.load(tmp_path / "net.pt", weights_only=True)
    assert set(data) >= {"format_version", "name", "class", "config", "trained_on", "metrics"}
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]  # no temporary file left behind


def test_checkpoints_from_before_the_encoder_choice_load_as_mobilenet(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    data = torch.load(path, weights_only=True)
    del data["config"]["encoder"]  # as every checkpoint written before the encoder was recorded
    torch.save(data, path)
    model, info = load_checkpoint(path)
    assert "encoder" not in info.config and model.config["encoder"] == "mobilenet"


def test_half_precision_storage_loads_as_float32(tmp_path: Path) -> None:
    path = tmp_path / "half.pt"
    torch.manual_seed(0)
    model = create_model("segmentation", **TINY)
    save_checkpoint(path, model, name="segmentation", trained_on="", metrics={}, half=True)
    stored = torch.load(path, weights_only=True)["state_dict"]
    assert stored["head.weight"].dtype == torch.float16
    assert stored["encoder.stages.0.0.1.num_batches_tracked"].dtype == torch.int64
    loaded, _ = load_checkpoint(path)
    weight = loaded.state_dict()["head.weight"]
    assert weight.dtype == torch.float32
    torch.testing.assert_close(weight, model.state_dict()["head.weight"], atol=1e-3, rtol=1e-3)


def test_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "absent.pt", "checkpoint not found")


def test_truncated_file(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _refused(path, "not a readable checkpoint")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.pt"
    path.write_bytes(bytes(range(256)) * 8)
    _refused(path, "not a readable checkpoint")


def test_pickled_objects_are_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "object.pt"
    torch.save({"format_version": FORMAT_VERSION, "name": Path("segmentation")}, path)
    _refused(path, "not a readable checkpoint")


def test_not_a_dict(tmp_path: Path) -> None:
    path = tmp_path / "list.pt"
    torch.save([1, 2, 3], path)
    _refused(path, "holds a list, not a dict")


def test_other_format_version(tmp_path: Path) -> None:
    _refused(_rewritten(_saved(tmp_path), format_version=99), "format version 99; this version reads 1")


def test_missing_field(tmp_path: Path) -> None:
    _refused(_rewritten(_saved(tmp_path), trained_on=None), "missing trained_on")


def test_field_of_the_wrong_type(tmp_path: Path) -> None:
    _refused(_rewritten(_saved(tmp_path), config=[1, 2]), "config should be a dict")


def test_other_network_than_expected(tmp_path: Path) -> None:
    _refused(_saved(tmp_path), "holds a 'segmentation' network, expected 'matting'", expected_name="matting")


def test_unknown_name(tmp_path: Path) -> None:
    _refused(_rewritten(_saved(tmp_path), name="unet"), "unknown network 'unet'; known: segmentation")


def test_class_mismatch_with_the_registry(tmp_path: Path) -> None:
    path = _rewritten(_saved(tmp_path), **{"class": "OldSegmentationNet"})
    _refused(path, "saved from class OldSegmentationNet but 'segmentation' is now SegmentationNet")


def test_config_with_an_unknown_argument(tmp_path: Path) -> None:
    path = _rewritten(_saved(tmp_path), config={**TINY, "dropout": 0.1})
    _refused(path, "SegmentationNet rejects the stored config.*unexpected keyword argument 'dropout'")


def test_config_with_a_bad_value(tmp_path: Path) -> None:
    path = _rewritten(_saved(tmp_path), config={**TINY, "widths": [8, 8]})
    _refused(path, "rejects the stored config.*widths must be a sequence of 5")


def test_state_dict_with_a_missing_key(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    state = torch.load(path, weights_only=True)["state_dict"]
    del state["head.weight"]
    _refused(_rewritten(path, state_dict=state), "weights do not fit SegmentationNet: missing head.weight")


def test_state_dict_with_wrong_shapes(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    state = torch.load(path, weights_only=True)["state_dict"]
    state["head.weight"] = torch.zeros(2, 8, 1, 1)
    path = _rewritten(path, state_dict=state)
    _refused(path, r"wrong shape head.weight \(2, 8, 1, 1\) instead of \(1, 8, 1, 1\)")


def test_save_refuses_what_could_not_be_loaded(tmp_path: Path) -> None:
    model = create_model("segmentation", **TINY)
    path = tmp_path / "net.pt"
    with pytest.raises(CheckpointError, match="unknown network 'unet'"):
        save_checkpoint(path, model, name="unet", trained_on="", metrics={})
    with pytest.raises(CheckpointError, match="network 'matting' is a MattingNet, not a SegmentationNet"):
        save_checkpoint(path, model, name="matting", trained_on="", metrics={})
    with pytest.raises(CheckpointError, match="config does not rebuild this SegmentationNet's parameters"):
        save_checkpoint(path, model, name="segmentation", config={}, trained_on="", metrics={})
    with pytest.raises(CheckpointError, match="extra must hold only"):
        save_checkpoint(path, model, name="segmentation", trained_on="", metrics={}, extra={"p": path})
    with pytest.raises(CheckpointError, match="metrics must map names to numbers"):
        save_checkpoint(path, model, name="segmentation", trained_on="", metrics={"iou": "high"})  # type: ignore[dict-item]
    assert not any(tmp_path.iterdir())


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _saved(tmp_path)
    before = path.read_bytes()

    def broken_save(payload: object, file: Any) -> None:
        file.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", broken_save)
    with pytest.raises(InvalidInputError, match=r"net.pt: cannot write \(disk full\)"):
        save_checkpoint(
            path, create_model("segmentation", **TINY), name="segmentation", trained_on="", metrics={}
        )
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]


def test_the_leftover_of_a_killed_write_goes_with_the_next_save(tmp_path: Path) -> None:
    """A process killed while writing leaves ``.net.pt.PID.*.part``; the next save of that file removes it
    (its writer no longer runs), and never a part file of a writer that still runs."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    stale = tmp_path / f".net.pt.{int(ended.stdout)}.x1y2.part"
    stale.write_bytes(b"half a checkpoint")
    running = tmp_path / f".net.pt.{os.getpid()}.z3.part"
    running.write_bytes(b"being written")
    _saved(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["net.pt", running.name])
