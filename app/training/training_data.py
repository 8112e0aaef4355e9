"""``python main.py build-training-set``: prepare a training-data folder from material had offline.

Writes the layout ``engine.training.sources`` reads: ``OUT/foregrounds/*.png`` (RGBA cut-outs, long side
≤ 1000 px, the size training decodes at), ``OUT/backgrounds/*.jpg`` (long side ≤ 1600 px), and
``OUT/licences/`` with the packages' copyright files and a PROVENANCE.md. Sources: the shared data's
foregrounds/ and backgrounds/ (``--shared``; its development sets are never copied: ``--duts`` reads
their photos only to leave near-duplicates out), its real photos with hand masks and its unlabelled
photos labelled by a teacher network (``--real``, ``--teacher``; see ``app.training.training_real``), its
real photos of people as matting foregrounds with a portrait-matting teacher's soft alpha near the hand
mask's edge (``--teacher-alpha``) and its solid real objects with closed-form alpha from the hand mask's
trimap (``--easy-alpha``; both ``app.training.teacher_alpha``), the rest of DUTS-TR from a copy of it
(``--duts``; ``app.training.training_duts``), clip-art from openclipart-png (``--clipart N``) and desktop
wallpapers (``--wallpapers``), fetched with apt-get download.
Every cut-out passes ``foreground_problem``; every background ``background_problem`` and a duplicate
check. Existing files in OUT are kept, so a second run adds to a folder. Nothing here may be committed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from app.training import training_packages as packages
from app.training.teacher_alpha import add_easy_alpha, add_teacher_alpha
from app.training.training_duts import add_duts, dev_thumbnails
from app.training.training_real import copy_real_sets, label_unlabelled
from classic.checks import InvalidInputError
from classic.imageio import READ_EXTENSIONS, read_image, write_image
from classic.progress import (
    CancelCallback,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
    wrap_progress,
)
from classic.resize import resize_to
from engine.teacher import MATTING_TEACHERS, TEACHERS, load_matting_teacher, load_teacher
from engine.training.sources import MAX_SIDE, check_not_dev_set, fit_rgba

BACKGROUND_MAX_SIDE = 1600
JPEG_QUALITY = 92


@dataclass(frozen=True)
class BuildOptions:
    """What ``build_training_set`` gathers into ``out``."""

    out: Path
    shared: Path | None = None
    clipart: int = 0
    wallpapers: bool = False
    seed: int = 0
    real: bool = False
    teacher: str | None = None
    teacher_alpha: str | None = None
    easy_alpha: bool = False
    duts: Path | None = None


class BuildSummary(NamedTuple):
    """How many foregrounds and backgrounds ``out`` holds afterwards, and its size in bytes."""

    foregrounds: int
    backgrounds: int
    size_bytes: int


@dataclass
class _Folder:
    """The output folder, with the thumbnails of its backgrounds for the duplicate check."""

    root: Path
    thumbnails: list[np.ndarray] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)

    @property
    def foregrounds(self) -> Path:
        return self.root / "foregrounds"

    @property
    def backgrounds(self) -> Path:
        return self.root / "backgrounds"

    @property
    def licences(self) -> Path:
        return self.root / "licences"


def build_training_set(
    options: BuildOptions,
    *,
    progress: ProgressCallback = no_progress,
    is_cancelled: CancelCallback = never_cancelled,
) -> BuildSummary:
    """Gather foregrounds and backgrounds into ``options.out`` (layout in the module docstring)."""
    check_not_dev_set(options.out)
    if options.shared is not None:
        check_not_dev_set(options.shared)
        if not options.shared.is_dir():
            raise InvalidInputError(f"{options.shared}: no such shared data folder")
    if options.clipart < 0:
        raise InvalidInputError(f"--clipart must be ≥ 0, got {options.clipart}")
    reads_shared = (
        options.real or options.teacher or options.teacher_alpha or options.easy_alpha or options.duts
    )
    if reads_shared and options.shared is None:
        raise InvalidInputError(
            "--real, --teacher, --teacher-alpha, --easy-alpha and --duts read the shared data folder "
            "(--duts its development photos, to leave their near-duplicates out): give --shared"
        )
    if options.duts is not None:
        check_not_dev_set(options.duts)
    if options.clipart or options.wallpapers:
        packages.require_tools()
    teacher = load_teacher(options.teacher, install=True) if options.teacher else None
    alpha_teacher = (
        load_matting_teacher(options.teacher_alpha, install=True) if options.teacher_alpha else None
    )
    folder = _Folder(options.out)
    for path in (folder.foregrounds, folder.backgrounds, folder.licences):
        path.mkdir(parents=True, exist_ok=True)
    folder.thumbnails = [packages.thumbnail(read_image(p).rgb) for p in _images(folder.backgrounds)]
    if options.shared is not None:
        _copy_shared(folder, options.shared, wrap_progress(progress, 0.0, 0.1), is_cancelled)
    if options.real:
        assert options.shared is not None
        folder.provenance += copy_real_sets(
            options.shared,
            folder.root / "pairs",
            progress=wrap_progress(progress, 0.1, 0.15),
            is_cancelled=is_cancelled,
        )
    if teacher is not None:
        assert options.shared is not None
        folder.provenance += label_unlabelled(
            options.shared,
            folder.root / "pairs",
            teacher,
            progress=wrap_progress(progress, 0.15, 0.3),
            is_cancelled=is_cancelled,
        )
    if alpha_teacher is not None:
        assert options.shared is not None
        folder.provenance += add_teacher_alpha(
            options.shared,
            folder.foregrounds,
            alpha_teacher,
            reference=teacher,
            progress=wrap_progress(progress, 0.3, 0.4),
            is_cancelled=is_cancelled,
        )
    if options.easy_alpha:
        assert options.shared is not None
        folder.provenance += add_easy_alpha(
            options.shared,
            folder.foregrounds,
            progress=wrap_progress(progress, 0.4, 0.5),
            is_cancelled=is_cancelled,
        )
    if options.duts is not None:
        assert options.shared is not None
        folder.provenance += add_duts(
            options.duts,
            folder.root / "pairs",
            held_out=dev_thumbnails(options.shared),
            progress=wrap_progress(progress, 0.5, 0.6),
            is_cancelled=is_cancelled,
        )
    if options.clipart:
        _add_clipart(folder, options, wrap_progress(progress, 0.1, 0.7), is_cancelled)
    if options.wallpapers:
        _add_wallpapers(folder, wrap_progress(progress, 0.7, 1.0), is_cancelled)
    _write_provenance(folder)
    progress(1.0, "done")
    size = sum(p.stat().st_size for p in options.out.rglob("*") if p.is_file())
    return BuildSummary(len(_images(folder.foregrounds)), len(_images(folder.backgrounds)), size)


def _copy_shared(
    folder: _Folder, shared: Path, progress: ProgressCallback, is_cancelled: CancelCallback
) -> None:
    # Only these two folders are read: matting-dev and segmentation-dev beside them are evaluation sets.
    foregrounds, backgrounds = _images(shared / "foregrounds"), _images(shared / "backgrounds")
    total = max(1, len(foregrounds) + len(backgrounds))
    kept = kept_backgrounds = 0
    for done, path in enumerate(foregrounds):
        raise_if_cancelled(is_cancelled)
        kept += _add_foreground(folder, path.stem, path)
        progress(done / total, f"shared foregrounds: {kept} kept of {done + 1}")
    for done, path in enumerate(backgrounds, start=len(foregrounds)):
        raise_if_cancelled(is_cancelled)
        kept_backgrounds += _add_background(folder, path.stem, path)
        progress(
            done / total, f"shared backgrounds: {kept_backgrounds} kept of {done + 1 - len(foregrounds)}"
        )
    licences = [*sorted((shared / "backgrounds").glob("*.txt")), shared / "foregrounds" / "PROVENANCE.md"]
    for licence in licences:
        if licence.is_file():
            shutil.copyfile(licence, folder.licences / f"shared-{licence.name}")
    folder.provenance.append(
        f"- {shared}: {kept} of {len(foregrounds)} foregrounds and {kept_backgrounds} of {len(backgrounds)} "
        "backgrounds kept (licences: shared-*)"
    )


def _add_clipart(
    folder: _Folder, options: BuildOptions, progress: ProgressCallback, is_cancelled: CancelCallback
) -> None:
    with tempfile.TemporaryDirectory(prefix="compositor-clipart-") as work:
        progress(0.0, f"downloading {packages.CLIPART_PACKAGE}")
        root = packages.fetch_package(packages.CLIPART_PACKAGE, Path(work))
        kept = scanned = 0
        for name, path in packages.clipart_candidates(root, seed=options.seed):
            if kept >= options.clipart:
                break
            raise_if_cancelled(is_cancelled)
            scanned += 1
            kept += _add_foreground(folder, name, path)
            progress(kept / options.clipart, f"clip-art: {kept}/{options.clipart} kept of {scanned} read")
        _copy_licence(folder, root, packages.CLIPART_PACKAGE)
    folder.provenance.append(
        f"- {packages.CLIPART_PACKAGE} (Debian): {kept} of {scanned} clip-art PNGs read were kept "
        f"(seed {options.seed}; categories {', '.join(packages.CLIPART_SKIPPED)} skipped)"
    )
    if kept < options.clipart:
        print(f"warning: only {kept} usable clip-art images found, {options.clipart} asked", file=sys.stderr)


def _add_wallpapers(folder: _Folder, progress: ProgressCallback, is_cancelled: CancelCallback) -> None:
    names = packages.WALLPAPER_PACKAGES
    for index, package in enumerate(names):
        step = wrap_progress(progress, index / len(names), (index + 1) / len(names))
        with tempfile.TemporaryDirectory(prefix="compositor-wallpapers-") as work:
            step(0.0, f"downloading {package}")
            try:
                root = packages.fetch_package(package, Path(work))
            except InvalidInputError as error:  # one missing package does not stop the others
                print(f"warning: skipped {package}: {error}", file=sys.stderr)
                continue
            candidates = list(packages.wallpaper_candidates(root))
            kept = 0
            for done, (name, path) in enumerate(candidates):
                raise_if_cancelled(is_cancelled)
                kept += _add_background(folder, f"{package}__{name}", path)
                step((done + 1) / len(candidates), f"{package}: {kept} kept of {done + 1}")
            _copy_licence(folder, root, package)
        folder.provenance.append(f"- {package} (Debian): {kept} of {len(candidates)} wallpapers kept")


def _add_foreground(folder: _Folder, name: str, path: Path) -> int:
    """1 when ``path`` is (or already was) written as a usable cut-out ``name``, else 0."""
    target = folder.foregrounds / f"{name}.png"
    if target.exists() or not packages.decodable(path):
        return 0
    try:
        loaded = read_image(path)
    except InvalidInputError:
        return 0
    if loaded.alpha is None or packages.foreground_problem(loaded.alpha) is not None:
        return 0
    rgb, alpha = fit_rgba(loaded.rgb, loaded.alpha, MAX_SIDE)
    write_image(target, np.concatenate([rgb, alpha[:, :, None]], axis=2))
    return 1


def _add_background(folder: _Folder, name: str, path: Path) -> int:
    """1 when ``path`` is written as a new background ``name`` (not flat, not a duplicate), else 0."""
    target = folder.backgrounds / f"{name}.jpg"
    if target.exists() or not packages.decodable(path):
        return 0
    try:
        loaded = read_image(path)
    except InvalidInputError:
        return 0
    rgb = loaded.rgb
    if packages.background_problem(rgb, loaded.alpha) is not None:
        return 0
    small = packages.thumbnail(rgb)
    if packages.is_duplicate(small, folder.thumbnails):
        return 0
    folder.thumbnails.append(small)
    write_image(target, _fit(rgb, BACKGROUND_MAX_SIDE), quality=JPEG_QUALITY)
    return 1


def _fit(rgb: np.ndarray, max_side: int) -> np.ndarray:
    scale = max_side / max(rgb.shape[:2])
    if scale >= 1.0:
        return rgb
    return resize_to(rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)))


def _copy_licence(folder: _Folder, root: Path, package: str) -> None:
    licence = packages.licence_file(root, package)
    if licence is not None:
        shutil.copyfile(licence, folder.licences / f"{package}-copyright.txt")


def _write_provenance(folder: _Folder) -> None:
    lines = [
        "# Training data built by `python main.py build-training-set`",
        "",
        "Third-party material for training only: do not commit it or ship it. Licences are beside this file.",
        "",
        *folder.provenance,
    ]
    (folder.licences / "PROVENANCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in READ_EXTENSIONS and p.is_file())


def add_build_training_set(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "build-training-set",
        help="gather foregrounds and backgrounds for training into a folder",
        description="Prepare a training-data folder (foregrounds/, backgrounds/, licences/) from the shared "
        "data and Debian packages fetched with apt-get download. Never copies the development sets: "
        "--duts reads their photos only to leave near-duplicates of them out.",
    )
    parser.add_argument(
        "--out", required=True, help="the training-data folder (created; existing files kept)"
    )
    parser.add_argument("--shared", help="a shared data folder whose foregrounds/ and backgrounds/ to copy")
    parser.add_argument("--clipart", type=int, default=0, metavar="N", help="add N clip-art cut-outs")
    parser.add_argument("--wallpapers", action="store_true", help="add desktop wallpapers as backgrounds")
    parser.add_argument("--seed", type=int, default=0, help="seed of the clip-art sample")
    parser.add_argument(
        "--real", action="store_true", help="add the shared real/ photos with hand masks as pairs/SET/"
    )
    parser.add_argument(
        "--teacher",
        choices=TEACHERS,
        help="label the shared unlabelled/ photos with this teacher's soft masks (installs its weights)",
    )
    parser.add_argument(
        "--teacher-alpha",
        choices=MATTING_TEACHERS,
        help="add the shared real/ photos of people as matting foregrounds, their alpha from this "
        "portrait-matting teacher near the hand mask's edge (installs its weights); with --teacher also "
        "the unlabelled/ people, that teacher's mask standing in for the hand mask",
    )
    parser.add_argument(
        "--easy-alpha",
        action="store_true",
        help="add the solid subjects of the shared real/ object sets as matting foregrounds, their alpha "
        "from closed-form matting in a narrow trimap around the hand mask's edge",
    )
    parser.add_argument(
        "--duts",
        metavar="FOLDER",
        help="add the DUTS-TR photos with hand masks that the shared subset lacks, from a copy of DUTS-TR "
        "(DUTS-TR-Image/ and DUTS-TR-Mask/, or DUTS-TR/ holding them) as pairs/duts-tr-full/",
    )
    parser.set_defaults(run=run_build_training_set)


def run_build_training_set(args: argparse.Namespace) -> int:
    options = BuildOptions(
        out=Path(args.out),
        shared=Path(args.shared) if args.shared else None,
        clipart=args.clipart,
        wallpapers=args.wallpapers,
        seed=args.seed,
        real=args.real,
        teacher=args.teacher,
        teacher_alpha=args.teacher_alpha,
        easy_alpha=args.easy_alpha,
        duts=Path(args.duts) if args.duts else None,
    )
    summary = build_training_set(options, progress=_LinePrinter())
    megabytes = summary.size_bytes / 2**20
    counts = f"{summary.foregrounds} foregrounds, {summary.backgrounds} backgrounds"
    print(f"{options.out}: {counts}, {megabytes:.0f} MB")
    return 0


class _LinePrinter:
    """Progress as plain lines on stderr: one when a stage starts and one per 5 % (logs stay short)."""

    def __init__(self) -> None:
        self._stage = ""
        self._tenth = -1

    def __call__(self, fraction: float, message: str) -> None:
        stage = message.split(":")[0]
        tenth = int(fraction * 20)
        if stage != self._stage or tenth != self._tenth:
            self._stage, self._tenth = stage, tenth
            print(f"build-training-set: {fraction:4.0%} {message}", file=sys.stderr, flush=True)
