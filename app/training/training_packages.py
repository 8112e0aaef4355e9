"""Training material from Debian packages: download, unpack, and pick the usable images.

``apt-get download`` fetches a package's .deb into the current folder (no root needed) and ``dpkg-deb -x``
unpacks it, so clip-art (openclipart-png: 8,121 RGBA PNGs) and desktop wallpapers can be had on any Debian
machine with only the package mirrors. Nothing installs and nothing is committed.

The filters are pure functions on decoded arrays, so they are tested on synthetic images.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from classic.checks import InvalidInputError

CLIPART_PACKAGE = "openclipart-png"
CLIPART_ROOT = Path("usr/share/openclipart/png")
# Icons, logos, symbols and geometric shapes: flat graphics with little to teach about a subject's edge.
CLIPART_SKIPPED = ("buttons", "computer", "logos", "shapes", "signs_and_symbols")
WALLPAPER_PACKAGES = (
    "plasma-workspace-wallpapers",
    "mate-backgrounds",
    "gnome-backgrounds",
    "ukui-wallpapers",
)
WALLPAPER_FOLDERS = (Path("usr/share/wallpapers"), Path("usr/share/backgrounds"))
MIN_FOREGROUND_SIDE = 300
MIN_BACKGROUND_SIDE = 600
# Some clip-art renders at hundreds of megapixels: decoding one as float32 would take gigabytes.
MAX_DECODED_PIXELS = 40_000_000
_RASTER = (".png", ".jpg", ".jpeg", ".webp")


def require_tools() -> None:
    """Raise a one-line ``InvalidInputError`` unless apt-get and dpkg-deb are on the PATH."""
    missing = [tool for tool in ("apt-get", "dpkg-deb") if shutil.which(tool) is None]
    if missing:
        raise InvalidInputError(
            f"{' and '.join(missing)} not found: --clipart and --wallpapers need a Debian-based system "
            "(apt-get download, dpkg-deb -x); use --shared data only, or build the folder by hand"
        )


def fetch_package(name: str, workdir: Path) -> Path:
    """Download package ``name`` into ``workdir`` and unpack it there; returns the unpacked root."""
    require_tools()
    download = workdir / "debs"
    download.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", name], cwd=download, what=f"apt-get download {name}")
    debs = sorted(download.glob(f"{name}_*.deb"))
    if not debs:
        raise InvalidInputError(f"apt-get download {name} wrote no .deb file")
    root = workdir / name
    _run(["dpkg-deb", "-x", str(debs[-1]), str(root)], cwd=workdir, what=f"dpkg-deb -x {debs[-1].name}")
    debs[-1].unlink()  # the unpacked tree is all that is needed; the .deb can be 100+ MB
    return root


def clipart_candidates(root: Path, *, seed: int = 0) -> list[tuple[str, Path]]:
    """(name, path) of the clip-art PNGs under an unpacked openclipart-png, skipped categories left out.

    The name is the path below the category folders with "/" as "__" (``animals__birds__crow_01``), as
    in ../shared/data/foregrounds. The order is shuffled with ``seed``, so taking the first N is a
    reproducible random sample across categories.
    """
    base = root / CLIPART_ROOT
    paths = sorted(p for p in base.rglob("*.png") if p.relative_to(base).parts[0] not in CLIPART_SKIPPED)
    named = [("__".join(p.relative_to(base).with_suffix("").parts), p) for p in paths]
    order = np.random.default_rng(seed).permutation(len(named))
    return [named[i] for i in order]


def decodable(path: Path) -> bool:
    """Whether ``path`` is an image (by its header) of at most ``MAX_DECODED_PIXELS`` pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return False
    return width * height <= MAX_DECODED_PIXELS


