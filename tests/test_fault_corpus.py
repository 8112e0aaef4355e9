"""Every file-reading command against the fault corpus (``tests/faults.py``), in one parametrised test.

Each bad file is given in each input role of each command, and some commands get an output that is one of
their inputs or a value out of range. Every run must end with exit status 2 and exactly one ``error:``
line, no traceback, no changed input and no new file, within seconds, and under an address-space limit
that a decoded decompression bomb would break. Awkward but valid photos (one pixel, one row, flat) must
give a result or one clear error within seconds. All runs share one subprocess (``tests/fault_runner.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests import faults

REPO = Path(__file__).resolve().parent.parent
ADDRESS_SPACE = 6 << 30  # torch and friends reserve ~3 GB of address space; a decoded bomb needs far more
SECONDS_PER_RUN = 60.0  # a hang ends the runner; real runs here take well under a second


@dataclass(frozen=True)
class Good:
    """The valid files that fill the other roles of a command."""

    photo: Path
    background: Path
    mask: Path
    trimap: Path
    scribbles: Path
    photos: Path  # a folder with one photo, for batch


def _good_files(folder: Path) -> Good:
    folder.mkdir()
    photos = folder / "photos"
    photos.mkdir()
    rows, cols = np.mgrid[0:48, 0:64]
    inside = (rows - 24) ** 2 + (cols - 32) ** 2 <= 144
    photo = np.random.default_rng(0).integers(60, 120, (48, 64, 3), dtype=np.uint8)
    photo[inside] = (25, 20, 230)
    trimap = np.where(inside, 255, 0).astype(np.uint8)
    trimap[(np.abs(np.hypot(rows - 24, cols - 32) - 12) <= 2)] = 128
    scribbles = np.zeros((48, 64), np.uint8)
    scribbles[:3] = 255
    files = {
        "photo.png": photo,
        "background.png": np.full((60, 80, 3), (40, 200, 230), np.uint8),
        "mask.png": inside.astype(np.uint8) * 255,
        "trimap.png": trimap,
        "scribbles.png": scribbles,
        "photos/one.png": photo,
    }
    for name, image in files.items():
        assert cv2.imwrite(str(folder / name), image)
    return Good(*(folder / name for name in files if name != "photos/one.png"), photos)  # type: ignore[arg-type]


Role = Callable[[Good, Path, Path], list[object]]


def _composite(
    good: Good, out: Path, *extra: object, foreground: object = None, background: object = None
) -> list[object]:
    return ["composite", foreground or good.photo, background or good.background, *extra, "-o", out / "c.png"]


ROLES: dict[str, Role] = {
    "segment-image": lambda g, bad, out: ["segment", bad, "-o", out / "mask.png"],
    "segment-scribbles": lambda g, bad, out: [
        "segment", g.photo, "-o", out / "mask.png", "--method", "quickselect",
        "--foreground-scribbles", bad, "--background-scribbles", g.scribbles,
    ],
    "matte-image": lambda g, bad, out: ["matte", bad, "--trimap", g.trimap, "-o", out / "alpha.png"],
    "matte-trimap": lambda g, bad, out: ["matte", g.photo, "--trimap", bad, "-o", out / "alpha.png"],
    "composite-foreground": lambda g, bad, out: _composite(g, out, foreground=bad),
    "composite-background": lambda g, bad, out: _composite(g, out, background=bad),
    "composite-mask": lambda g, bad, out: _composite(g, out, "--mask", bad),
    "composite-trimap": lambda g, bad, out: _composite(g, out, "--trimap", bad),
    "composite-alpha": lambda g, bad, out: _composite(g, out, "--alpha", bad),
    "cutout-image": lambda g, bad, out: ["cutout", bad, "-o", out / "cutout.png"],
    "batch-background": lambda g, bad, out: ["batch", g.photos, bad, "-o", out / "batch"],
}  # fmt: skip


def _relative(path: Path) -> Path:
    """``path`` relative to the working folder, through its own folder's parent."""
    return Path(os.path.relpath(path.parent / ".." / path.parent.name / path.name))


# fmt: off
OTHER_CASES: dict[str, Callable[[Good, Path], list[object]]] = {
    # Outputs that are inputs under another name (the links are made in ``_plan``).
    "overwrite-segment-symlink": lambda g, out: ["segment", g.photo, "-o", g.photo.parent / "photo-link.png"],
    "overwrite-matte-hardlink": lambda g, out: [
        "matte", g.photo, "--trimap", g.trimap, "-o", g.photo.parent / "trimap-hard.png",
    ],
    "overwrite-cutout-relative": lambda g, out: ["cutout", g.photo, "-o", _relative(g.photo)],
    "overwrite-composite-background": lambda g, out: ["composite", g.photo, g.background, "-o", g.background],
    "batch-output-inside-photos": lambda g, out: ["batch", g.photos, g.background, "-o", g.photos / "out"],
    # Values out of range.
    "scale-1e308": lambda g, out: _composite(g, out, "--mask", g.mask, "--scale", "1e308"),
    "x-1e300": lambda g, out: _composite(g, out, "--mask", g.mask, "--x", "1e300"),
    "rotate-nan": lambda g, out: _composite(g, out, "--mask", g.mask, "--rotate", "nan"),
    "quality-0": lambda g, out: _composite(g, out, "--mask", g.mask, "--quality", "0"),
    "max-megapixels-negative": lambda g, out: [
        "cutout", g.photo, "--max-megapixels", "-1", "-o", out / "c.png",
    ],
    "max-megapixels-small": lambda g, out: [
        "cutout", g.photo, "--max-megapixels", "1e-3", "-o", out / "c.png",
    ],
    "rect-outside": lambda g, out: [
        "segment", g.photo, "--method", "grabcut", "--rect", "900,900,10,10", "-o", out / "m.png",
    ],
}
# fmt: on

