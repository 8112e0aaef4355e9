from __future__ import annotations

from app.model.files import (
    OPEN_FILTER,
    assign_dropped,
    is_image_path,
    suggested_export_path,
    with_export_extension,
)


def test_two_dropped_files_are_foreground_then_background() -> None:
    roles = assign_dropped(
        ["/a/subject.JPG", "/a/notes.txt", "/a/sky.png", "/a/extra.png"], has_foreground=False
    )
    assert roles == {"foreground": "/a/subject.JPG", "background": "/a/sky.png"}
    assert assign_dropped(["/a/one.png", "/a/two.png"], has_foreground=True)["foreground"] == "/a/one.png"


def test_a_single_file_fills_the_foreground_first() -> None:
    assert assign_dropped(["/a/x.tif"], has_foreground=False) == {"foreground": "/a/x.tif"}
    assert assign_dropped(["/a/x.tif"], has_foreground=True) == {"background": "/a/x.tif"}
    assert assign_dropped(["/a/readme.md"], has_foreground=False) == {}


def test_image_paths_and_filters() -> None:
    assert is_image_path("photo.jpeg") and is_image_path("scan.TIFF")
    assert not is_image_path("archive.zip") and not is_image_path("noextension")
    assert "*.png" in OPEN_FILTER and "*.webp" in OPEN_FILTER


def test_export_names() -> None:
    assert with_export_extension("/out/result") == "/out/result.png"
    assert with_export_extension("/out/result.JPG") == "/out/result.JPG"
    assert suggested_export_path("/p/cat.jpg", "/q/beach.tif") == "/p/cat_on_beach.png"
    assert suggested_export_path("/p/cat.jpg", None) == "/p/cat.png"
    assert suggested_export_path(None, None) == "composite.png"
