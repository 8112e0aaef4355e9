"""The model store: versions added, selected and rolled back; the index on disk; refusals; the shipped
default never written; and the pipeline (through ``engine.weights``) using the selected version."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import model_store as model_store_module
from engine import networks as networks_module
from engine.checkpoint import save_checkpoint
from engine.model_store import MODELS_ENVIRONMENT, ModelStore, ModelStoreError, default_models_root
from engine.pipeline import Pipeline, PipelineOptions
from engine.registry import create_model
from engine.weights import WEIGHTS_ENVIRONMENT, NetworkUnavailableError, installed_weights, pinned_weights

SMALL = {
    "widths": [8, 8, 16, 16, 16],
    "depths": [1, 1, 1, 1, 1],
    "decoder_widths": [16, 16, 8, 8, 8],
    "expansion": 2,
}


def untrained(path: Path, kind: str = "segmentation", *, seed: int = 0) -> Path:
    """A checkpoint of a small untrained ``kind`` network at ``path``."""
    torch.manual_seed(seed)
    model = create_model(kind, **SMALL)
    save_checkpoint(path, model, name=kind, trained_on="nothing: untrained", metrics={"iou": 0.25 + seed})
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A shipped-weights folder holding a segmentation checkpoint."""
    folder = tmp_path / "shipped"
    untrained(folder / "segmentation.pt", seed=9)
    return folder


@pytest.fixture
def store(tmp_path: Path, shipped: Path) -> ModelStore:
    return ModelStore(tmp_path / "models", shipped=shipped)


def test_add_select_and_roll_back_never_write_the_shipped_default(
    store: ModelStore, shipped: Path, tmp_path: Path
) -> None:
    shipped_file = shipped / "segmentation.pt"
    before = digest(shipped_file)
    assert store.versions("segmentation") == [] and store.active_path("segmentation") == shipped_file

    first = store.add("segmentation", untrained(tmp_path / "a.pt", seed=1), note="my dogs", base="shipped")
    second = store.add("segmentation", untrained(tmp_path / "b.pt", seed=2), note="more dogs", base="v1")
    assert [v.label for v in store.versions("segmentation")] == ["v1", "v2"]
    assert second.path == tmp_path / "models" / "segmentation" / "v2.pt"
    assert digest(second.path) == digest(tmp_path / "b.pt")
    assert first.metrics == {"iou": 1.25}  # The checkpoint's own metrics when none are given.
    # Adding does not switch models: the user chooses.
    assert store.selected("segmentation") is None and store.active_path("segmentation") == shipped_file

    store.select("segmentation", 2)
    assert store.active_path("segmentation") == second.path
    store.select("segmentation", 1)  # Roll back one version…
    assert store.active_path("segmentation") == first.path
    store.select("segmentation", None)  # …or to the shipped default.
    assert store.active_path("segmentation") == shipped_file
    assert digest(shipped_file) == before
    assert sorted(p.name for p in shipped.iterdir()) == ["segmentation.pt"]
    assert store.active_path("matting") is None  # Nothing shipped, nothing stored.


def test_the_index_survives_a_new_store_on_the_same_folder(store: ModelStore, tmp_path: Path) -> None:
    added = store.add(
        "matting", untrained(tmp_path / "m.pt", "matting"), note="hair", base="v0", metrics={"sad": 3.5}
    )
    store.select("matting", added.version)
    again = ModelStore(store.root, shipped=store.shipped)
    (version,) = again.versions("matting")
    assert version == added
    assert (version.note, version.base, version.metrics, version.date) == (
        "hair",
        "v0",
        {"sad": 3.5},
        added.date,
    )
    assert again.selected("matting") == added and again.active_path("matting") == added.path


def test_a_bad_checkpoint_is_refused_and_nothing_is_written(store: ModelStore, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelStoreError, match=r"not added: .*garbage.pt"):
        store.add("segmentation", garbage, note="")
    with pytest.raises(ModelStoreError, match=r"holds a 'matting' network, not a segmentation network"):
        store.add("segmentation", untrained(tmp_path / "m.pt", "matting"), note="")
    with pytest.raises(ModelStoreError, match=r"unknown network kind 'colour'"):
        store.add("colour", untrained(tmp_path / "s.pt"), note="")
    assert store.versions("segmentation") == []
    assert not (store.root / "segmentation").exists()