DEGENERATE_COMMANDS: dict[str, Callable[[Good, Path, Path], list[object]]] = {
    "segment": lambda g, photo, out: ["segment", photo, "-o", out / "mask.png"],
    "segment-grabcut": lambda g, photo, out: [
        "segment", photo, "--method", "grabcut", "--rect", "0,0,100000,100000", "-o", out / "mask.png",
    ],
    "segment-saliency": lambda g, photo, out: [
        "segment", photo, "--method", "saliency", "-o", out / "mask.png",
    ],
    "cutout": lambda g, photo, out: ["cutout", photo, "-o", out / "cutout.png"],
    "cutout-saliency": lambda g, photo, out: [
        "cutout", photo, "--segmentation", "saliency", "-o", out / "cutout.png",
    ],
    "composite": lambda g, photo, out: ["composite", photo, g.background, "-o", out / "c.png"],
}  # fmt: skip


def _plan(root: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    good = _good_files(root / "good")
    corpus_folder = root / "corpus"
    corpus_folder.mkdir()
    corpus = faults.make_corpus(corpus_folder)
    (good.photo.parent / "photo-link.png").symlink_to(good.photo)
    os.link(good.trimap, good.photo.parent / "trimap-hard.png")
    out = root / "out"
    out.mkdir()
    inputs = [str(p) for p in (*corpus.values(), *good.photo.parent.rglob("*"))]
    cases, kinds = [], {}
    for role, command in ROLES.items():
        for fault, path in corpus.items():
            cases.append({"id": f"{role}/{fault}", "argv": command(good, path, out)})
            kinds[f"{role}/{fault}"] = "fault"
    for name, command in OTHER_CASES.items():
        cases.append({"id": f"{name.split('-')[0]}/{name}", "argv": command(good, out)})
        kinds[cases[-1]["id"]] = "fault"
    degenerate_folder = root / "degenerate"
    degenerate_folder.mkdir()
    for name, make in faults.DEGENERATE.items():
        photo = degenerate_folder / f"{name}.png"
        assert cv2.imwrite(str(photo), make())
        inputs.append(str(photo))
        for command_name, command in DEGENERATE_COMMANDS.items():
            cases.append({"id": f"{command_name}/degenerate-{name}", "argv": command(good, photo, out)})
            kinds[cases[-1]["id"]] = "degenerate"
    for case in cases:
        case["argv"] = [str(a) for a in case["argv"]]
        case["inputs"] = inputs
        case["out"] = str(out)
    return cases, kinds


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, str]]:
    root = tmp_path_factory.mktemp("faults")
    cases, kinds = _plan(root)
    plan = root / "plan.json"
    results = root / "results.json"
    plan.write_text(json.dumps({"limit_bytes": ADDRESS_SPACE, "seconds": SECONDS_PER_RUN, "cases": cases}))
    # The shipped networks, as a user gets them (the tests' fixtures hide them only inside each test).
    models = tmp_path_factory.mktemp("models")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "OMP_NUM_THREADS": "1",
        "COMPOSITOR_MODELS": str(models),
    }
    for name in ("COMPOSITOR_DEBUG", "COMPOSITOR_WEIGHTS", "COMPOSITOR_DEVICE"):
        env.pop(name, None)
    process = subprocess.run(
        [sys.executable, "-m", "tests.fault_runner", str(plan), str(results)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    found = json.loads(results.read_text()) if results.exists() else {}
    missing = [case["id"] for case in cases if case["id"] not in found]
    assert process.returncode == 0 and not missing, (
        f"the runner stopped at {missing[:1]} (a hang or a crash): {process.stderr[-3000:]}"
    )
    return found, kinds


def _case_ids() -> list[str]:
    ids = [f"{role}/{fault}" for role in ROLES for fault in (*faults.FAULTS, "device")]
    ids += [f"{name.split('-')[0]}/{name}" for name in OTHER_CASES]
    return ids


def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("case", _case_ids())
def test_a_fault_ends_in_one_clear_error_and_changes_nothing(
    case: str, corpus_results: tuple[dict[str, Any], dict[str, str]]
) -> None:
    results, _ = corpus_results
    if case.endswith("/device") and case not in results:
        pytest.skip("no /dev/zero on this system")
    result = results[case]
    lines = _lines(result["stderr"])
    assert "Traceback" not in result["stderr"], result["stderr"]
    assert result["status"] == 2, result["stderr"]
    assert len(lines) == 1 and lines[0].startswith("error: "), result["stderr"]
    assert "unexpected failure" not in lines[0]
    assert result["changed"] == [] and result["new"] == []
    assert result["seconds"] < 20.0


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [f"{command}/degenerate-{name}" for name in faults.DEGENERATE for command in DEGENERATE_COMMANDS]
)
def test_an_awkward_photo_gives_a_result_or_one_clear_error_in_seconds(
    case: str, corpus_results: tuple[dict[str, Any], dict[str, str]]
) -> None:
    result = corpus_results[0][case]
    lines = _lines(result["stderr"])
    assert "Traceback" not in result["stderr"] and "unexpected failure" not in result["stderr"], lines
    assert result["changed"] == []
    if result["status"] == 0:
        assert len(result["new"]) == 1, result  # the result, and no temporary file
    else:
        assert result["status"] == 2 and result["new"] == [], lines
        assert [line for line in lines if line.startswith("error: ")] == lines[-1:], lines
    assert result["seconds"] < 30.0
