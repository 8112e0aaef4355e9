"""``main.py evaluate`` and ``main.py make-compositing-set`` end to end on tiny synthetic sets."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.cli import EXIT_BAD_INPUT, main
from app.evaluation.compositing_set import fit_background
from app.evaluation.matting import trimap_from_truth
from app.evaluation.segmentation import rect_of
from app.evaluation.task import quantised
from classic.imageio import read_matte, write_image
from classic.metrics import sad

HEIGHT, WIDTH = 60, 80
NAMES = ("alpha-one", "beta-two")


def soft_disc(radius: float, centre: tuple[float, float] = (30.0, 40.0), softness: float = 4.0) -> np.ndarray:
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    distance = np.hypot(rows - centre[0], cols - centre[1])
    return np.clip((radius + softness / 2 - distance) / softness, 0.0, 1.0).astype(np.float32)


def textured(
    base: tuple[float, float, float], seed: int, shape: tuple[int, int] = (HEIGHT, WIDTH)
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 0.03, (*shape, 3))
    return np.clip(np.array(base)[None, None, :] + noise, 0.0, 1.0).astype(np.float32)


def photo(alpha: np.ndarray, seed: int) -> np.ndarray:
    foreground, background = textured((0.85, 0.25, 0.2), seed), textured((0.15, 0.5, 0.6), seed + 1)
    return alpha[:, :, None] * foreground + (1 - alpha[:, :, None]) * background


def make_matting_set(root: Path) -> Path:
    for folder in ("image", "trimap", "alpha"):
        (root / folder).mkdir(parents=True)
    for index, name in enumerate(NAMES):
        alpha = soft_disc(14.0 + 4 * index)
        write_image(root / "image" / f"{name}.png", photo(alpha, index))
        write_image(root / "trimap" / f"{name}.png", trimap_from_truth(alpha, 3))
        write_image(root / "alpha" / f"{name}.png", alpha)
    return root


def make_segmentation_set(root: Path) -> Path:
    for folder in ("image", "mask", "rect"):
        (root / folder).mkdir(parents=True)
    for index, name in enumerate(NAMES):
        subject = soft_disc(15.0 + 3 * index, softness=0.5) >= 0.5
        inner, outer = (soft_disc(r, softness=0.5) >= 0.5 for r in (14.0 + 3 * index, 16.0 + 3 * index))
        mask = np.where(inner, 255, 0).astype(np.uint8)
        mask[outer & ~inner] = 128  # the unlabelled band
        rect = np.zeros((HEIGHT, WIDTH), np.uint8)
        rect[6:55, 14:67] = 64
        rect[8:53, 16:65] = 128
        write_image(root / "image" / f"{name}.png", photo(subject.astype(np.float32), index))
        assert cv2.imwrite(str(root / "mask" / f"{name}.png"), mask)
        assert cv2.imwrite(str(root / "rect" / f"{name}.png"), rect)
    return root


def make_backgrounds(root: Path) -> Path:
    root.mkdir()
    sizes = ((90, 150), (50, 70), (120, 100))  # wider, smaller, taller than the photos
    colours = ((0.9, 0.9, 0.2), (0.2, 0.2, 0.9), (0.5, 0.9, 0.5))
    for index, (size, base) in enumerate(zip(sizes, colours, strict=True)):
        write_image(root / f"background-{index}.jpg", textured(base, 10 + index, size))
    return root


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(args)
    return status, capsys.readouterr().err.strip().splitlines()


def check_report(out: Path, methods: tuple[str, ...], metrics: set[str]) -> dict[str, dict[str, float]]:
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == list(methods)
    for values in summary.values():
        assert set(values) == metrics | {"seconds", "peak_mib"}
        assert all(isinstance(v, float) and math.isfinite(v) for v in values.values())
        assert values["seconds"] > 0 and values["peak_mib"] >= 0
    report = (out / "report.md").read_text()
    for method in methods:
        assert f"\n| {method} |" in report and f"\n## {method}\n" in report
        for name in NAMES:
            assert f"| {name} |" in report
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert "plots/per_image.png" in figures and "plots/worst.png" in figures
    # The tests' pipelines take no second opinion (tests/conftest.py), and the report says so.
    assert "Second opinion (`auto`): none, U²-Net-p is not installed." in report
    for figure in figures:
        assert (out / figure).stat().st_size > 1000
    return dict(summary)


def check_predictions(out: Path, methods: tuple[str, ...], channels: int) -> None:
    for method in methods:
        for name in NAMES:
            prediction = cv2.imread(str(out / "predictions" / method / f"{name}.png"), cv2.IMREAD_UNCHANGED)
            assert prediction is not None and prediction.dtype == np.uint8
            assert prediction.shape == ((HEIGHT, WIDTH) if channels == 1 else (HEIGHT, WIDTH, channels))


# --- evaluate ------------------------------------------------------------------------------------------


def test_evaluate_matting_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = make_matting_set(tmp_path / "set"), tmp_path / "report"
    methods = ("closed-form", "knn")
    args = ["evaluate", "matting", "--data", str(data), "--out", str(out), "--dilations", "1,7"]
    status, _ = run([*args, "--method", methods[0], "--method", methods[1]], capsys)
    assert status == 0
    summary = check_report(out, methods, {"sad", "mse", "grad", "conn"})
    for values in summary.values():
        assert values["sad"] < 0.2 and values["mse"] < 0.01  # clean synthetic composites matte well
    check_predictions(out, methods, channels=1)
    assert "plots/robustness.png" in (out / "report.md").read_text()
    robustness = json.loads((out / "robustness.json").read_text())
    assert set(robustness["knn"]) == {"1", "7"}
    # The scores are those of the written files: re-scoring a prediction gives the same SAD.
    per_image = json.loads((out / "per_image.json").read_text())
    name = NAMES[1]
    alpha = read_matte(out / "predictions" / "knn" / f"{name}.png")
    truth, trimap = read_matte(data / "alpha" / f"{name}.png"), trimap_from_truth(soft_disc(18.0), 3)
    assert sad(alpha, truth, trimap) == pytest.approx(per_image["knn"][name]["sad"], abs=1e-9)


def test_evaluate_segmentation_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = make_segmentation_set(tmp_path / "set"), tmp_path / "report"
    status, _ = run(
        ["evaluate", "segmentation", "--data", str(data), "--method", "auto", "--method", "grabcut",
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert status == 0
    summary = check_report(out, ("auto", "grabcut"), {"iou", "error_rate"})
    assert summary["grabcut"]["iou"] > 0.9 and summary["grabcut"]["error_rate"] < 0.05
    check_predictions(out, ("auto", "grabcut"), channels=1)
    assert not (out / "robustness.json").exists()


def test_make_compositing_set_and_evaluate_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    matting_set, backgrounds = make_matting_set(tmp_path / "matting"), make_backgrounds(tmp_path / "bgs")
    compositing_set = tmp_path / "compositing"
    status, _ = run(
        ["make-compositing-set", "--matting", str(matting_set), "--backgrounds", str(backgrounds),
         "--out", str(compositing_set)],
        capsys,
    )  # fmt: skip
    assert status == 0
    for folder in ("fg", "bg", "gt", "trimap", "alpha"):
        assert sorted(p.name for p in (compositing_set / folder).iterdir()) == [f"{n}.png" for n in NAMES]
    sources = json.loads((compositing_set / "sources.json").read_text())
    for name in NAMES:
        assert sources[name]["old"] != sources[name]["new"]
        fg, gt = (cv2.imread(str(compositing_set / f / f"{name}.png")) for f in ("fg", "gt"))
        assert fg.shape == gt.shape == (HEIGHT, WIDTH, 3)
        alpha = read_matte(compositing_set / "alpha" / f"{name}.png")
        difference = np.abs(fg.astype(int) - gt.astype(int)).max(axis=2)
        assert difference[alpha == 0].mean() > 40  # the two backgrounds differ
        assert difference[alpha == 1].max() <= 1  # the subject is the same
    out = tmp_path / "report"
    status, _ = run(
        ["evaluate", "compositing", "--data", str(compositing_set), "--method", "alpha", "--method", "copy",
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert status == 0
    summary = check_report(out, ("alpha", "copy"), {"psnr", "psnr_band", "old_background"})
    assert summary["alpha"]["psnr"] > 25 and summary["alpha"]["psnr_band"] > summary["copy"]["psnr_band"]
    # Pasting the photo's pixels keeps its old background along the edge; decontamination removes most.
    assert 0 < summary["alpha"]["old_background"] < summary["copy"]["old_background"] / 2
    check_predictions(out, ("alpha", "copy"), channels=3)
    monkeypatch.setenv("COMPOSITOR_WEIGHTS", str(tmp_path / "no-weights"))
    fusion = ["evaluate", "compositing", "--data", str(compositing_set), "--method", "fusion"]
    fusion += ["--out", str(out)]
    expect_one_error(fusion, capsys, r"no trained fusion network .*; use the alpha or laplacian method")


def test_automatic_compositing_runs_the_pipeline_from_the_photos_beside_the_reference(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    shipped_segmentation: Path,
) -> None:
    from app.evaluation import compositing

    matting_set, backgrounds = make_matting_set(tmp_path / "matting"), make_backgrounds(tmp_path / "bgs")
    compositing_set = tmp_path / "compositing"
    args = ["make-compositing-set", "--matting", str(matting_set), "--backgrounds", str(backgrounds)]
    assert run([*args, "--out", str(compositing_set)], capsys)[0] == 0
    # The U²-Net-p reference row needs its weights; a stand-in mask keeps this test offline.
    teacher = _DiscTeacher()
    monkeypatch.setattr(compositing, "load_teacher", lambda name: teacher)
    monkeypatch.setattr(compositing, "reference_available", lambda: True)
    out = tmp_path / "report"
    status, _ = run(
        ["evaluate", "compositing", "--data", str(compositing_set), "--automatic", "--out", str(out)], capsys
    )
    assert status == 0
    methods = ("automatic", "automatic-saliency", "automatic-u2netp", "alpha")
    summary = check_report(out, methods, {"psnr", "psnr_band", "old_background"})
    check_predictions(out, methods, channels=3)
    assert teacher.calls == 1 + len(NAMES)  # a warm-up, then every photo: no trimap given
    assert summary["automatic-saliency"]["psnr"] > 25 and summary["alpha"]["psnr"] > 25
    report = (out / "report.md").read_text()
    assert "here the segmentation is GrabCut seeded by the segmentation network" in report
    assert "`python main.py evaluate compositing --data" in report and "--automatic" in report
    # Without its weights the reference is left out, with a note, and the rest still runs.
    monkeypatch.setattr(compositing, "reference_available", lambda: False)
    status, lines = run(
        [
            "evaluate",
            "compositing",
            "--data",
            str(compositing_set),
            "--automatic",
            "--out",
            str(tmp_path / "r2"),
        ],
        capsys,
    )
    assert status == 0 and any("reference row is left out" in line for line in lines)
    assert set(json.loads((tmp_path / "r2" / "summary.json").read_text())) == {
        "automatic",
        "automatic-saliency",
        "alpha",
    }


class _DiscTeacher:
    """Stands in for U²-Net-p: the red disc of the synthetic photos, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def soft_mask(self, image: np.ndarray) -> np.ndarray:
        self.calls += 1
        return ((image[:, :, 0] > 0.5) & (image[:, :, 1] < 0.4)).astype(np.float32)