def test_selecting_a_version_that_does_not_exist_is_refused(store: ModelStore, tmp_path: Path) -> None:
    store.add("segmentation", untrained(tmp_path / "a.pt"), note="")
    with pytest.raises(ModelStoreError, match=r"no segmentation model v7"):
        store.select("segmentation", 7)
    assert store.selected("segmentation") is None


def test_version_numbers_are_never_reused(store: ModelStore, tmp_path: Path) -> None:
    for seed in (1, 2):
        store.add("segmentation", untrained(tmp_path / f"{seed}.pt", seed=seed), note="")
    (store.root / "segmentation" / "index.json").unlink()  # An index lost, its files left behind.
    added = store.add("segmentation", untrained(tmp_path / "3.pt", seed=3), note="")
    assert added.label == "v3" and [v.version for v in store.versions("segmentation")] == [3]


def test_a_damaged_store_falls_back_to_the_shipped_default(
    store: ModelStore, shipped: Path, tmp_path: Path
) -> None:
    added = store.add("segmentation", untrained(tmp_path / "a.pt"), note="")
    store.select("segmentation", added.version)
    added.path.unlink()
    assert store.active_path("segmentation") == shipped / "segmentation.pt"
    (store.root / "segmentation" / "index.json").write_text("{ not json", encoding="utf-8")
    assert store.active_path("segmentation") == shipped / "segmentation.pt"
    with pytest.raises(ModelStoreError, match=r"index.json cannot be read"):
        store.versions("segmentation")


def test_the_default_root_is_the_environment_or_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODELS_ENVIRONMENT, str(tmp_path / "mine"))
    assert default_models_root() == tmp_path / "mine" and ModelStore().root == tmp_path / "mine"
    monkeypatch.delenv(MODELS_ENVIRONMENT)
    monkeypatch.setattr(model_store_module.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_models_root() == tmp_path / "data" / "compositor" / "models"


def test_the_pipeline_uses_the_selected_version(
    monkeypatch: pytest.MonkeyPatch, shipped: Path, tmp_path: Path
) -> None:
    monkeypatch.delenv(WEIGHTS_ENVIRONMENT, raising=False)
    monkeypatch.setattr(model_store_module, "WEIGHTS_FOLDER", shipped)  # The store's default shipped folder.
    loaded: list[Path] = []
    real = networks_module.load_checkpoint

    def recording(path: Path, **kwargs: object) -> object:
        loaded.append(Path(path))
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(networks_module, "load_checkpoint", recording)
    store = ModelStore()  # The same store as the pipeline's: $COMPOSITOR_MODELS (tests/conftest.py).
    first = store.add("segmentation", untrained(tmp_path / "a.pt", seed=1), note="")
    second = store.add("segmentation", untrained(tmp_path / "b.pt", seed=2), note="")
    pipeline = Pipeline(PipelineOptions(segmentation="network", device="cpu"))
    photo = np.full((48, 64, 3), 0.5, np.float32)

    pipeline.segment(photo)
    store.select("segmentation", second.version)
    pipeline.segment(photo)
    store.select("segmentation", first.version)
    pipeline.segment(photo)
    pipeline.segment(photo)  # Unchanged selection: nothing reloads.
    assert loaded == [shipped / "segmentation.pt", second.path, first.path]

    # $COMPOSITOR_WEIGHTS still overrides the store (the tests' temporary weights folders).
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "empty"))
    with pytest.raises(NetworkUnavailableError, match=r"no trained segmentation network"):
        pipeline.segment(photo)


def test_pinned_weights_apply_to_one_kind_on_one_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "empty"))
    pinned = untrained(tmp_path / "pinned.pt")
    seen: list[Path | None] = []
    with pinned_weights("segmentation", pinned):
        assert installed_weights("segmentation") == pinned
        assert installed_weights("matting") is None
        other = threading.Thread(target=lambda: seen.append(installed_weights("segmentation")))
        other.start()
        other.join()
    assert seen == [None] and installed_weights("segmentation") is None
