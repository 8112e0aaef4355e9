"""``python main.py train``: a real run on a tiny data folder, one-line errors, Ctrl+C saving the state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from app.cli.cli import EXIT_BAD_INPUT, SUBCOMMANDS, main
from app.training.training_cli import EXIT_INTERRUPTED
from engine.checkpoint import load_checkpoint
from engine.training.state import STATE_FILE
from tests.engine.training.fakes import write_training_folder

REPO = Path(__file__).resolve().parents[3]
Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A training-data folder: four RGBA disc foregrounds and four noise backgrounds."""
    return write_training_folder(tmp_path / "data")


def _args(data: Path, out: Path, kind: str = "matting", *extra: str) -> list[str]:
    tiny = ["--steps", "2", "--batch-size", "2", "--crop", "64", "--device", "cpu", "--val-fraction", "0.25"]
    return ["train", kind, "--data", str(data), "--out", str(out), *tiny, *extra]


def test_train_is_a_subcommand() -> None:
    assert "train" in SUBCOMMANDS


def test_a_short_run_writes_a_loadable_network_and_a_summary(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    out = tmp_path / "out"
    assert main(_args(data, out, "matting", "--validate-every", "1")) == 0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("trained matting: 2 steps") and "best validation sad" in lines[-1]
    assert "2/2" in err and "steps/s" in err and "ETA" in err and "loss" in err and "val sad" in err
    _, info = load_checkpoint(out / "matting.pt", expected_name="matting")
    assert (
        info.extra["steps"] in (1, 2)
        and info.extra["data"] == str(data)
        and "compositional" in info.extra["loss"]
    )
    assert (out / STATE_FILE).is_file()


def test_plate_matting_trains_on_camouflaged_backgrounds_and_records_the_share(
    data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert main(_args(data, out, "plate-matting", "--camouflage", "0.5")) == 0
    _, info = load_checkpoint(out / "plate-matting.pt", expected_name="plate-matting")
    assert info.extra["camouflage"] == 0.5


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--crop", "50"], "multiple of 32"),
        (["--steps", "0"], "steps must lie in [1, 10000000], got 0"),
        (["--crop", "100000"], "at most 2048"),
        (["--batch-size", "64", "--crop", "1024"], "would not fit in memory"),
        (["--learning-rate", "1e308"], "the learning rate must lie in (0, 1]"),
        (["--workers", "-1"], "workers must lie in [0, 64]"),
        (["--resume"], "nothing to resume"),
        (["--init", "missing.pt"], "--init checkpoint not found"),
        (["--stage1", "missing.pt"], "--stage1 checkpoint not found"),
        (["--perceptual-weight", "nan"], "the perceptual weight must lie in [0, 100], got nan"),
        (["--camouflage", "0.3"], "--camouflage applies to plate-matting training only"),
        (["--camouflage", "2"], "the camouflage share must lie in [0, 1], got 2.0"),
    ],
)
def test_bad_input_is_one_error_line(
    data: Path, tmp_path: Path, capsys: Capsys, extra: list[str], message: str
) -> None:
    assert main(_args(data, tmp_path / "out", "segmentation", *extra)) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_an_output_folder_that_cannot_be_made_is_refused_before_any_work(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    blocker = tmp_path / "notes.txt"  # a file where a folder of the output's path would have to be
    blocker.write_text("mine")
    assert main(_args(data, blocker / "run", "segmentation")) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write the output folder") and blocker.read_text() == "mine"


def test_missing_data_folder_is_an_error(tmp_path: Path, capsys: Capsys) -> None:
    assert main(_args(tmp_path / "nowhere", tmp_path / "out")) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.startswith("error: training data folder not found")


@pytest.mark.slow  # a subprocess imports torch: ~6 s
def test_ctrl_c_saves_the_state_and_resume_finishes_the_run(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    out = tmp_path / "out"
    args = _args(data, out, "segmentation", "--validate-every", "1", "--checkpoint-every", "0")
    args[args.index("--steps") + 1] = "100000"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("COMPOSITOR_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "main.py", *args], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # a line per validation: training is under way
    assert "val iou" in first, first
    process.send_signal(signal.SIGINT)
    try:
        err = first + process.communicate(timeout=60)[1]
    finally:
        process.kill()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err and "--resume" in err.strip().splitlines()[-1]
    state = torch.load(out / STATE_FILE, weights_only=True)
    step = state["counters"]["step"]
    assert step >= 1 and (out / "segmentation.pt").is_file()
    args[args.index("--steps") + 1] = str(step + 1)
    assert main([*args, "--resume"]) == 0
    assert torch.load(out / STATE_FILE, weights_only=True)["counters"]["step"] == step + 1
    assert (
        capsys.readouterr().err.strip().splitlines()[-1].startswith(f"trained segmentation: {step + 1} steps")
    )