# --- bad input -----------------------------------------------------------------------------------------


def expect_one_error(args: list[str], capsys: pytest.CaptureFixture[str], pattern: str) -> None:
    status, lines = run(args, capsys)
    assert status == EXIT_BAD_INPUT
    assert len(lines) == 1 and lines[0].startswith("error: ") and re.search(pattern, lines[0]), lines


def test_missing_folder_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_matting_set(tmp_path / "set")
    out = tmp_path / "report"
    base = ["evaluate", "matting", "--data", str(data), "--method", "knn", "--out", str(out)]
    expect_one_error([*base, "--trimaps", "trimap-wide"], capsys, r"no trimap-wide folder")
    segmentation = ["evaluate", "segmentation", "--data", str(data), "--method", "auto", "--out", str(out)]
    expect_one_error(segmentation, capsys, r"no mask folder")
    nowhere = ["evaluate", "matting", "--data", str(tmp_path / "nowhere"), *base[4:]]
    expect_one_error(nowhere, capsys, "not a folder")
    assert not out.exists()  # nothing is written before the set is known to be usable


def test_mismatched_names_are_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_matting_set(tmp_path / "set")
    (data / "alpha" / f"{NAMES[0]}.png").rename(data / "alpha" / "other.png")
    args = ["evaluate", "matting", "--data", str(data), "--method", "knn", "--out", str(tmp_path / "r")]
    expect_one_error(args, capsys, r"image/ lacks other.*alpha/ lacks alpha-one")


