"""``main.py make-plate-set`` and the matting methods that get no trimap (clean plate, learned trimap, the
automatic cut-out's trimap), end to end on tiny synthetic sets with tiny untrained networks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.cli.cli import EXIT_BAD_INPUT, main
from app.evaluation.compositing_set import fit_background
from classic.imageio import read_image, read_matte, write_image
from engine import device as device_module
from engine.weights import WEIGHTS_ENVIRONMENT
from tests.app.cli.test_cli_plate import save_tiny_networks, scene
from tests.app.evaluation.test_evaluation import (
    HEIGHT,
    NAMES,
    WIDTH,
    check_predictions,
    check_report,
    make_matting_set,
    run,
)
from tests.engine.training.fakes import write_tiny_matting_network

MATTING_METRICS = {"sad", "mse", "grad", "conn"}
NO_TRIMAP = ("clean-plate", "learned-trimap", "closed-form-auto")
SEED = 1


def make_sources(root: Path) -> tuple[Path, Path]:
    """A matting set with a wide-trimap folder too, and three textured backgrounds of other sizes."""
    matting = make_matting_set(root / "matting")
    (matting / "trimap-wide").mkdir()
    for name in NAMES:
        (matting / "trimap-wide" / f"{name}.png").write_bytes(
            (matting / "trimap" / f"{name}.png").read_bytes()
        )
    backgrounds = root / "backgrounds"
    backgrounds.mkdir()
    for index, size in enumerate(((90, 150), (70, 90), (120, 100))):
        write_image(backgrounds / f"background-{index}.png", scene(*size, seed=20 + index))
    return matting, backgrounds


@pytest.fixture(autouse=True)
def float32_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device_module, "cpu_has_native_bfloat16", lambda: False)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_networks(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def plate_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean-plate set made by the command from the synthetic sources. Seed 1: with seed 0 the
    alignment's ECC does not converge on alpha-one's 80×60 plate, and the evaluation would stop there."""
    root = tmp_path_factory.mktemp("plates")
    matting, backgrounds = make_sources(root)
    out = root / "plate-set"
    sources = ["--matting", str(matting), "--backgrounds", str(backgrounds)]
    assert main(["make-plate-set", *sources, "--out", str(out), "--seed", str(SEED)]) == 0
    return out


def test_make_plate_set_composites_over_a_background_and_perturbs_it_as_the_plate(plate_set: Path) -> None:
    matting, backgrounds = plate_set.parent / "matting", plate_set.parent / "backgrounds"
    for folder in ("image", "plate", "trimap", "trimap-wide", "alpha"):
        assert sorted(p.name for p in (plate_set / folder).iterdir()) == [f"{name}.png" for name in NAMES]
    sources = json.loads((plate_set / "sources.json").read_text())
    for name in NAMES:
        for folder in ("trimap", "trimap-wide", "alpha"):  # copied byte for byte
            copied = (plate_set / folder / f"{name}.png").read_bytes()
            assert copied == (matting / folder / f"{name}.png").read_bytes()
        alpha = read_matte(plate_set / "alpha" / f"{name}.png")
        image, plate = (read_image(plate_set / f / f"{name}.png").rgb for f in ("image", "plate"))
        assert image.shape == plate.shape == (HEIGHT, WIDTH, 3)
        background = fit_background(read_image(backgrounds / sources[name]["background"]).rgb, HEIGHT, WIDTH)
        outside = alpha == 0
        assert np.abs(image[outside] - background[outside]).max() <= 1 / 255 + 1e-6  # I = B where α = 0
        # The plate is B re-shot: close to it, but moved, re-exposed and noisy.
        difference = np.abs(plate - background).mean()
        assert 0.002 < difference < 0.15, difference
    source = (plate_set / "SOURCE.md").read_text()
    assert "make-plate-set" in source and f"seed {SEED}" in source and "perturb_plate" in source
    for name in NAMES:
        assert f"| {name} | {sources[name]['background']} |" in source


def test_make_plate_set_is_deterministic_per_seed(plate_set: Path, tmp_path: Path) -> None:
    sources = [
        "--matting",
        str(plate_set.parent / "matting"),
        "--backgrounds",
        str(plate_set.parent / "backgrounds"),
    ]
    again, other = tmp_path / "again", tmp_path / "other"
    assert main(["make-plate-set", *sources, "--out", str(again), "--seed", str(SEED)]) == 0
    assert main(["make-plate-set", *sources, "--out", str(other), "--seed", str(SEED + 1)]) == 0
    for name in NAMES:
        for folder in ("image", "plate"):
            assert (again / folder / f"{name}.png").read_bytes() == (
                plate_set / folder / f"{name}.png"
            ).read_bytes()
        assert (other / "plate" / f"{name}.png").read_bytes() != (
            plate_set / "plate" / f"{name}.png"
        ).read_bytes()


