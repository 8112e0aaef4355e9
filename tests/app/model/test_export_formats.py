"""The export formats: from the extension or the dialog's filter, and what each can write."""

from __future__ import annotations

from app.model.export_formats import FORMAT_FILTER, CompositeExportChoices, filter_of, format_of, with_format


def test_the_format_follows_the_extension_then_the_filter() -> None:
    assert format_of("a/b.JPEG") == "jpg" and format_of("b.tiff") == "tif" and format_of("b.webp") == "webp"
    assert format_of("b", "WebP (*.webp)") == "webp"
    assert format_of("b.png", "JPEG (*.jpg *.jpeg)") == "png"  # The name the user typed wins.
    assert format_of("b", "", "tif") == "tif"
    assert filter_of("jpg") in FORMAT_FILTER.split(";;")


def test_the_path_takes_the_formats_extension() -> None:
    assert with_format("/x/out.png", "jpg") == "/x/out.jpg"
    assert with_format("/x/out.jpeg", "jpg") == "/x/out.jpeg"
    assert with_format("/x/out", "webp") == "/x/out.webp"
    assert with_format("/x/my.photo", "png") == "/x/my.photo.png"  # Not an image extension: kept.


def test_sixteen_bits_only_where_the_format_has_them() -> None:
    assert CompositeExportChoices("a.png", "png", "16").depth(8) == 16
    assert CompositeExportChoices("a.png", "png", "source").depth(16) == 16
    assert CompositeExportChoices("a.jpg", "jpg", "16").depth(16) == 8
    assert CompositeExportChoices("a.jpg", "tif", "8").target() == "a.tif"
