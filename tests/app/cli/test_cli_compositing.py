"""``composite`` and ``batch`` take the compositing panel's settings (edge shift, feather, smoothing,
decontamination amount) and compose through the GUI's entry point, ``app.model.compose.compose``."""

# ruff: noqa: F811  (the ``files`` fixture is imported from test_cli)

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.model.compose import compose
from app.model.compositing_settings import CompositingSettings
from classic.foreground import estimate_foreground
from classic.imageio import read_image, read_matte
from engine.pipeline import cutout_from_alpha
from tests.app.cli.test_cli import Capsys, Files, assert_clean_failure, assert_success, files, run  # noqa: F401

PANEL = ["--edge-shift", "2", "--smoothing", "1.5", "--decontamination", "0.5"]


def _gui_composite(files: Files, settings: CompositingSettings) -> np.ndarray:
    """What the GUI's Composite makes of the same photo, alpha and settings, as 8-bit."""
    photo, background = read_image(files.photo).rgb, read_image(files.background).rgb
    alpha = read_matte(files.alpha)
    cutout = cutout_from_alpha(estimate_foreground(photo, alpha), alpha)
    image = compose(photo, background, cutout, settings)
    return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)


def test_composite_applies_the_panel_settings_as_the_gui_does(files: Files, capsys: Capsys) -> None:
    output = files.out / "panel.png"
    given = (files.photo, files.background, "--alpha", files.alpha)
    rc, _, err = run(capsys, "composite", *given, "-o", output, *PANEL)
    assert_success(rc, err, output)
    written = read_image(output).rgb
    settings = CompositingSettings(edge_shift=2.0, smoothing=1.5, decontamination=0.5)
    expected = _gui_composite(files, settings)
    assert np.abs(np.round(written * 255).astype(int) - expected.astype(int)).max() <= 1
    plain = files.root / "plain" / "plain.png"
    plain.parent.mkdir()
    rc, _, err = run(capsys, "composite", *given, "-o", plain)
    assert_success(rc, err, plain)
    differs = np.abs(read_image(plain).rgb - written).max(axis=2) > 2 / 255
    assert differs.any() and not differs[:8].any()  # Only around the subject's edge.


@pytest.mark.parametrize(
    ("option", "value"), [("--edge-shift", "500"), ("--smoothing", "-1"), ("--decontamination", "2")]
)
def test_out_of_range_panel_settings_are_refused(
    option: str, value: str, files: Files, capsys: Capsys
) -> None:
    output = files.out / "refused.png"
    rc, _, err = run(capsys, "composite", files.photo, files.background, "-o", output, option, value)
    assert option.lstrip("-").replace("-", " ") in assert_clean_failure(rc, err, output, files.out)


def test_batch_applies_the_panel_settings(files: Files, capsys: Capsys, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "disc.png").write_bytes(files.photo.read_bytes())
    outputs = {}
    for name, extra in (("plain", []), ("panel", ["--edge-shift", "4"])):
        out = tmp_path / name
        rc, _, err = run(
            capsys, "batch", folder, files.background, "-o", out, "--segmentation", "saliency", *extra
        )
        assert rc == 0, err
        outputs[name] = read_image(out / "disc.png").rgb
    assert np.abs(outputs["plain"] - outputs["panel"]).max() > 0.1