def test_unknown_and_untrained_methods_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOSITOR_WEIGHTS", str(tmp_path / "no-weights"))
    data = make_matting_set(tmp_path / "set")
    base = ["evaluate", "matting", "--data", str(data), "--out", str(tmp_path / "r")]
    expect_one_error([*base, "--method", "magic"], capsys, r"unknown matting method 'magic'; choose from")
    expect_one_error([*base, "--method", "knn", "--method", "network"], capsys, r"no trained matting network")
    assert not (tmp_path / "r" / "predictions" / "knn").exists()
    segmentation = make_segmentation_set(tmp_path / "segmentation")
    args = ["evaluate", "segmentation", "--data", str(segmentation), "--out", str(tmp_path / "r")]
    expect_one_error([*args, "--method", "network"], capsys, r"no trained segmentation network")


def test_compositing_set_needs_two_backgrounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    matting_set, backgrounds = make_matting_set(tmp_path / "matting"), tmp_path / "bgs"
    backgrounds.mkdir()
    write_image(backgrounds / "only.png", textured((0.5, 0.5, 0.5), 0))
    args = ["make-compositing-set", "--matting", str(matting_set), "--backgrounds", str(backgrounds)]
    expect_one_error([*args, "--out", str(tmp_path / "c")], capsys, "at least two background photos")


