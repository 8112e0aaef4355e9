"""Shared fixtures: the development data in ../shared/data, skipped with a message when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The folder ``../shared/data``; tests using it skip when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"development data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def isolated_model_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or changes the user's model versions (``engine.model_store``): an empty store."""
    folder = tmp_path_factory.mktemp("models")
    monkeypatch.setenv("COMPOSITOR_MODELS", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_installed_weights(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests see no installed network weights unless they install some (``$COMPOSITOR_WEIGHTS``), so the
    classic defaults and the refusals are tested whatever ``resources/weights`` ships; the shipped files
    have their own test (tests/engine/test_shipped_weights.py)."""
    folder = tmp_path_factory.mktemp("weights")
    monkeypatch.setenv("COMPOSITOR_WEIGHTS", str(folder))
    return folder


@pytest.fixture
def shipped_segmentation(no_installed_weights: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped segmentation network installed (``resources/weights/segmentation.pt``), so the
    automatic selection runs as a user gets it; the other kinds stay absent."""
    from engine.weights import WEIGHTS_FOLDER

    path = no_installed_weights / "segmentation.pt"
    path.symlink_to(WEIGHTS_FOLDER / "segmentation.pt")
    return path


@pytest.fixture(autouse=True)
def no_second_opinion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pipelines take no second opinion (``engine.second_opinion``) nor transparency hint
    (``engine.transparency_hint``) unless a test asks for one by name: ``scripts/setup.sh`` installs
    U²-Net-p's and MODNet's files and a developer's machine may lack them, and the tests' results must
    not depend on which."""
    monkeypatch.setattr("engine.second_opinion.available", lambda name: False)
    monkeypatch.setattr("engine.transparency_hint.available", lambda name: False)
