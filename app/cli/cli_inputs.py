"""The command line's input files: size limits, damaged files, and outputs that must not replace inputs.

Every subcommand that reads photos, masks or trimaps reads them through one ``Reader``, made from the
``--max-megapixels`` and ``--allow-damaged`` options, so each file passes the same checks before it is
decoded (``classic.image_source``). ``refuse_overwriting`` stops a run before any work when its output
is one of its inputs under another name (a relative path, a symbolic link or a hard link).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classic.atomic_file import remove_writes_in_progress
from classic.checks import InvalidInputError
from classic.image_source import DEFAULT_LIMITS, DEFAULT_MAX_MEGAPIXELS, ImageLimits
from classic.imageio import LoadedImage, as_matte, as_trimap, read_image

PathLike = str | os.PathLike[str]


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """``--max-megapixels`` and ``--allow-damaged``, for a subcommand that reads image files."""
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=DEFAULT_MAX_MEGAPIXELS,
        metavar="MP",
        help=f"refuse images larger than this, read from their header before decoding "
        f"(default {DEFAULT_MAX_MEGAPIXELS:g})",
    )
    parser.add_argument(
        "--allow-damaged",
        action="store_true",
        help="read files whose decoder reports corrupt data (with a warning) instead of refusing them",
    )


@dataclass(frozen=True)
class Reader:
    """Reads a command's input files with its limits; says on stderr when it reads a damaged file."""

    limits: ImageLimits = DEFAULT_LIMITS
    allow_damaged: bool = False

    def loaded(self, path: PathLike, *, manage_colour: bool = True) -> LoadedImage:
        """The photo at ``path`` (see ``classic.imageio.read_image``); ``manage_colour`` False reads the
        stored numbers, without the embedded colour profile (masks, alphas, trimaps)."""
        loaded = read_image(
            path, limits=self.limits, allow_damaged=self.allow_damaged, manage_colour=manage_colour
        )
        if loaded.damage:
            print(
                f"warning: {path}: the file is damaged ({loaded.damage}); the result may show grey or "
                "missing areas",
                file=sys.stderr,
            )
        return loaded

    def image(self, path: PathLike) -> np.ndarray:
        """The photo at ``path`` as float32 RGB (H, W, 3) in [0, 1]."""
        return self.loaded(path).rgb

    def matte(self, path: PathLike) -> np.ndarray:
        """A mask or alpha as float32 (H, W) in [0, 1], never colour-converted."""
        return as_matte(self.loaded(path, manage_colour=False))

    def trimap(self, path: PathLike) -> np.ndarray:
        """A trimap as float32 (H, W) of 0 / 0.5 / 1."""
        return as_trimap(self.matte(path), path)


def reader(args: argparse.Namespace) -> Reader:
    """The ``Reader`` for parsed options; a bad ``--max-megapixels`` is one clear error."""
    megapixels = getattr(args, "max_megapixels", DEFAULT_MAX_MEGAPIXELS)
    try:
        limits = ImageLimits(max_megapixels=megapixels)
    except InvalidInputError as error:
        raise InvalidInputError(f"--max-megapixels: {error}") from None
    return Reader(limits, bool(getattr(args, "allow_damaged", False)))


def stop_cleanly_on_signals() -> None:
    """On Ctrl+C or SIGTERM: remove the temporary file of a write in progress, say ``error: interrupted``
    and exit at once (130 or 143). Unwinding a KeyboardInterrupt through pymatting's parallel numba code
    can crash the process (a segmentation fault), so nothing is unwound."""

    def stop(number: int, _frame: object) -> None:
        remove_writes_in_progress()
        os.write(2, ("\n" if os.isatty(2) else "").encode() + b"error: interrupted\n")
        os._exit(128 + number)

    if threading.current_thread() is threading.main_thread():  # Signals can only be set there.
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, stop)


def same_file(a: PathLike, b: PathLike) -> bool:
    """True when ``a`` and ``b`` name one file: the same resolved path, or the same inode (hard links)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # One of them does not exist (yet): they cannot be the same file.
        return False


def refuse_overwriting(output: PathLike, inputs: Iterable[PathLike | None]) -> None:
    """Raise ``InvalidInputError`` when ``output`` is any of ``inputs`` (None entries are skipped)."""
    for given in inputs:
        if given is not None and same_file(output, given):
            raise InvalidInputError(
                f"{output}: this is the input {given}; the result would replace it, so choose another "
                "output file"
            )


def is_inside(path: PathLike, folder: PathLike) -> bool:
    """True when ``path`` is ``folder`` or lies anywhere below it (after resolving links)."""
    resolved, container = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return resolved == container or container in resolved.parents