# --- helpers -------------------------------------------------------------------------------------------


def test_robustness_trimap_marks_the_dilated_fractional_band_unknown() -> None:
    alpha = np.zeros((1, 12), np.float32)
    alpha[0, 6:] = 1.0
    alpha[0, 5] = 0.5
    trimap = trimap_from_truth(alpha, 2)
    np.testing.assert_array_equal(trimap[0], [0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1])


def test_rect_is_the_bounding_box_of_the_marked_pixels() -> None:
    box = np.zeros((10, 12), np.float32)
    box[2:7, 3:11] = 1.0
    rect = rect_of(box)
    assert (rect.x, rect.y, rect.width, rect.height) == (3, 2, 8, 5)


def test_backgrounds_are_scaled_to_cover_and_centre_cropped() -> None:
    background = np.zeros((10, 40, 3), np.float32)
    background[:, 18:22] = 1.0  # a bright stripe in the middle
    fitted = fit_background(background, 20, 20)  # scaled ×2 to 20×80, columns 30–49 kept: stripe at 6–13
    assert fitted.shape == (20, 20, 3)
    assert fitted[:, 0].max() < 0.05 and fitted[:, 10].min() > 0.95


def test_quantised_matches_what_the_png_holds(tmp_path: Path) -> None:
    values = np.linspace(0, 1, 1001, dtype=np.float32).reshape(7, 143)
    write_image(tmp_path / "q.png", values)
    np.testing.assert_array_equal(quantised(values), read_matte(tmp_path / "q.png"))


def test_measure_reports_time_and_the_memory_a_call_touches(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.evaluation import measure

    def allocate() -> float:
        block = np.ones(8_000_000)  # 61 MiB, written so its pages are resident
        return float(block[-1])

    value, seconds, peak = measure.measure(allocate)
    assert value == 1.0 and seconds > 0 and peak > 40
    # Where the kernel's peak cannot be reset, tracemalloc's peak stands in.
    monkeypatch.setattr(measure, "_CLEAR_REFS", Path("/nonexistent/clear_refs"))
    assert "tracemalloc" in measure.memory_measure()
    _, _, peak = measure.measure(allocate)
    assert 60 < peak < 70


def test_the_automatic_variants_run_each_network_combination(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shipped_segmentation: Path
) -> None:
    """The rows the defaults were chosen from: the network alone, seeding GrabCut, and refined; the
    T-Net's trimap or the mask's band."""
    from engine.weights import WEIGHTS_FOLDER

    for kind in ("refinement", "trimap", "matting", "fusion"):
        (shipped_segmentation.parent / f"{kind}.pt").symlink_to(WEIGHTS_FOLDER / f"{kind}.pt")
    matting_set, backgrounds = make_matting_set(tmp_path / "matting"), make_backgrounds(tmp_path / "bgs")
    compositing_set = tmp_path / "compositing"
    args = ["make-compositing-set", "--matting", str(matting_set), "--backgrounds", str(backgrounds)]
    assert run([*args, "--out", str(compositing_set)], capsys)[0] == 0
    methods = (
        "automatic-network",
        "automatic-network-grabcut",
        "automatic-network-refined",
        "automatic-learned-trimap",
        "automatic-mask-trimap",
        "automatic-matting-network",
        "automatic-closed-form",
        "automatic-fusion",
    )
    args = ["evaluate", "compositing", "--data", str(compositing_set), "--out", str(tmp_path / "report")]
    status, _ = run([*args, *(f"--method={method}" for method in methods)], capsys)
    assert status == 0
    check_report(tmp_path / "report", methods, {"psnr", "psnr_band", "old_background"})
    report = (tmp_path / "report" / "report.md").read_text()
    assert "the segmentation network's mask refined by the refinement network" in report
    assert "the matting network (correcting closed-form matting's alpha)" in report
    assert "closed-form matting in place of the matting network" in report
    assert "the trimap the mask's edge band" in report and "the trimap from the T-Net" in report
    assert "composited by the fusion network" in report
