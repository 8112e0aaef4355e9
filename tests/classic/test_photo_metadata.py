"""EXIF and XMP go from the photo read to the files exported: camera, lens, date and exposure kept,
orientation 1 (the pixels are upright), GPS dropped unless asked for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from classic.imageio import PhotoExport, read_image, write_image

_MAKE, _MODEL, _DATE, _ORIENTATION = 0x010F, 0x0110, 0x0132, 0x0112
_EXPOSURE, _LENS, _TAKEN = 0x829A, 0xA434, 0x9003
_GPS_LATITUDE = 0x0002
_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'tiff:Orientation="6"><dc:creator>Ada</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>'
)


def _camera_jpeg(path: Path, *, xmp: bytes = _XMP) -> None:
    exif = Image.Exif()
    exif[_MAKE], exif[_MODEL], exif[_DATE], exif[_ORIENTATION] = "Nikon", "Z 6", "2026:05:01 10:00:00", 6
    details = exif.get_ifd(0x8769)
    details[_EXPOSURE], details[_LENS], details[_TAKEN] = (
        1 / 250,
        "NIKKOR Z 50mm f/1.8 S",
        "2026:05:01 10:00:00",
    )
    exif.get_ifd(0x8825)[_GPS_LATITUDE] = (48.0, 51.0, 30.0)
    image = np.zeros((20, 30, 3), np.uint8)
    image[:4, :4] = 255
    Image.fromarray(image).save(path, quality=95, exif=exif.tobytes(), xmp=xmp)


def _exif_of(path: Path) -> Image.Exif:
    with Image.open(path) as image:
        image.load()
        return image.getexif()


@pytest.mark.parametrize("extension", [".jpg", ".png", ".webp"])
def test_exif_survives_export_with_orientation_1_and_no_gps(tmp_path: Path, extension: str) -> None:
    _camera_jpeg(tmp_path / "shot.jpg")
    loaded = read_image(tmp_path / "shot.jpg")
    assert loaded.rgb.shape[:2] == (30, 20)  # turned upright on load
    write_image(tmp_path / f"out{extension}", loaded.rgb, photo=PhotoExport(metadata=loaded.metadata))
    exif = _exif_of(tmp_path / f"out{extension}")
    assert (exif[_MAKE], exif[_MODEL], exif[_DATE], exif[_ORIENTATION]) == (
        "Nikon",
        "Z 6",
        "2026:05:01 10:00:00",
        1,
    )
    details = exif.get_ifd(0x8769)
    assert details[_LENS] == "NIKKOR Z 50mm f/1.8 S" and float(details[_EXPOSURE]) == pytest.approx(1 / 250)
    assert not exif.get_ifd(0x8825)
    again = read_image(tmp_path / f"out{extension}")
    assert again.rgb.shape[:2] == (30, 20)  # read back, it is not turned a second time


def test_gps_is_kept_when_asked(tmp_path: Path) -> None:
    _camera_jpeg(tmp_path / "shot.jpg")
    loaded = read_image(tmp_path / "shot.jpg")
    write_image(tmp_path / "out.jpg", loaded.rgb, photo=PhotoExport(metadata=loaded.metadata, keep_gps=True))
    assert _exif_of(tmp_path / "out.jpg").get_ifd(0x8825)[_GPS_LATITUDE] == (48.0, 51.0, 30.0)


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_a_tiff_keeps_the_camera_lens_date_and_exposure(tmp_path: Path, bit_depth: int) -> None:
    _camera_jpeg(tmp_path / "shot.jpg")
    loaded = read_image(tmp_path / "shot.jpg")
    target = tmp_path / "out.tif"
    write_image(target, loaded.rgb, bit_depth=bit_depth, photo=PhotoExport(metadata=loaded.metadata))
    exif = _exif_of(target)
    assert (exif[_MAKE], exif[_MODEL], exif[_DATE]) == ("Nikon", "Z 6", "2026:05:01 10:00:00")
    details = exif.get_ifd(0x8769)
    assert details[_LENS] == "NIKKOR Z 50mm f/1.8 S" and float(details[_EXPOSURE]) == pytest.approx(1 / 250)
    assert exif.get(_ORIENTATION, 1) == 1 and not exif.get_ifd(0x8825)
    again = read_image(target)  # the pixels and the profile are untouched by the added directories
    np.testing.assert_allclose(again.rgb, loaded.rgb, atol=0.5 / (2**bit_depth - 1) + 1e-6)
    import tifffile

    with tifffile.TiffFile(target) as tiff:  # an independent reader agrees
        assert tiff.pages[0].tags["ExifTag"].value["LensModel"] == "NIKKOR Z 50mm f/1.8 S"
    write_image(target, loaded.rgb, photo=PhotoExport(metadata=loaded.metadata, keep_gps=True))
    assert _exif_of(target).get_ifd(0x8825)[_GPS_LATITUDE] == (48.0, 51.0, 30.0)


@pytest.mark.parametrize("extension", [".jpg", ".png", ".webp", ".tif"])
def test_xmp_is_kept_with_orientation_1(tmp_path: Path, extension: str) -> None:
    _camera_jpeg(tmp_path / "shot.jpg")
    loaded = read_image(tmp_path / "shot.jpg")
    write_image(tmp_path / f"out{extension}", loaded.rgb, photo=PhotoExport(metadata=loaded.metadata))
    with Image.open(tmp_path / f"out{extension}") as written:
        written.load()
        xmp = written.info.get("xmp") or written.info.get("XML:com.adobe.xmp")
    xmp = xmp.encode() if isinstance(xmp, str) else xmp
    assert b"<dc:creator>Ada</dc:creator>" in xmp and b'tiff:Orientation="1"' in xmp


def test_an_xmp_packet_with_a_position_is_dropped_by_default(tmp_path: Path) -> None:
    _camera_jpeg(
        tmp_path / "shot.jpg",
        xmp=_XMP.replace(b"<dc:creator>", b"<exif:GPSLatitude>48,51N</exif:GPSLatitude><dc:creator>"),
    )
    loaded = read_image(tmp_path / "shot.jpg")
    write_image(tmp_path / "out.jpg", loaded.rgb, photo=PhotoExport(metadata=loaded.metadata))
    with Image.open(tmp_path / "out.jpg") as written:
        assert "xmp" not in written.info


def test_a_file_without_metadata_exports_without_exif(tmp_path: Path) -> None:
    write_image(tmp_path / "out.jpg", np.full((4, 4, 3), 0.5, np.float32))
    with Image.open(tmp_path / "out.jpg") as written:
        assert "exif" not in written.info and "icc_profile" in written.info


def _iim(dataset: int, text: bytes) -> bytes:
    return b"\x1c\x02" + bytes([dataset]) + len(text).to_bytes(2, "big") + text


def _with_iptc(jpeg: bytes, records: bytes) -> bytes:
    """A JPEG with an APP13 Photoshop segment holding ``records`` (written by hand, as editors do)."""
    padded = records + bytes(len(records) & 1)
    payload = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + len(records).to_bytes(4, "big") + padded
    segment = b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


@pytest.mark.parametrize("extension", [".jpg", ".tif"])
def test_iptc_caption_and_keywords_survive_export(tmp_path: Path, extension: str) -> None:
    from PIL import IptcImagePlugin

    _camera_jpeg(tmp_path / "plain.jpg")
    records = _iim(120, b"Lemur on a branch") + _iim(25, b"wildlife") + _iim(116, b"(c) Ada")
    (tmp_path / "shot.jpg").write_bytes(_with_iptc((tmp_path / "plain.jpg").read_bytes(), records))
    loaded = read_image(tmp_path / "shot.jpg")
    assert loaded.metadata.iptc == records
    write_image(tmp_path / f"out{extension}", loaded.rgb, photo=PhotoExport(metadata=loaded.metadata))
    with Image.open(tmp_path / f"out{extension}") as written:
        iptc = IptcImagePlugin.getiptcinfo(written)
    assert iptc is not None
    assert iptc[(2, 120)] == b"Lemur on a branch" and iptc[(2, 25)] == b"wildlife"
    assert iptc[(2, 116)] == b"(c) Ada"
