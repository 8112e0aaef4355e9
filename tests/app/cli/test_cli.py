"""End-to-end tests of the command line (``python main.py segment|matte|composite|cutout|batch``).

Most tests call ``app.cli.cli.main`` in-process on tiny synthetic photos written to ``tmp_path``; a few run
``python main.py`` as a real subprocess to prove that bad input never shows a traceback. Fixture images
are written with OpenCV directly (not with the code under test), and outputs are read back with
``cv2.imread(..., IMREAD_UNCHANGED)``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.cli import EXIT_BAD_INPUT, SUBCOMMANDS, main

REPO = Path(__file__).resolve().parents[3]

HEIGHT, WIDTH = 48, 64  # the photo
CENTRE = (24, 32)  # (row, col) of the subject disc
RADIUS = 12
RECT = f"{CENTRE[1] - RADIUS - 5},{CENTRE[0] - RADIUS - 5},{2 * RADIUS + 10},{2 * RADIUS + 10}"  # X,Y,W,H
BG_HEIGHT, BG_WIDTH = 72, 96  # the background photo: larger, so the default placement centres the photo
RED_BGR = (25, 20, 230)
BACKGROUND_BGR = (40, 200, 230)  # a yellow, clearly different from the photo's blue-green ground

Capsys = pytest.CaptureFixture[str]


# --- synthetic images ---------------------------------------------------------------------------------


def disc(height: int, width: int, centre: tuple[float, float], radius: float) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2


def textured_ground(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A blue-green textured ground, uint8 BGR, with no red in it."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    image[..., 0] = 130 + 40 * np.sin(cols / 3.0) + rng.integers(-12, 12, (height, width))
    image[..., 1] = 140 + 30 * np.cos(rows / 4.0) + rng.integers(-12, 12, (height, width))
    image[..., 2] = 20
    return np.clip(image, 0, 255).astype(np.uint8)


def photo_with(subject: np.ndarray, seed: int = 0) -> np.ndarray:
    image = textured_ground(*subject.shape, seed=seed)
    image[subject] = RED_BGR
    return image


def plain_background(height: int = BG_HEIGHT, width: int = BG_WIDTH) -> np.ndarray:
    image = np.empty((height, width, 3), np.uint8)
    image[:] = BACKGROUND_BGR
    image[:, : width // 2, 1] -= 20  # not perfectly flat
    return image


def write(path: Path, image: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), image), path
    return path


def is_red(bgr: np.ndarray) -> bool:
    b, g, r = (int(v) for v in bgr)
    return r > 150 and g < 100 and b < 100


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def read_back(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, f"{path} was not written or cannot be read"
    return image


@dataclass
class Files:
    """Every input file the tests use, written once per test into ``tmp_path``."""

    root: Path
    out: Path  # an empty folder for outputs
    subject: np.ndarray  # bool (H, W): the red disc
    photo: Path
    photo_jpg: Path
    mask: Path
    trimap: Path
    alpha: Path
    background: Path
    small: Path  # 30x30 photo, used as a mismatched trimap / mask / alpha / scribbles
    gradient_trimap: Path
    missing: Path
    corrupt: Path
    truncated_jpg: Path
    truncated_png: Path
    text: Path
    empty: Path

    def bad(self, kind: str) -> Path:
        return {
            "missing": self.missing,
            "corrupt": self.corrupt,
            "truncated-jpg": self.truncated_jpg,
            "truncated-png": self.truncated_png,
            "text": self.text,
            "empty": self.empty,
            "folder": self.root,
        }[kind]


@pytest.fixture
def files(tmp_path: Path) -> Files:
    subject = disc(HEIGHT, WIDTH, CENTRE, RADIUS)
    photo = photo_with(subject)
    distance = np.hypot(*(np.mgrid[0:HEIGHT, 0:WIDTH] - np.array(CENTRE)[:, None, None]))
    trimap = np.where(distance <= RADIUS - 3, 255, np.where(distance <= RADIUS + 3, 128, 0)).astype(np.uint8)
    out = tmp_path / "out"
    out.mkdir()
    inputs = tmp_path / "in"
    inputs.mkdir()

    jpeg = cv2.imencode(".jpg", photo)[1].tobytes()
    png = cv2.imencode(".png", photo)[1].tobytes()
    (inputs / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (inputs / "truncated.png").write_bytes(png[: len(png) // 2])
    (inputs / "corrupt.png").write_bytes(np.random.default_rng(7).integers(0, 256, 4000, np.uint8).tobytes())
    (inputs / "notes.png").write_text("these are notes, not a photo\n")
    (inputs / "empty.png").write_bytes(b"")
    gradient = np.tile(np.linspace(0, 255, WIDTH).astype(np.uint8), (HEIGHT, 1))

    return Files(
        root=inputs,
        out=out,
        subject=subject,
        photo=write(inputs / "photo.png", photo),
        photo_jpg=write(inputs / "photo.jpg", photo),
        mask=write(inputs / "mask.png", subject.astype(np.uint8) * 255),
        trimap=write(inputs / "trimap.png", trimap),
        alpha=write(inputs / "alpha.png", subject.astype(np.uint8) * 255),
        background=write(inputs / "background.png", plain_background()),
        small=write(inputs / "small.png", textured_ground(30, 30)),
        gradient_trimap=write(inputs / "gradient.png", gradient),
        missing=inputs / "missing.png",
        corrupt=inputs / "corrupt.png",
        truncated_jpg=inputs / "truncated.jpg",
        truncated_png=inputs / "truncated.png",
        text=inputs / "notes.png",
        empty=inputs / "empty.png",
    )


def run(capsys: Capsys, *args: object) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def assert_success(rc: int, err: str, output: Path) -> np.ndarray:
    assert rc == 0, err
    assert "Traceback" not in err
    assert output.is_file()
    # the atomic write leaves no temporary file beside the output
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]
    return read_back(output)


def assert_clean_failure(rc: int, err: str, output: Path, out_folder: Path) -> str:
    """Non-zero exit, exactly one ``error: …`` line on stderr, no traceback, nothing written."""
    assert rc != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert not output.exists()
    assert list(out_folder.iterdir()) == [], "a failed run left files in the output folder"
    return lines[0]


def assert_single_channel(image: np.ndarray, height: int = HEIGHT, width: int = WIDTH) -> None:
    assert image.ndim == 2, image.shape
    assert image.shape == (height, width)


# --- --help -------------------------------------------------------------------------------------------


PIPELINE_COMMANDS = ("segment", "matte", "composite", "cutout", "batch")


def test_every_pipeline_command_is_a_subcommand() -> None:
    assert set(PIPELINE_COMMANDS) <= set(SUBCOMMANDS)


@pytest.mark.parametrize("command", sorted(set(SUBCOMMANDS) | set(PIPELINE_COMMANDS)))
def test_help_of_each_subcommand_exits_zero(command: str, capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: main.py " + command)
    if command in PIPELINE_COMMANDS:
        assert "--output" in out


def test_top_level_help_lists_the_subcommands(capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in PIPELINE_COMMANDS:
        assert command in out


def test_unknown_option_is_a_usage_error(files: Files, capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["segment", str(files.photo), "-o", str(files.out / "m.png"), "--method", "magic"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "Traceback" not in err
    assert list(files.out.iterdir()) == []


# --- segment ------------------------------------------------------------------------------------------


def test_segment_auto_writes_a_single_channel_mask_of_the_subject(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output)
    mask = assert_success(rc, err, output)
    assert_single_channel(mask)
    assert mask.dtype == np.uint8
    assert iou(mask > 127, files.subject) >= 0.8


def test_segment_and_cutout_say_which_method_ran(files: Files, capsys: Capsys, shipped_segmentation) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output)
    # The default: GrabCut seeded by the shipped network.
    assert rc == 0 and "segmentation: GrabCut seeded by the segmentation network\n" in err
    rc, _, err = run(capsys, "segment", files.photo, "-o", output, "--method", "saliency")
    assert rc == 0 and "segmentation: the saliency-seeded GrabCut\n" in err
    assert iou(cv2.imread(str(output), cv2.IMREAD_UNCHANGED) > 127, files.subject) >= 0.8
    (files.root / "cutouts").mkdir()
    cutout = files.root / "cutouts" / "cutout.png"
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout, "--segmentation", "network-grabcut")
    assert_success(rc, err, cutout)
    assert "cut-out: GrabCut seeded by the segmentation network, closed-form matting" in err


def test_cutout_and_composite_take_the_installed_matting_network_unless_told(
    files: Files, capsys: Capsys, shipped_segmentation: Path
) -> None:
    from engine.weights import WEIGHTS_FOLDER

    (files.root / "cutouts").mkdir()
    cutout = files.root / "cutouts" / "cutout.png"
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout)
    assert_success(rc, err, cutout)
    assert "cut-out: GrabCut seeded by the segmentation network, closed-form matting" in err  # none installed
    (shipped_segmentation.parent / "matting.pt").symlink_to(WEIGHTS_FOLDER / "matting.pt")
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout)
    default = assert_success(rc, err, cutout)
    assert "cut-out: GrabCut seeded by the segmentation network, the matting network" in err
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout, "--matting", "closed-form")
    classic = assert_success(rc, err, cutout)
    assert "cut-out: GrabCut seeded by the segmentation network, closed-form matting" in err
    assert not np.array_equal(default, classic)  # the network corrected closed-form's alpha
    composite = files.out / "composite.png"
    rc, _, err = run(
        capsys, "composite", files.photo, files.background, "-o", composite, "--matting", "network"
    )
    assert_success(rc, err, composite)
    assert "the matting network" in err


def test_cutout_and_composite_take_the_learned_trimap_unless_told(
    files: Files, capsys: Capsys, shipped_segmentation: Path
) -> None:
    from engine.weights import WEIGHTS_FOLDER

    (shipped_segmentation.parent / "trimap.pt").symlink_to(WEIGHTS_FOLDER / "trimap.pt")
    (files.root / "cutouts").mkdir()
    cutout = files.root / "cutouts" / "cutout.png"
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout)
    assert_success(rc, err, cutout)
    assert "cut-out: GrabCut seeded by the segmentation network, the learned trimap, closed-form" in err
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout, "--trimap-from", "mask")
    assert_success(rc, err, cutout)
    assert "learned trimap" not in err
    composite = files.out / "composite.png"
    options = ["-o", composite, "--trimap-from", "mask"]
    rc, _, err = run(capsys, "composite", files.photo, files.background, *options)
    assert_success(rc, err, composite)
    assert "learned trimap" not in err
    with pytest.raises(SystemExit) as refused:
        run(capsys, "cutout", files.photo, "-o", cutout, "--trimap-from", "pencil")
    assert refused.value.code == 2 and "--trimap-from" in capsys.readouterr().err


def test_the_second_opinion_is_chosen_on_the_command_line(
    files: Files, capsys: Capsys, shipped_segmentation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.pretrained import CACHE_ENVIRONMENT

    mask = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", mask, "--second-opinion", "none")
    assert_success(rc, err, mask)
    assert "second opinion" not in err
    from engine.weights import WEIGHTS_FOLDER

    (shipped_segmentation.parent / "trimap.pt").symlink_to(WEIGHTS_FOLDER / "trimap.pt")
    mask.unlink()
    alpha = files.out / "alpha.png"
    rc, _, err = run(capsys, "matte", files.photo, "-o", alpha, "--second-opinion", "none")
    assert_success(rc, err, alpha)
    # Asked for by name without its file: refused before any work, with the way to install it.
    monkeypatch.setenv(CACHE_ENVIRONMENT, str(files.root / "no-pretrained"))
    monkeypatch.setattr("engine.pretrained._installed_member", lambda entry: None)
    cutout = files.out / "cutout.png"
    rc, _, err = run(capsys, "cutout", files.photo, "-o", cutout, "--second-opinion", "u2netp")
    assert rc == EXIT_BAD_INPUT and "python -m engine.pretrained u2netp" in err and not cutout.exists()
    with pytest.raises(SystemExit) as refused:
        run(capsys, "composite", files.photo, files.background, "-o", cutout, "--second-opinion", "rembg")
    assert refused.value.code == 2 and "--second-opinion" in capsys.readouterr().err
    # The learned trimap's transparency hint likewise.
    hinted = files.out / "hinted.png"
    rc, _, err = run(capsys, "matte", files.photo, "-o", hinted, "--transparency-hint", "modnet")
    assert rc == EXIT_BAD_INPUT and "python -m engine.pretrained modnet" in err and not hinted.exists()
    with pytest.raises(SystemExit) as refused:
        run(capsys, "batch", files.root, files.background, "-o", files.out, "--transparency-hint", "vitmatte")
    assert refused.value.code == 2 and "--transparency-hint" in capsys.readouterr().err


def test_segment_grabcut_with_a_rectangle(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output, "--method", "grabcut", "--rect", RECT)
    mask = assert_success(rc, err, output)
    assert_single_channel(mask)
    assert iou(mask > 127, files.subject) >= 0.8


def test_segment_grabcut_from_a_jpeg_with_a_16_bit_mask(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    options = ["--method", "grabcut", "--rect", RECT, "--bit-depth", "16"]
    rc, _, err = run(capsys, "segment", files.photo_jpg, "-o", output, *options)
    mask = assert_success(rc, err, output)
    assert_single_channel(mask)
    assert mask.dtype == np.uint16
    assert iou(mask > 32767, files.subject) >= 0.8


def test_segment_quickselect_with_scribbles(files: Files, capsys: Capsys) -> None:
    foreground = disc(HEIGHT, WIDTH, CENTRE, 4).astype(np.uint8) * 255
    background = np.zeros((HEIGHT, WIDTH), np.uint8)
    background[:3, :] = background[-3:, :] = background[:, :3] = background[:, -3:] = 255
    fg_path = write(files.root / "fg-scribbles.png", foreground)
    bg_path = write(files.root / "bg-scribbles.png", background)
    output = files.out / "mask.png"
    rc, _, err = run(
        capsys, "segment", files.photo, "-o", output, "--method", "quickselect",
        "--foreground-scribbles", fg_path, "--background-scribbles", bg_path,
    )  # fmt: skip
    mask = assert_success(rc, err, output)
    assert_single_channel(mask)
    assert iou(mask > 127, files.subject) >= 0.8


def test_segment_quickselect_without_scribbles_is_an_error(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output, "--method", "quickselect")
    line = assert_clean_failure(rc, err, output, files.out)
    assert "scribbles" in line


def test_segment_quickselect_with_mismatched_scribbles(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(
        capsys, "segment", files.photo, "-o", output, "--method", "quickselect",
        "--foreground-scribbles", files.small, "--background-scribbles", files.small,
    )  # fmt: skip
    line = assert_clean_failure(rc, err, output, files.out)
    assert "30x30" in line and "64x48" in line


# --- matte --------------------------------------------------------------------------------------------

# Sum of absolute differences between the written alpha (in [0, 1]) and the ground truth over the whole
# 64x48 image, whose unknown band has about 800 pixels. Measured: closed-form ≈ 9, Bayesian ≈ 21, KNN ≈ 50.
SAD_BOUND = {"closed-form": 20.0, "bayesian": 40.0, "knn": 80.0}


def soft_disc_scene(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """(photo, trimap) files of a red disc, a 7-px soft edge, on a textured ground; its alpha and trimap."""
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    distance = np.hypot(rows - 23.5, cols - 31.5)
    alpha = np.clip((15.0 - distance) / 7.0, 0.0, 1.0)  # a soft edge 7 px wide
    foreground = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    foreground[:] = (0.1, 0.1, 0.9)  # BGR: red
    blue, green = 0.5 + 0.1 * np.sin((cols + rows) / 5), 0.5 + 0.1 * np.cos(rows / 4)
    background = np.stack([blue, green, 0.1 + 0.05 * np.sin(cols / 3)], axis=-1)
    image = alpha[..., None] * foreground + (1 - alpha[..., None]) * background
    trimap = np.where(distance <= 6, 255, np.where(distance >= 17, 0, 128)).astype(np.uint8)
    image_path = write(tmp_path / "composite.png", np.round(image * 255).astype(np.uint8))
    trimap_path = write(tmp_path / "trimap.png", trimap)
    return image_path, trimap_path, alpha, trimap


@pytest.mark.parametrize("method", sorted(SAD_BOUND))
def test_matte_recovers_a_synthetic_alpha(method: str, tmp_path: Path, capsys: Capsys) -> None:
    image_path, trimap_path, alpha, trimap = soft_disc_scene(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    output = out / "alpha.png"

    rc, _, err = run(capsys, "matte", image_path, "--trimap", trimap_path, "-o", output, "--method", method)
    written = assert_success(rc, err, output)
    assert_single_channel(written)
    estimate = written.astype(np.float32) / 255.0
    sad = float(np.abs(estimate - alpha).sum())
    assert sad <= SAD_BOUND[method], f"{method}: SAD {sad:.1f} > {SAD_BOUND[method]}"
    # known pixels keep their trimap value
    assert np.all(written[trimap == 255] == 255) and np.all(written[trimap == 0] == 0)


def test_matte_inside_a_trimap_defaults_to_the_shipped_matting_network(
    tmp_path: Path, capsys: Capsys, no_installed_weights: Path
) -> None:
    from engine.weights import WEIGHTS_FOLDER

    image_path, trimap_path, alpha, _ = soft_disc_scene(tmp_path)
    written = {}
    for name, method in (("closed-form", ["--method", "closed-form"]), ("default", [])):
        if name == "default":  # installed now: the default inside a given trimap
            (no_installed_weights / "matting.pt").symlink_to(WEIGHTS_FOLDER / "matting.pt")
        (tmp_path / name).mkdir()
        output = tmp_path / name / "alpha.png"
        rc, _, err = run(capsys, "matte", image_path, "--trimap", trimap_path, "-o", output, *method)
        written[name] = assert_success(rc, err, output).astype(np.float32) / 255.0
    (tmp_path / "network").mkdir()
    network = tmp_path / "network" / "alpha.png"
    rc, _, err = run(
        capsys, "matte", image_path, "--trimap", trimap_path, "-o", network, "--method", "network"
    )
    np.testing.assert_array_equal(
        assert_success(rc, err, network).astype(np.float32) / 255.0, written["default"]
    )
    # The network corrects closed-form's alpha, and stays as close to the truth.
    assert float(np.abs(written["default"] - written["closed-form"]).max()) > 0
    assert float(np.abs(written["default"] - alpha).sum()) <= SAD_BOUND["closed-form"]


# --- cutout -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rect", [None, "10,2,44,44"])
def test_cutout_writes_an_rgba_png(rect: str | None, files: Files, capsys: Capsys) -> None:
    output = files.out / "cutout.png"
    rc, _, err = run(capsys, "cutout", files.photo, "-o", output, *(["--rect", rect] if rect else []))
    rgba = assert_success(rc, err, output)
    assert rgba.shape == (HEIGHT, WIDTH, 4)
    alpha = rgba[..., 3]
    assert iou(alpha > 127, files.subject) >= 0.8
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 0
    assert is_red(rgba[CENTRE[0], CENTRE[1], :3])


# --- composite ----------------------------------------------------------------------------------------

# The photo is centred on the larger background: offset (16, 12), so the disc's centre lands here.
PLACED_CENTRE = (CENTRE[0] + (BG_HEIGHT - HEIGHT) // 2, CENTRE[1] + (BG_WIDTH - WIDTH) // 2)


def assert_subject_on_background(
    result: np.ndarray, background: np.ndarray, *, subject_red: bool = True
) -> None:
    assert result.shape == (BG_HEIGHT, BG_WIDTH, 3)
    if subject_red:
        for dr, dc in ((0, 0), (-6, 0), (6, 0), (0, -6), (0, 6)):
            assert is_red(result[PLACED_CENTRE[0] + dr, PLACED_CENTRE[1] + dc]), (dr, dc)
    for row, col in ((0, 0), (0, BG_WIDTH - 1), (BG_HEIGHT - 1, 0), (BG_HEIGHT - 1, BG_WIDTH - 1)):
        assert np.abs(result[row, col].astype(int) - background[row, col].astype(int)).max() <= 2, (row, col)
    # nothing of the photo's blue-green ground comes through far from the subject
    assert np.abs(result[:8].astype(int) - background[:8].astype(int)).max() <= 2


def test_composite_selects_the_subject_automatically(files: Files, capsys: Capsys) -> None:
    output = files.out / "composite.png"
    rc, _, err = run(capsys, "composite", files.photo, files.background, "-o", output)
    result = assert_success(rc, err, output)
    assert_subject_on_background(result, plain_background())


@pytest.mark.parametrize("method", ["copy", "alpha", "feather", "laplacian", "poisson"])
def test_composite_methods_with_a_mask(method: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "composite.png"
    rc, _, err = run(
        capsys,
        "composite",
        files.photo,
        files.background,
        "-o",
        output,
        "--mask",
        files.mask,
        "--method",
        method,
    )
    result = assert_success(rc, err, output)
    # Poisson blending keeps the subject's gradients, not its colours: a flat red disc takes on the
    # background's colour, so only its size and untouched surroundings are checked.
    assert_subject_on_background(result, plain_background(), subject_red=method != "poisson")


@pytest.mark.parametrize("given", ["--trimap", "--alpha"])
@pytest.mark.parametrize("decontaminate", [False, True])
def test_composite_with_a_trimap_or_an_alpha(
    given: str, decontaminate: bool, files: Files, capsys: Capsys
) -> None:
    output = files.out / "composite.jpg"
    path = files.trimap if given == "--trimap" else files.alpha
    extra = ["--decontaminate"] if decontaminate else ["--no-decontaminate"]
    rc, _, err = run(capsys, "composite", files.photo, files.background, "-o", output, given, path, *extra)
    result = assert_success(rc, err, output)
    background = cv2.imdecode(cv2.imencode(".jpg", plain_background())[1], cv2.IMREAD_UNCHANGED)
    assert result.shape == (BG_HEIGHT, BG_WIDTH, 3)
    assert is_red(result[PLACED_CENTRE])
    assert np.abs(result[:8].astype(int) - background[:8].astype(int)).max() <= 12  # JPEG


def _small_subject_files(files: Files, subject: np.ndarray) -> tuple[Path, Path]:
    """A 32x32 foreground photo holding ``subject`` in red, and its alpha."""
    photo = write(files.root / "small-photo.png", photo_with(subject, seed=3))
    alpha = write(files.root / "small-alpha.png", subject.astype(np.uint8) * 255)
    return photo, alpha


def _placed(files: Files, capsys: Capsys, photo: Path, alpha: Path, *options: str) -> np.ndarray:
    output = files.out / "placed.png"
    rc, _, err = run(capsys, "composite", photo, files.background, "-o", output, "--alpha", alpha, *options)
    result = assert_success(rc, err, output)
    output.unlink()
    assert result.shape == (BG_HEIGHT, BG_WIDTH, 3)
    return result


def test_composite_x_y_move_the_subject(files: Files, capsys: Capsys) -> None:
    photo, alpha = _small_subject_files(files, disc(32, 32, (15.5, 15.5), 8))
    centred = _placed(files, capsys, photo, alpha)  # default: centred at (32, 20)
    assert is_red(centred[20 + 16, 32 + 16])
    moved = _placed(files, capsys, photo, alpha, "--x", "60", "--y", "5")
    assert is_red(moved[5 + 16, 60 + 16])
    assert not is_red(moved[20 + 16, 32 + 16])
    assert not any(is_red(p) for p in moved[40:].reshape(-1, 3))  # nothing left below the new place


def test_composite_stands_a_subject_cut_by_the_frame_on_the_edge(files: Files, capsys: Capsys) -> None:
    subject = np.zeros((32, 32), bool)
    subject[12:, 10:22] = True  # A figure the photo's bottom edge cuts.
    photo, alpha = _small_subject_files(files, subject)
    standing = _placed(files, capsys, photo, alpha)  # The photo's bottom on the background's: y = 40.
    assert is_red(standing[BG_HEIGHT - 1, 32 + 16]) and is_red(standing[40 + 13, 32 + 16])
    assert not is_red(standing[40 + 10, 32 + 16]) and not is_red(standing[20 + 14, 32 + 16])
    lifted = _placed(files, capsys, photo, alpha, "--y", "20")  # A given offset still wins.
    assert is_red(lifted[20 + 13, 32 + 16]) and not is_red(lifted[BG_HEIGHT - 1, 32 + 16])


def test_composite_flip_mirrors_an_asymmetric_subject(files: Files, capsys: Capsys) -> None:
    subject = np.zeros((32, 32), bool)
    subject[10:22, 3:13] = True  # a block on the left of the photo
    photo, alpha = _small_subject_files(files, subject)
    plain = _placed(files, capsys, photo, alpha, "--x", "20", "--y", "20")
    flipped = _placed(files, capsys, photo, alpha, "--x", "20", "--y", "20", "--flip")
    left, right = (36, 20 + 7), (36, 20 + 31 - 7)
    assert is_red(plain[left]) and not is_red(plain[right])
    assert is_red(flipped[right]) and not is_red(flipped[left])


def test_composite_rotate_and_scale(files: Files, capsys: Capsys) -> None:
    subject = np.zeros((32, 32), bool)
    subject[14:18, 2:30] = True  # a horizontal bar
    photo, alpha = _small_subject_files(files, subject)
    horizontal = _placed(files, capsys, photo, alpha, "--x", "20", "--y", "20")
    vertical = _placed(files, capsys, photo, alpha, "--x", "20", "--y", "20", "--rotate", "90")
    end_of_bar, end_of_rotated_bar = (20 + 16, 20 + 5), (20 + 5, 20 + 16)
    assert is_red(horizontal[end_of_bar]) and not is_red(horizontal[end_of_rotated_bar])
    assert is_red(vertical[end_of_rotated_bar]) and not is_red(vertical[end_of_bar])
    doubled = _placed(files, capsys, photo, alpha, "--x", "0", "--y", "0", "--scale", "2")
    assert is_red(doubled[32, 6]) and is_red(doubled[32, 58])  # the bar now spans columns 4–60
    assert not is_red(doubled[32, 62])


def test_composite_of_same_size_photos_keeps_the_subject_in_place(files: Files, capsys: Capsys) -> None:
    background = write(files.root / "same-size.png", plain_background(HEIGHT, WIDTH))
    output = files.out / "composite.png"
    rc, _, err = run(capsys, "composite", files.photo, background, "-o", output, "--mask", files.mask)
    result = assert_success(rc, err, output)
    assert result.shape == (HEIGHT, WIDTH, 3)
    assert all(is_red(p) for p in result[files.subject])
    outside = ~files.subject
    assert np.abs(result[outside].astype(int) - plain_background(HEIGHT, WIDTH)[outside]).max() <= 2


# --- batch --------------------------------------------------------------------------------------------


def test_batch_goes_on_past_bad_files_and_lists_them(files: Files, capsys: Capsys) -> None:
    folder = files.root / "photos"
    folder.mkdir()
    write(folder / "a.png", cv2.imread(str(files.photo)))
    write(folder / "b.jpg", cv2.imread(str(files.photo)))
    (folder / "c.png").write_bytes(files.corrupt.read_bytes())
    (folder / "readme.txt").write_text("not a photo and not listed as one\n")
    output = files.out / "batch"  # created by the command

    rc, _, err = run(capsys, "batch", folder, files.background, "-o", output)
    assert rc != 0
    assert "Traceback" not in err
    assert sorted(p.name for p in output.iterdir()) == ["a.png", "b.png"]
    for name in ("a.png", "b.png"):
        assert_subject_on_background(read_back(output / name), plain_background())
    assert "Batch [" in err  # the progress bar
    assert "2 of 3" in err
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "c.png" in failed[0]


def test_batch_of_good_photos_exits_zero(files: Files, capsys: Capsys) -> None:
    folder = files.root / "photos"
    folder.mkdir()
    write(folder / "a.png", cv2.imread(str(files.photo)))
    rc, _, err = run(capsys, "batch", folder, files.background, "-o", files.out, "--format", "jpg")
    assert rc == 0, err
    assert sorted(p.name for p in files.out.iterdir()) == ["a.jpg"]
    assert read_back(files.out / "a.jpg").shape == (BG_HEIGHT, BG_WIDTH, 3)


# --- networks that are not installed yet --------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["segment", "{photo}", "-o", "{output}", "--method", "network"],
        ["matte", "{photo}", "--trimap", "{trimap}", "-o", "{output}", "--method", "network"],
        ["composite", "{photo}", "{background}", "-o", "{output}", "--method", "fusion"],
    ],
    ids=["segment-network", "matte-network", "composite-fusion"],
)
def test_network_methods_say_no_network_is_installed(
    command: list[str], files: Files, capsys: Capsys
) -> None:
    output = files.out / "result.png"
    paths = {"photo": files.photo, "trimap": files.trimap, "background": files.background, "output": output}
    rc, _, err = run(capsys, *(part.format(**paths) for part in command))
    line = assert_clean_failure(rc, err, output, files.out)
    assert rc == EXIT_BAD_INPUT
    assert "no trained" in line and "network" in line and "installed" in line


# --- bad input ----------------------------------------------------------------------------------------

BAD_FILES = ["missing", "corrupt", "truncated-jpg", "truncated-png", "text", "empty", "folder"]

# Where a bad file can go: each builds the arguments from the bad file's path and the output path.
ROLES: dict[str, Callable[[Files, Path, Path], list[object]]] = {
    "segment-image": lambda f, bad, out: ["segment", bad, "-o", out],
    "matte-image": lambda f, bad, out: ["matte", bad, "--trimap", f.trimap, "-o", out],
    "matte-trimap": lambda f, bad, out: ["matte", f.photo, "--trimap", bad, "-o", out],
    "composite-foreground": lambda f, bad, out: ["composite", bad, f.background, "-o", out],
    "composite-background": lambda f, bad, out: ["composite", f.photo, bad, "-o", out, "--mask", f.mask],
    "composite-mask": lambda f, bad, out: ["composite", f.photo, f.background, "-o", out, "--mask", bad],
    "composite-trimap": lambda f, bad, out: ["composite", f.photo, f.background, "-o", out, "--trimap", bad],
    "composite-alpha": lambda f, bad, out: ["composite", f.photo, f.background, "-o", out, "--alpha", bad],
    "cutout-image": lambda f, bad, out: ["cutout", bad, "-o", out],
    "batch-background": lambda f, bad, out: ["batch", f.root, bad, "-o", out],
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_input_file(kind: str, role: str, files: Files, capsys: Capsys) -> None:
    bad = files.bad(kind)
    output = files.out / ("batch" if role.startswith("batch") else "result.png")
    rc, _, err = run(capsys, *ROLES[role](files, bad, output))
    line = assert_clean_failure(rc, err, output, files.out)
    assert bad.name in line


MISMATCHED = {
    "matte-trimap": lambda f: ["matte", f.photo, "--trimap", f.small],
    "composite-mask": lambda f: ["composite", f.photo, f.background, "--mask", f.small],
    "composite-trimap": lambda f: ["composite", f.photo, f.background, "--trimap", f.small],
    "composite-alpha": lambda f: ["composite", f.photo, f.background, "--alpha", f.small],
}


@pytest.mark.parametrize("case", sorted(MISMATCHED))
def test_mismatched_sizes(case: str, files: Files, capsys: Capsys) -> None:
    # the 30x30 file is a photo, not a trimap: make a valid 30x30 trimap for the trimap cases
    write(files.small, np.full((30, 30), 128, np.uint8))
    output = files.out / "result.png"
    rc, _, err = run(capsys, *MISMATCHED[case](files), "-o", output)
    line = assert_clean_failure(rc, err, output, files.out)
    assert "64x48" in line and "30x30" in line


@pytest.mark.parametrize("command", ["matte", "composite"])
def test_trimap_with_other_values(command: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "result.png"
    if command == "matte":
        args: list[object] = ["matte", files.photo, "--trimap", files.gradient_trimap, "-o", output]
    else:
        args = ["composite", files.photo, files.background, "-o", output, "--trimap", files.gradient_trimap]
    rc, _, err = run(capsys, *args)
    line = assert_clean_failure(rc, err, output, files.out)
    assert "trimap" in line and "grey level" in line


UNWRITABLE_COMMANDS = {
    "segment": lambda f, out: ["segment", f.photo, "-o", out, "--method", "grabcut", "--rect", "10,2,44,44"],
    "matte": lambda f, out: ["matte", f.photo, "--trimap", f.trimap, "-o", out],
    "composite": lambda f, out: ["composite", f.photo, f.background, "-o", out, "--mask", f.mask],
    "cutout": lambda f, out: ["cutout", f.photo, "-o", out],
}


@pytest.mark.parametrize("command", sorted(UNWRITABLE_COMMANDS))
def test_output_in_a_folder_that_does_not_exist(command: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "no-such-folder" / "result.png"
    rc, _, err = run(capsys, *UNWRITABLE_COMMANDS[command](files, output))
    line = assert_clean_failure(rc, err, output, files.out)
    assert "does not exist" in line
    assert not output.parent.exists()


@pytest.mark.parametrize("command", sorted(UNWRITABLE_COMMANDS))
def test_output_that_is_a_folder(command: str, files: Files, capsys: Capsys) -> None:
    # writable as root too: the encoded file cannot replace a folder, and its temporary file is removed
    output = files.out / "taken.png"
    output.mkdir()
    rc, _, err = run(capsys, *UNWRITABLE_COMMANDS[command](files, output))
    assert rc != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "taken.png" in lines[0], err
    assert output.is_dir() and list(output.iterdir()) == []
    assert [p.name for p in files.out.iterdir()] == ["taken.png"]


@pytest.mark.parametrize("command", sorted(UNWRITABLE_COMMANDS))
def test_output_in_a_read_only_folder(command: str, files: Files, capsys: Capsys) -> None:
    files.out.chmod(0o500)
    try:
        if os.access(files.out, os.W_OK):
            pytest.skip("running as root (or similar): a read-only folder is still writable")
        output = files.out / "result.png"
        rc, _, err = run(capsys, *UNWRITABLE_COMMANDS[command](files, output))
        line = assert_clean_failure(rc, err, output, files.out)
        assert "permission" in line
    finally:
        files.out.chmod(0o700)


@pytest.mark.parametrize("command", ["segment", "composite"])
def test_output_with_an_unsupported_extension(command: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "result.xyz"
    if command == "segment":
        args: list[object] = ["segment", files.photo, "-o", output]
    else:
        args = ["composite", files.photo, files.background, "-o", output, "--mask", files.mask]
    rc, _, err = run(capsys, *args)
    assert_clean_failure(rc, err, output, files.out)


def test_segment_mask_as_jpeg_is_refused(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.jpg"  # a lossy mask would not be a mask
    rc, _, err = run(capsys, "segment", files.photo, "-o", output)
    assert_clean_failure(rc, err, output, files.out)


@pytest.mark.parametrize(
    "rect", ["1,2,3", "a,b,c,d", "10,10,0,20", "10,10,-5,20", "500,500,10,10", "nan,0,10,10", "inf,0,10,10"]
)
def test_bad_rectangle(rect: str, files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output, "--method", "grabcut", "--rect", rect)
    line = assert_clean_failure(rc, err, output, files.out)
    assert rc == EXIT_BAD_INPUT and "unexpected" not in line


def test_grabcut_without_a_rectangle(files: Files, capsys: Capsys) -> None:
    output = files.out / "mask.png"
    rc, _, err = run(capsys, "segment", files.photo, "-o", output, "--method", "grabcut")
    line = assert_clean_failure(rc, err, output, files.out)
    assert "--rect" in line


@pytest.mark.parametrize("option", [["--scale", "0"], ["--scale", "-1"], ["--x", "inf"], ["--y", "nan"]])
def test_bad_placement(option: list[str], files: Files, capsys: Capsys) -> None:
    output = files.out / "composite.png"
    rc, _, err = run(
        capsys, "composite", files.photo, files.background, "-o", output, "--mask", files.mask, *option
    )
    line = assert_clean_failure(rc, err, output, files.out)
    assert rc == EXIT_BAD_INPUT and "unexpected" not in line


def test_batch_bad_folders(files: Files, capsys: Capsys) -> None:
    empty = files.root / "no-photos"
    empty.mkdir()
    blocker = files.out / "a-file"
    blocker.write_text("")
    cases = [
        (files.root / "no-such-folder", files.out / "batch", "not a folder"),
        (empty, files.out / "batch", "no photos"),
        (files.root, blocker / "batch", "cannot create"),
    ]
    for folder, output, message in cases:
        rc, _, err = run(capsys, "batch", folder, files.background, "-o", output)
        assert rc == EXIT_BAD_INPUT
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
        assert not output.exists()
    assert [p.name for p in files.out.iterdir()] == ["a-file"]


# --- as a real process --------------------------------------------------------------------------------


def run_main_py(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("COMPOSITOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "main.py", *(str(a) for a in args)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_main_py_bad_input_shows_one_line_and_no_traceback(files: Files) -> None:
    output = files.out / "mask.png"
    process = run_main_py("segment", files.corrupt, "-o", output)
    assert process.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in process.stderr
    assert process.stderr.count("\n") == 1 and process.stderr.startswith("error: "), process.stderr
    assert "corrupt.png" in process.stderr
    assert process.stdout == ""
    assert list(files.out.iterdir()) == []


def test_main_py_fusion_and_a_good_run(files: Files) -> None:
    output = files.out / "composite.png"
    process = run_main_py("composite", files.photo, files.background, "-o", output, "--method", "fusion")
    assert process.returncode != 0
    assert "Traceback" not in process.stderr and "no trained fusion network" in process.stderr
    assert not output.exists()

    process = run_main_py("composite", files.photo, files.background, "-o", output, "--mask", files.mask)
    assert process.returncode == 0, process.stderr
    assert process.stderr == ""  # the progress bar stays silent when stderr is not a terminal
    assert read_back(output).shape == (BG_HEIGHT, BG_WIDTH, 3)


def test_device_option_picks_where_networks_run(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    # Asking for an absent GPU falls back to the CPU (the engine says why); the classic result is unchanged.
    for device in ("cpu", "cuda"):
        output = files.out / f"mask-{device}.png"
        assert main(["segment", str(files.photo), "-o", str(output), "--device", device]) == 0
        assert iou(read_back(output) > 127, files.subject) >= 0.8
    with pytest.raises(SystemExit) as raised:
        main(["segment", str(files.photo), "-o", str(files.out / "x.png"), "--device", "tpu"])
    assert raised.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