@pytest.mark.slow
def test_evaluate_matting_runs_the_methods_given_no_trimap(
    plate_set: Path,
    weights: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(weights))
    monkeypatch.setenv("COMPOSITOR_DEVICE", "cpu")
    out = tmp_path / "report"
    methods = ("clean-plate-trimap", *NO_TRIMAP)
    chosen = [word for method in methods for word in ("--method", method)]
    args = ["evaluate", "matting", "--data", str(plate_set), *chosen, "--out", str(out), "--dilations", "4"]
    status, err = run(args, capsys)
    assert status == 0, err
    assert f"note: {', '.join(NO_TRIMAP)} ignore the trimap, so the robustness curve leaves them out" in err
    summary = check_report(out, methods, MATTING_METRICS)
    assert all(0.0 <= summary[method]["mse"] <= 1.0 for method in methods)
    check_predictions(out, methods, channels=1)
    robustness = json.loads((out / "robustness.json").read_text())
    assert list(robustness) == ["clean-plate-trimap"]
    assert all(list(curve) == ["4"] for curve in robustness.values())
    assert f"Left out: {', '.join(NO_TRIMAP)}, which ignore the trimap" in (out / "report.md").read_text()


def test_clean_plate_methods_need_a_plate_folder(
    weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(weights))
    data = make_matting_set(tmp_path / "set")
    args = [
        "evaluate",
        "matting",
        "--data",
        str(data),
        "--method",
        "clean-plate",
        "--out",
        str(tmp_path / "r"),
    ]
    status, err = run(args, capsys)
    assert status == EXIT_BAD_INPUT
    assert err == [
        "note: clean-plate ignores the trimap, so the robustness curve leaves it out",
        f"error: {data}: the method clean-plate needs a plate/ folder beside image/, and this set has none",
    ]
    assert not (tmp_path / "r" / "predictions").exists()


@pytest.mark.parametrize(("method", "kind"), [("clean-plate", "plate-matting"), ("learned-trimap", "trimap")])
def test_methods_without_their_network_are_refused(
    method: str,
    kind: str,
    plate_set: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "no-weights"))
    data, out = str(plate_set), str(tmp_path / "r")
    args = ["evaluate", "matting", "--data", data, "--method", method, "--out", out, "--no-robustness"]
    status, err = run(args, capsys)
    assert status == EXIT_BAD_INPUT and len(err) == 1
    assert err[0].startswith("error: ") and f"no trained {kind} network is installed" in err[0]


def test_a_plate_that_does_not_line_up_names_its_image(
    plate_set: Path,
    weights: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(weights))
    monkeypatch.setenv("COMPOSITOR_DEVICE", "cpu")
    data = tmp_path / "set"
    shutil.copytree(plate_set, data)
    write_image(data / "plate" / f"{NAMES[1]}.png", scene(HEIGHT, WIDTH, seed=99))
    args = [
        "evaluate",
        "matting",
        "--data",
        str(data),
        "--method",
        "clean-plate",
        "--out",
        str(tmp_path / "r"),
    ]
    status, err = run([*args, "--no-robustness"], capsys)
    assert status == EXIT_BAD_INPUT
    assert len(err) == 1
    assert err[0].startswith(
        f"error: {NAMES[1]}: clean-plate: the clean plate does not line up with the photo"
    )
    assert err[0].endswith("take the plate from the same tripod position, without the subject")


def test_the_learned_trimap_with_the_matting_network_is_evaluated_and_needs_both_networks(
    plate_set: Path,
    weights: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMPOSITOR_DEVICE", "cpu")
    folder = tmp_path / "weights"
    folder.mkdir()
    (folder / "trimap.pt").symlink_to(weights / "trimap.pt")
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(folder))
    method = "learned-trimap-network"
    args = ["evaluate", "matting", "--data", str(plate_set), "--method", method, "--no-robustness"]
    status, err = run([*args, "--out", str(tmp_path / "refused")], capsys)
    assert status == EXIT_BAD_INPUT and "no trained matting network is installed" in err[-1]
    classic = "learned-trimap-closed-form"  # needs no matting network
    status, err = run([*args, "--method", classic, "--out", str(tmp_path / "refused")], capsys)
    assert status == EXIT_BAD_INPUT
    status, err = run(
        [*args[:4], "--method", classic, "--no-robustness", "--out", str(tmp_path / "c")], capsys
    )
    assert status == 0, err
    write_tiny_matting_network(folder / "matting.pt", closed_form_input=False)
    methods = (method, "learned-trimap", classic)
    status, err = run(
        [*args, "--method", "learned-trimap", "--method", classic, "--out", str(tmp_path / "r")], capsys
    )
    assert status == 0, err
    summary = check_report(tmp_path / "r", methods, MATTING_METRICS)
    assert 0.0 <= summary[method]["mse"] <= 1.0
    # The default matting is the network once it is installed; closed-form's alpha differs.
    for metric in MATTING_METRICS:
        assert summary["learned-trimap"][metric] == summary[method][metric]
    assert summary[classic]["sad"] != summary[method]["sad"]
