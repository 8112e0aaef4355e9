"""``build-training-set --duts`` on a tiny fake DUTS-TR copy: what is kept, what is left out and why."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.training.training_data import BuildOptions, build_training_set
from classic.checks import InvalidInputError
from engine.training.sources import find_sources
from tests.app.training.test_training_data import photo, soft_disc


def write_pair(folder: Path, stem: str, image: np.ndarray, mask: np.ndarray) -> None:
    cv2.imwrite(str(folder / "DUTS-TR-Image" / f"{stem}.jpg"), image)
    cv2.imwrite(str(folder / "DUTS-TR-Mask" / f"{stem}.png"), mask)


@pytest.fixture
def duts(tmp_path: Path) -> Path:
    """A repository-style copy (``DUTS-TR/`` inside) with one pair of each kind."""
    root = tmp_path / "u2net"
    folder = root / "DUTS-TR"
    for name in ("DUTS-TR-Image", "DUTS-TR-Mask"):
        (folder / name).mkdir(parents=True)
    mask = np.where(soft_disc(60, 20)[:, :60] > 0.5, 255, 0).astype(np.uint8)
    mask = cv2.resize(mask, (80, 60), interpolation=cv2.INTER_NEAREST)
    write_pair(folder, "kept", photo(60, 80, 1), mask)
    write_pair(folder, "shared_one", photo(60, 80, 2), mask)  # the shared subset has it already
    write_pair(folder, "whole_frame", photo(60, 80, 3), np.full((60, 80), 255, np.uint8))
    write_pair(folder, "other_size", photo(60, 80, 4), cv2.resize(mask, (40, 30)))
    write_pair(folder, "dev_copy", cv2.resize(photo(120, 160, 5), (80, 60)), mask)  # a dev photo, smaller
    cv2.imwrite(str(folder / "DUTS-TR-Image" / "no_mask.jpg"), photo(60, 80, 6))
    return root


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    root = tmp_path / "shared"
    for folder in ("real/duts-tr/image", "real/duts-tr/mask", "segmentation-dev/image"):
        (root / folder).mkdir(parents=True)
    cv2.imwrite(str(root / "real/duts-tr/image/shared_one.jpg"), photo(60, 80, 2))
    cv2.imwrite(str(root / "real/duts-tr/mask/shared_one.png"), np.zeros((60, 80), np.uint8))
    cv2.imwrite(str(root / "segmentation-dev/image/dev.png"), photo(120, 160, 5))
    return root


def test_duts_adds_the_pairs_the_shared_subset_lacks_and_leaves_the_rest_out(
    duts: Path, shared: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build_training_set(BuildOptions(out=out, shared=shared, real=True, duts=duts))
    names = sorted(pair.name for pair in find_sources(out).pairs)
    assert names == ["duts-tr-full/kept", "duts-tr/shared_one"]
    provenance = (out / "licences" / "PROVENANCE.md").read_text()
    assert "1 DUTS-TR photos" in provenance
    for reason in ("1 in another set", "1 sizes differ", "1 subject size", "1 near a dev photo"):
        assert reason in provenance

    build_training_set(BuildOptions(out=out, shared=shared, duts=duts / "DUTS-TR"))  # the inner folder too
    assert len(list((out / "pairs" / "duts-tr-full" / "image").iterdir())) == 1


def test_duts_needs_a_duts_folder_and_the_shared_folder(duts: Path, shared: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="DUTS-TR-Image"):
        build_training_set(BuildOptions(out=tmp_path / "out", shared=shared, duts=tmp_path))
    with pytest.raises(InvalidInputError, match="give --shared"):
        build_training_set(BuildOptions(out=tmp_path / "out", duts=duts))
