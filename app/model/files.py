"""Pure helpers for choosing photo files: dialog filters, dropped files and export names."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from classic.imageio import READ_EXTENSIONS, WRITE_EXTENSIONS

DEFAULT_EXPORT_EXTENSION = ".png"


def _dialog_filter(extensions: Iterable[str]) -> str:
    patterns = " ".join(f"*{extension}" for extension in extensions)
    return f"Images ({patterns});;All files (*)"


OPEN_FILTER = _dialog_filter(READ_EXTENSIONS)
EXPORT_FILTER = _dialog_filter(WRITE_EXTENSIONS)


def is_image_path(path: str) -> bool:
    """True for a path whose extension is one the image reader understands (case-insensitive)."""
    return Path(path).suffix.lower() in READ_EXTENSIONS


def assign_dropped(paths: Iterable[str], *, has_foreground: bool) -> dict[str, str]:
    """Decide which dropped images become the foreground and which the background.

    Of two or more files, the first is the foreground and the second the background (the rest are
    ignored). A single file is the foreground, unless the document already has one: then it is the
    background. Non-image files are skipped first.
    """
    images = [path for path in paths if is_image_path(path)]
    if len(images) >= 2:
        return {"foreground": images[0], "background": images[1]}
    if len(images) == 1:
        return {"background" if has_foreground else "foreground": images[0]}
    return {}


def with_export_extension(path: str) -> str:
    """Add ``.png`` to a chosen export path that has no extension the writer knows."""
    if Path(path).suffix.lower() in WRITE_EXTENSIONS:
        return path
    return path + DEFAULT_EXPORT_EXTENSION


def suggested_export_path(foreground: str | None, background: str | None) -> str:
    """``<foreground>_on_<background>.png`` beside the foreground photo (or a plain name without one)."""
    if foreground is None:
        return "composite" + DEFAULT_EXPORT_EXTENSION
    front = Path(foreground)
    name = front.stem if background is None else f"{front.stem}_on_{Path(background).stem}"
    return str(front.with_name(name + DEFAULT_EXPORT_EXTENSION))
