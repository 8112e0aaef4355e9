"""A foreground that is a cut-out already (an RGBA PNG whose alpha channel holds the subject): ``composite``,
``batch`` and ``cutout`` take its transparency as the cut-out, unless ``--ignore-transparency``."""

# ruff: noqa: F811  (the ``files`` fixture is imported from test_cli)

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from app.model.transparency import OWN_TRANSPARENCY
from classic.foreground import estimate_foreground
from classic.imageio import read_image
from tests.app.cli.test_cli import (  # noqa: F401
    CENTRE,
    HEIGHT,
    RADIUS,
    WIDTH,
    Capsys,
    Files,
    assert_success,
    files,
    read_back,
    run,
    write,
)


def _cut_out(files: Files) -> tuple[Path, Path]:
    """The photo's red disc as an RGBA cut-out with a soft edge, black where transparent (as rembg writes
    them), and its alpha as a file of its own."""
    distance = np.hypot(*(np.mgrid[0:HEIGHT, 0:WIDTH] - np.array(CENTRE)[:, None, None]))
    alpha = np.clip(RADIUS + 0.5 - distance, 0.0, 1.0)
    alpha[(distance > RADIUS - 3) & (distance <= RADIUS)] *= 0.6  # a semi-transparent rim
    colour = cv2.imread(str(files.photo)) * (alpha > 0)[:, :, None]
    alpha8 = np.round(alpha * 255).astype(np.uint8)
    rgba = write(files.root / "cut-out.png", np.dstack([colour.astype(np.uint8), alpha8]))
    return rgba, write(files.root / "cut-out-alpha.png", alpha8)


def test_composite_takes_a_cut_outs_own_transparency(files: Files, capsys: Capsys) -> None:
    rgba, alpha = _cut_out(files)
    own, given = files.out / "own.png", files.out / "given.png"
    rc, _, err = run(capsys, "composite", rgba, files.background, "-o", own)
    assert f"cut-out: {OWN_TRANSPARENCY}" in err
    result = assert_success(rc, err, own)
    # The same as its alpha given, decontaminated or not.
    for colours in ("--decontaminate", "--no-decontaminate"):
        rc, _, err = run(capsys, "composite", rgba, files.background, "-o", own, colours)
        assert rc == 0, err
        rc, _, err = run(capsys, "composite", rgba, files.background, "-o", given, "--alpha", alpha, colours)
        assert rc == 0, err
        assert np.array_equal(read_back(own), read_back(given))
    assert not np.array_equal(result, read_back(given))  # the colours as stored differ at the soft rim


def test_ignore_transparency_cuts_the_subject_out_anew(files: Files, capsys: Capsys) -> None:
    rgba, _ = _cut_out(files)
    output = files.out / "anew.png"
    rc, _, err = run(capsys, "composite", rgba, files.background, "-o", output, "--ignore-transparency")
    assert_success(rc, err, output)
    assert OWN_TRANSPARENCY not in err and "cut-out: " in err


def test_batch_takes_the_cut_outs_among_the_photos_as_they_are(files: Files, capsys: Capsys) -> None:
    rgba, _ = _cut_out(files)
    folder = files.root / "photos"
    folder.mkdir()
    (folder / "cut-out.png").write_bytes(rgba.read_bytes())
    (folder / "photo.png").write_bytes(files.photo.read_bytes())  # no alpha channel: cut out as usual
    single = files.root / "single.png"
    assert run(capsys, "composite", rgba, files.background, "-o", single)[0] == 0
    rc, _, err = run(capsys, "batch", folder, files.background, "-o", files.out)
    assert rc == 0, err
    assert f"cut-out of cut-out.png: {OWN_TRANSPARENCY}" in err.splitlines()
    assert np.array_equal(read_back(files.out / "cut-out.png"), read_back(single))
    assert sorted(p.name for p in files.out.iterdir()) == ["cut-out.png", "photo.png"]


def test_cutout_of_a_cut_out_keeps_its_alpha_and_cleans_its_colours(files: Files, capsys: Capsys) -> None:
    rgba, alpha = _cut_out(files)
    output = files.out / "cleaned.png"
    rc, _, err = run(capsys, "cutout", rgba, "-o", output)
    assert f"cut-out: {OWN_TRANSPARENCY}" in err
    written = assert_success(rc, err, output)
    assert np.array_equal(written[..., 3], read_back(alpha))
    stored = read_image(rgba)
    assert stored.alpha is not None
    expected = np.round(estimate_foreground(stored.rgb, stored.alpha) * 255).astype(int)[..., ::-1]  # BGR
    visible = written[..., 3] > 0
    assert np.abs(written[..., :3].astype(int) - expected)[visible].max() <= 1
    # A box asks for a new cut-out.
    boxed = files.out / "boxed.png"
    rc, _, err = run(capsys, "cutout", rgba, "-o", boxed, "--rect", "10,5,44,38")
    assert rc == 0, err
    assert OWN_TRANSPARENCY not in err
