"""``main.py matte`` without a trimap: from a clean plate (Background Matting) and from the photo alone (the
learned trimap), with checkpoints of tiny untrained networks in a temporary weights folder. These check the
plumbing — reading the plate like the photo, aligning it, the alpha's size and range, the refusals — not
the quality of the alpha.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from app.cli.cli import EXIT_BAD_INPUT, main
from engine import device as device_module
from engine.checkpoint import save_checkpoint
from engine.registry import create_model
from engine.weights import WEIGHTS_ENVIRONMENT

HEIGHT, WIDTH = 72, 96
_MARGIN = 4  # the scene reaches this far beyond the frame, so the plate's shot can be shifted
TINY = {
    "plate-matting": {"context_widths": [8, 8, 8], "decoder_widths": [8, 8, 8, 8, 8]},
    "trimap": {"decoder_widths": [8, 8, 8, 8, 8]},
}

Capsys = pytest.CaptureFixture[str]


def scene(height: int, width: int, seed: int) -> np.ndarray:
    """Smooth noise with flat rectangles on top, float32 RGB (H, W, 3) in [0.03, 0.97]: texture for the
    alignment to lock onto."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 0.5, np.float32)
    for sigma, amount in ((height / 8, 0.12), (height / 30, 0.06), (1.5, 0.02)):
        noise = cv2.GaussianBlur(rng.normal(0.0, 1.0, (height, width, 3)).astype(np.float32), (0, 0), sigma)
        image += amount * noise / noise.std()
    for _ in range(10):
        colour = tuple(float(v) for v in rng.uniform(0.1, 0.9, 3))
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        corner = (x + int(rng.uniform(6, width / 4)), y + int(rng.uniform(6, height / 4)))
        cv2.rectangle(image, (x, y), corner, colour, -1)
    return np.clip(image, 0.03, 0.97)


def write(path: Path, rgb: np.ndarray) -> str:
    assert cv2.imwrite(str(path), np.round(rgb[..., ::-1] * 255).astype(np.uint8)), path
    return str(path)


@pytest.fixture(autouse=True)
def float32_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No bfloat16 kernel compilation slowing tiny test runs."""
    monkeypatch.setattr(device_module, "cpu_has_native_bfloat16", lambda: False)


def save_tiny_networks(folder: Path) -> Path:
    """Checkpoints of untrained tiny plate-matting and trimap networks in ``folder`` (nothing else)."""
    for kind, config in TINY.items():
        torch.manual_seed(0)
        model = create_model(kind, **config)
        save_checkpoint(folder / f"{kind}.pt", model, name=kind, trained_on="", metrics={})
    return folder


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_networks(tmp_path_factory.mktemp("weights"))


@pytest.fixture
def shots(tmp_path: Path, weights: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """photo (a red disc over the scene), plate (the scene from a tripod moved by (1, −1) px, re-exposed),
    trimap, another scene's plate, a plate of another aspect ratio, and the output path."""
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(weights))
    monkeypatch.setenv("COMPOSITOR_DEVICE", "cpu")
    wide = scene(HEIGHT + 2 * _MARGIN, WIDTH + 2 * _MARGIN, seed=0)
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    distance = np.hypot(rows - 40, cols - 48)
    photo = wide[_MARGIN:-_MARGIN, _MARGIN:-_MARGIN].copy()
    photo[distance <= 18] = (0.9, 0.15, 0.1)
    plate = wide[_MARGIN + 1 : _MARGIN + 1 + HEIGHT, _MARGIN - 1 : _MARGIN - 1 + WIDTH] ** 1.1
    trimap = np.where(distance <= 14, 255, np.where(distance >= 22, 0, 128)).astype(np.uint8)
    assert cv2.imwrite(str(tmp_path / "trimap.png"), trimap)
    return {
        "photo": write(tmp_path / "photo.png", photo),
        "plate": write(tmp_path / "plate.jpg", plate),
        "trimap": str(tmp_path / "trimap.png"),
        "other": write(tmp_path / "other.png", scene(HEIGHT, WIDTH, seed=7)),
        "panorama": write(tmp_path / "panorama.png", scene(HEIGHT, 2 * WIDTH, seed=0)),
        "alpha": str(tmp_path / "alpha.png"),
    }


def run(capsys: Capsys, *args: str) -> tuple[int, str]:
    status = main(list(args))
    return status, capsys.readouterr().err


def written_alpha(path: str) -> np.ndarray:
    alpha = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert alpha is not None and alpha.dtype == np.uint8 and alpha.shape == (HEIGHT, WIDTH)
    return alpha


def test_matte_from_a_clean_plate_without_a_trimap(shots: dict[str, str], capsys: Capsys) -> None:
    status, err = run(capsys, "matte", shots["photo"], "--clean-plate", shots["plate"], "-o", shots["alpha"])
    assert status == 0, err
    assert "error" not in err
    written_alpha(shots["alpha"])  # untrained: any values in [0, 255], at the photo's size


def test_matte_from_a_clean_plate_keeps_a_given_trimaps_known_pixels(
    shots: dict[str, str], capsys: Capsys
) -> None:
    args = ["--clean-plate", shots["plate"], "--trimap", shots["trimap"], "-o", shots["alpha"]]
    status, err = run(capsys, "matte", shots["photo"], *args)
    assert status == 0, err
    alpha = written_alpha(shots["alpha"])
    trimap = cv2.imread(shots["trimap"], cv2.IMREAD_UNCHANGED)
    assert np.all(alpha[trimap == 255] == 255) and np.all(alpha[trimap == 0] == 0)


def test_matte_without_trimap_or_plate_runs_the_learned_trimap(shots: dict[str, str], capsys: Capsys) -> None:
    status, err = run(capsys, "matte", shots["photo"], "-o", shots["alpha"])
    assert status == 0, err
    written_alpha(shots["alpha"])


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        ("other", "the clean plate does not line up with the photo"),
        ("panorama", "the clean plate is 192x72 but the photo is 96x72"),
    ],
    ids=["another-scene", "another-aspect-ratio"],
)
def test_a_plate_that_does_not_match_is_one_clear_error(
    plate: str, expected: str, shots: dict[str, str], capsys: Capsys
) -> None:
    status, err = run(capsys, "matte", shots["photo"], "--clean-plate", shots[plate], "-o", shots["alpha"])
    assert status == EXIT_BAD_INPUT
    assert err.strip().splitlines() == [err.strip()] and err.startswith("error: ")
    assert expected in err
    assert not Path(shots["alpha"]).exists()


def test_method_with_a_clean_plate_is_refused(shots: dict[str, str], capsys: Capsys) -> None:
    args = ["--clean-plate", shots["plate"], "--method", "knn", "-o", shots["alpha"]]
    status, err = run(capsys, "matte", shots["photo"], *args)
    assert status == EXIT_BAD_INPUT and "leave --method out" in err


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        (True, "no trained plate-matting network is installed"),
        (False, "without --trimap or --clean-plate the learned trimap runs, but no trained trimap network"),
    ],
    ids=["clean-plate", "learned-trimap"],
)
def test_without_the_network_the_refusal_says_so(
    plate: bool,
    expected: str,
    shots: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capsys,
) -> None:
    monkeypatch.setenv(WEIGHTS_ENVIRONMENT, str(tmp_path / "no-weights"))
    extra = ["--clean-plate", shots["plate"]] if plate else []
    status, err = run(capsys, "matte", shots["photo"], *extra, "-o", shots["alpha"])
    assert status == EXIT_BAD_INPUT and expected in err
    assert not Path(shots["alpha"]).exists()
