"""``main.py evaluate uncertainty`` on a tiny synthetic set, and the brushing simulation's counts."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.cli import main
from app.evaluation import brushing
from app.evaluation.uncertainty import COMBINED, EDGE, GUIDES, RANDOM_GUIDES, held_out_photos
from classic.imageio import write_image
from tests.app.evaluation.test_evaluation import photo, soft_disc


def _set(root: Path) -> Path:
    """Two discs whose truth is larger than what the photo shows: the cut-out misses a ring."""
    for folder in ("image", "mask"):
        (root / folder).mkdir(parents=True)
    for index, name in enumerate(("one", "two")):
        shown = (soft_disc(14.0 + 2 * index, softness=0.5) >= 0.5).astype(np.float32)
        truth = np.where(soft_disc(18.0 + 2 * index, softness=0.5) >= 0.5, 255, 0).astype(np.uint8)
        write_image(root / "image" / f"{name}.png", photo(shown, index))
        assert cv2.imwrite(str(root / "mask" / f"{name}.png"), truth)
    return root


def test_evaluate_uncertainty_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _set(tmp_path / "set"), tmp_path / "report"
    assert main(["evaluate", "uncertainty", "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "capture in top 10 %" in printed and f"| {COMBINED} |" in printed
    summary = json.loads((out / "summary.json").read_text())
    group = summary["set"]
    assert group["photos"] == 2 and group["errors"] > 0
    assert set(group["mean_dabs"]) == {*GUIDES, *RANDOM_GUIDES}
    assert all(0.0 <= share <= 1.0 for share in group["capture"].values())
    assert group["capture"][EDGE] > 0.5  # the misses hug the edge
    per_image = json.loads((out / "per_image.json").read_text())
    assert set(per_image) == {"set/one", "set/two"}
    assert (out / "report.md").read_text().startswith("# Uncertainty map")


def test_guided_dabs_reach_the_target_before_random_ones() -> None:
    truth = np.zeros((60, 60), np.float32)
    truth[10:50, 10:50] = 1.0
    mask = truth.copy()
    mask[10:20, 10:20] = 0.0  # one missed corner
    doubt = np.zeros_like(truth)
    doubt[10:20, 10:20] = 1.0
    state = brushing.Brushing(mask, truth, 3)
    start = state.iou
    target = brushing.target_iou(start)
    assert target == pytest.approx(start + min(0.05, (1 - start) / 2))
    guided = brushing.guided(mask, truth, doubt, radius=5, target=target, max_dabs=50)
    rng = np.random.default_rng(0)
    box = brushing.subject_box(mask)
    random = brushing.unguided(mask, truth, box, radius=5, target=target, max_dabs=50, rng=rng)
    assert 1 <= guided <= 4 < random


def test_a_dab_sets_the_truth_and_keeps_the_counts() -> None:
    truth = np.zeros((20, 20), np.float32)
    truth[5:15, 5:15] = 1.0
    truth[0, :] = brushing.IGNORED
    state = brushing.Brushing(np.zeros_like(truth), truth, 2)
    assert state.iou == 0.0
    state.dab(10, 10)
    assert state.mask[8:13, 10].all() and not state.mask[0].any()
    assert (state.both, state.either) == brushing.iou_counts(state.mask, truth > 0.5, truth != 0.5)


def test_held_out_photos_follow_the_training_split(tmp_path: Path) -> None:
    for collection, names in (("people", [f"{i:03d}" for i in range(40)]), ("davis", ["a_1", "a_2", "b_1"])):
        for folder in ("image", "mask"):
            (tmp_path / collection / folder).mkdir(parents=True)
            for name in names:
                (tmp_path / collection / folder / f"{name}.png").write_bytes(b"")
    photos = held_out_photos(tmp_path)
    people = [p for p in photos if p.set_name == "held-out people"]
    davis = [p.name for p in photos if p.set_name == "held-out davis"]
    assert len(people) == 2  # 5 % of 40
    assert davis in (["a_1", "a_2"], ["b_1"])  # a sequence is held out whole
