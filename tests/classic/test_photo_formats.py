"""HEIC, AVIF and camera RAW (a DNG the test writes) open upright, at their size, within the image
limits, with their profile and EXIF; damaged ones give one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.color import deltaE_ciede2000

from classic.checks import InvalidInputError
from classic.image_source import ImageLimits
from classic.imageio import read_image
from tests.classic.dng import dng_bytes
from tests.classic.icc_profiles import DISPLAY_P3, SRGB, matrix_profile, to_lab

pillow_heif = pytest.importorskip("pillow_heif")
pytest.importorskip("rawpy")


def _marked(height: int = 64, width: int = 96) -> np.ndarray:
    """Grey with a white block at the top-left corner, to see where the top-left ends up."""
    image = np.full((height, width, 3), 90, np.uint8)
    image[:12, :12] = 255
    return image


def _exif(orientation: int = 1, **fields: object) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15"
    exif.get_ifd(0x8769)[0x829A] = 1 / 125  # ExposureTime
    exif.get_ifd(0x8825)[0x0002] = (52.0, 31.0, 0.0)  # GPSLatitude
    return exif


def _heic(path: Path, *, orientation: int = 1, icc: bytes | None = None) -> None:
    pillow_heif.register_heif_opener()
    options = {"icc_profile": icc} if icc else {}
    Image.fromarray(_marked()).save(
        path, format="HEIF", quality=95, exif=_exif(orientation).tobytes(), **options
    )


def test_a_heic_photo_opens_upright_with_its_exif(tmp_path: Path) -> None:
    _heic(tmp_path / "phone.heic", orientation=6)
    loaded = read_image(tmp_path / "phone.heic")
    assert loaded.rgb.shape == (96, 64, 3)  # turned a quarter clockwise
    corner = loaded.rgb[:12, -12:].mean()
    assert corner > 0.9 and loaded.rgb[-12:, :12].mean() < 0.5  # the white block is now top-right
    exif = Image.Exif()
    exif.load(loaded.metadata.exif)
    assert exif[0x010F] == "Apple"


def test_a_display_p3_heic_is_converted_to_srgb(tmp_path: Path) -> None:
    _heic(tmp_path / "p3.heic", icc=matrix_profile(DISPLAY_P3))
    loaded = read_image(tmp_path / "p3.heic")
    assert loaded.profile is not None and loaded.profile.name == DISPLAY_P3.name
    grey = loaded.rgb[40:50, 40:50].mean(axis=(0, 1))
    assert np.allclose(grey, grey.mean(), atol=0.01)  # a neutral stays neutral through the conversion


def test_a_truncated_heic_is_one_clear_error(tmp_path: Path) -> None:
    _heic(tmp_path / "whole.heic")
    data = (tmp_path / "whole.heic").read_bytes()
    (tmp_path / "cut.heic").write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInputError, match=r"cut\.heic: .*(HEIF|damaged)") as caught:
        read_image(tmp_path / "cut.heic")
    assert "\n" not in str(caught.value)


def test_a_heic_beyond_the_limits_is_refused_from_its_header(tmp_path: Path) -> None:
    _heic(tmp_path / "phone.heic")
    with pytest.raises(InvalidInputError, match="more than the limit"):
        read_image(tmp_path / "phone.heic", limits=ImageLimits(max_megapixels=0.001))


def test_an_avif_photo_opens_upright(tmp_path: Path) -> None:
    try:
        Image.fromarray(_marked()).save(tmp_path / "a.avif", quality=95, exif=_exif(3).tobytes())
    except (OSError, KeyError, ValueError) as error:
        pytest.skip(f"this Pillow writes no AVIF ({error})")
    loaded = read_image(tmp_path / "a.avif")
    assert loaded.rgb.shape == (64, 96, 3)
    assert loaded.rgb[-12:, -12:].mean() > 0.85  # turned half round: the white block is bottom-right


def _scene(height: int = 64, width: int = 96) -> np.ndarray:
    linear = np.full((height, width, 3), 0.05)
    linear[:16, :16] = (0.6, 0.05, 0.05)  # a red block at the top-left
    return linear


@pytest.mark.parametrize(
    ("orientation", "shape", "red_corner"),
    [(1, (64, 96), "top-left"), (6, (96, 64), "top-right"), (3, (64, 96), "bottom-right")],
)
def test_a_dng_opens_upright_with_camera_white_balance(
    tmp_path: Path, orientation: int, shape: tuple[int, int], red_corner: str
) -> None:
    (tmp_path / "shot.dng").write_bytes(
        dng_bytes(_scene(), orientation=orientation, make="Test", model="Mosaic")
    )
    loaded = read_image(tmp_path / "shot.dng")
    assert loaded.rgb.shape[:2] == shape and loaded.bit_depth == 16 and loaded.profile is None
    corners = {
        "top-left": loaded.rgb[2:10, 2:10],
        "top-right": loaded.rgb[2:10, -10:-2],
        "bottom-right": loaded.rgb[-10:-2, -10:-2],
    }
    red = corners[red_corner].mean(axis=(0, 1))
    assert red[0] > 2 * red[1] and red[0] > 2 * red[2]
    grey = loaded.rgb[shape[0] // 2, shape[1] // 2]
    assert np.ptp(grey) < 0.02  # a grey scene stays grey: the camera's white balance was applied
    exif = Image.Exif()
    exif.load(loaded.metadata.exif)
    assert (exif[0x010F], exif[0x0110]) == ("Test", "Mosaic")
    assert SRGB.name  # the output is sRGB: LibRaw was asked for it, so no profile is kept


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_bad_raw_file_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    data = dng_bytes(_scene())
    broken = data[: len(data) // 3] if damage == "truncated" else b"\x00not a raw file" * 100
    (tmp_path / "bad.nef").write_bytes(broken)
    with pytest.raises(InvalidInputError, match=r"bad\.nef: .*camera RAW") as caught:
        read_image(tmp_path / "bad.nef")
    assert "\n" not in str(caught.value)


def test_a_raw_beyond_the_limits_is_refused_before_demosaicing(tmp_path: Path) -> None:
    (tmp_path / "shot.dng").write_bytes(dng_bytes(_scene()))
    with pytest.raises(InvalidInputError, match="more than the limit"):
        read_image(tmp_path / "shot.dng", limits=ImageLimits(max_megapixels=0.001))


def test_a_heic_with_display_p3_code_points_and_no_profile_is_converted(tmp_path: Path) -> None:
    srgb = np.array([0.76, 0.57, 0.47])  # skin
    numbers = np.round(DISPLAY_P3.from_xyz(SRGB.to_xyz(srgb)) * 255).astype(np.uint8)
    heif = pillow_heif.from_bytes(mode="RGB", size=(48, 32), data=np.tile(numbers, (32, 48, 1)).tobytes())
    nclx = {"color_primaries": 12, "transfer_characteristics": 13, "matrix_coefficients": 6}
    heif.save(tmp_path / "android.heic", quality=100, nclx_profile={**nclx, "full_range_flag": 1})
    loaded = read_image(tmp_path / "android.heic")
    assert loaded.profile is not None and "Display P3" in loaded.profile.name
    measured = SRGB.to_xyz(loaded.rgb[8:24, 8:40].mean(axis=(0, 1)))
    assert deltaE_ciede2000(to_lab(SRGB.to_xyz(srgb)), to_lab(measured)) <= 1.0


def test_a_10_bit_heic_spans_the_whole_16_bit_range(tmp_path: Path) -> None:
    ramp = np.linspace(0, 65535, 64).round().astype(np.uint16)
    image = np.ascontiguousarray(np.broadcast_to(ramp[None, :, None], (16, 64, 3)))
    heif = pillow_heif.from_bytes(mode="RGB;16", size=(64, 16), data=image.tobytes())
    heif.save(tmp_path / "hdr.heic", quality=-1)  # lossless
    loaded = read_image(tmp_path / "hdr.heic")
    assert loaded.bit_depth == 16
    assert loaded.rgb[:, -1].min() == pytest.approx(1.0, abs=1e-6)  # white is 1, not 65472 / 65535
    assert loaded.rgb[:, 0].max() == pytest.approx(0.0, abs=1e-6)


def test_a_heic_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    """A small HEIC whose ``ispe`` box claims 30000 × 30000 pixels (900 MP) is refused before decoding."""
    _heic(tmp_path / "small.heic")
    data = bytearray((tmp_path / "small.heic").read_bytes())
    at = data.find(b"ispe")
    assert at > 0
    data[at + 8 : at + 16] = (30000).to_bytes(4, "big") * 2  # after the box's version and flags
    (tmp_path / "bomb.heic").write_bytes(bytes(data))
    with pytest.raises(InvalidInputError, match=r"bomb\.heic: .*(30000 x 30000|limit)"):
        read_image(tmp_path / "bomb.heic")


def test_a_raw_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    """A DNG whose directory claims 30000 × 30000 pixels is refused before LibRaw demosaics anything."""
    import tifffile

    (tmp_path / "small.dng").write_bytes(dng_bytes(_scene()))
    with tifffile.TiffFile(tmp_path / "small.dng") as tiff:
        width_offset = tiff.pages[0].tags["ImageWidth"].valueoffset
        length_offset = tiff.pages[0].tags["ImageLength"].valueoffset
        width_type = tiff.pages[0].tags["ImageWidth"].dtype
    data = bytearray((tmp_path / "small.dng").read_bytes())
    size = 2 if width_type == 3 else 4
    for offset in (width_offset, length_offset):
        data[offset : offset + size] = (30000).to_bytes(size, "little")
    (tmp_path / "bomb.dng").write_bytes(bytes(data))
    with pytest.raises(InvalidInputError, match=r"bomb\.dng: the image is 30000 x 30000 pixels .*limit"):
        read_image(tmp_path / "bomb.dng")