def foreground_problem(alpha: np.ndarray | None) -> str | None:
    """Why a cut-out with this ``alpha`` (None: it has none) is unfit for training, or None when fine.

    Kept: an alpha channel; long side ≥ 300 px; the subject (α > 0.5) covers 5–90 % of the frame; ≥ 0.2 %
    of the pixels are fractional (real anti-aliasing, not a binary mask); at most 10 % of the border
    pixels are subject (the subject is not cut by the frame); and the subject fills at most 97 % of its
    bounding box (an opaque rectangle is a picture, not a cut-out).
    """
    if alpha is None:
        return "no alpha channel"
    if max(alpha.shape) < MIN_FOREGROUND_SIDE:
        return f"too small ({alpha.shape[1]}×{alpha.shape[0]})"
    subject = alpha > 0.5
    coverage = float(subject.mean())
    if not 0.05 <= coverage <= 0.9:
        return f"subject covers {coverage:.0%} of the frame"
    if float(((alpha > 0) & (alpha < 1)).mean()) < 0.002:
        return "binary alpha"
    border = np.concatenate([subject[0], subject[-1], subject[:, 0], subject[:, -1]])
    if float(border.mean()) > 0.1:
        return "subject touches the border"
    rows, cols = np.nonzero(subject)
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    if subject.sum() / box > 0.97:
        return "fills its bounding box"
    return None


def wallpaper_candidates(root: Path) -> Iterator[tuple[str, Path]]:
    """(name, path) of the raster wallpapers under an unpacked package, screenshots left out.

    A KDE wallpaper (``NAME/contents/images[_dark]/WxH.ext``) holds one picture at many sizes: only the
    largest file counts, named ``NAME`` (or ``NAME__dark``). Elsewhere every file counts, named by its
    path with "/" as "__".
    """
    for folder in WALLPAPER_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        sizes: dict[str, tuple[int, Path]] = {}
        for path in sorted(base.rglob("*")):
            if path.suffix.lower() not in _RASTER or not path.is_file() or path.stem == "screenshot":
                continue
            variant = path.parent.name
            if variant in ("images", "images_dark") and path.parent.parent.name == "contents":
                name = path.parents[2].name + ("__dark" if variant == "images_dark" else "")
            else:
                name = "__".join(path.relative_to(base).with_suffix("").parts)
            size = path.stat().st_size
            if name not in sizes or size > sizes[name][0]:
                sizes[name] = (size, path)
        yield from ((name, path) for name, (_, path) in sizes.items())


def background_problem(rgb: np.ndarray, alpha: np.ndarray | None = None) -> str | None:
    """Why a picture is unfit as a background (too small, partly transparent, or nearly one flat
    colour), or None."""
    if min(rgb.shape[:2]) < MIN_BACKGROUND_SIDE:
        return f"too small ({rgb.shape[1]}×{rgb.shape[0]})"
    if alpha is not None and float(alpha.min()) < 1.0:
        return "partly transparent"
    thumbnail = cv2.resize(rgb, (64, 64), interpolation=cv2.INTER_AREA)
    if float(thumbnail.std(axis=(0, 1)).max()) < 0.04:
        return "nearly flat"
    return None


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """A 16×16 grey thumbnail, to recognise the same picture at another size or format."""
    grey = cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA)


def is_duplicate(candidate: np.ndarray, seen: list[np.ndarray], *, tolerance: float = 0.03) -> bool:
    """Whether thumbnail ``candidate`` matches one of ``seen`` (mean absolute difference ≤ tolerance)."""
    return any(float(np.abs(candidate - other).mean()) <= tolerance for other in seen)


def licence_file(root: Path, package: str) -> Path | None:
    """The package's Debian copyright file in its unpacked tree, if it has one."""
    path = root / "usr/share/doc" / package / "copyright"
    return path if path.is_file() else None


def _run(command: list[str], *, cwd: Path, what: str) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as error:
        raise InvalidInputError(f"{what} failed: {error.strerror}") from None
    if result.returncode != 0:
        lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        reason = next((line for line in reversed(lines) if line.startswith("E:")), lines[-1] if lines else "")
        raise InvalidInputError(f"{what} failed (exit {result.returncode}): {reason.strip()}")
