"""Colour management: wide-gamut photos come back within ΔE00 ≤ 1 after load and export, read by an
independent decoder (OpenCV's numbers through the tests' own numpy maths of the profile)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms
from skimage.color import deltaE_ciede2000

from classic.checks import InvalidInputError
from classic.colour_profile import read_profile, srgb_profile
from classic.imageio import PhotoExport, read_image, read_matte, write_image
from tests.classic.icc_profiles import ADOBE_RGB, DISPLAY_P3, SRGB, MatrixProfile, matrix_profile, to_lab

# Patches of known sRGB value, inside sRGB's gamut: skin, sky, foliage, a saturated red, greys. (Near black
# one 8-bit step is about one ΔE00 by itself, and so is rounding a mid grey that falls on a half step,
# 127.5: an 8-bit file cannot hold such a patch within the budget, whatever the colour management.)
PATCHES = np.array(
    [
        [
            [0.76, 0.57, 0.47],
            [0.36, 0.48, 0.70],
            [0.35, 0.42, 0.25],
            [0.85, 0.15, 0.12],
            [0.46, 0.46, 0.46],
            [0.2, 0.2, 0.2],
        ]
    ]
)
PROFILES = [pytest.param(ADOBE_RGB, id="adobe-rgb"), pytest.param(DISPLAY_P3, id="display-p3")]


def _photo() -> np.ndarray:
    """Each patch as a 16 × 16 block, so JPEG's and WebP's blocks and subsampled chroma stay inside one
    colour."""
    return np.kron(PATCHES, np.ones((16, 16, 1)))


def _centres(image: np.ndarray) -> np.ndarray:
    """The mean of each patch's 8 × 8 centre, as a colourimeter reads a patch: a lossy codec's noise
    and its subsampled chroma at the patch's edges are not colour errors."""
    if image.shape[1] != 16 * PATCHES.shape[1]:
        return image
    return np.stack(
        [image[4:12, 16 * i + 4 : 16 * i + 12].mean(axis=(0, 1)) for i in range(PATCHES.shape[1])]
    )


def _delta_e(srgb_expected: np.ndarray, xyz_measured: np.ndarray) -> float:
    return _delta_e_xyz(SRGB.to_xyz(srgb_expected), xyz_measured)


def _delta_e_xyz(xyz_expected: np.ndarray, xyz_measured: np.ndarray) -> float:
    lab = (to_lab(_centres(xyz_expected)), to_lab(_centres(xyz_measured)))
    return float(deltaE_ciede2000(*lab).max())


def _opencv_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    peak = 65535.0 if image.dtype == np.uint16 else 255.0
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2RGB).astype(np.float64) / peak


def _write_tagged_png(path: Path, profile: MatrixProfile, srgb: np.ndarray) -> np.ndarray:
    """Write ``srgb`` as an 8-bit PNG in ``profile``; returns the XYZ its stored numbers mean (the 8-bit
    rounding of the test's own file is not the program's error)."""
    numbers = np.round(profile.from_xyz(SRGB.to_xyz(srgb)) * 255).astype(np.uint8)
    Image.fromarray(numbers).save(path, icc_profile=matrix_profile(profile))
    return profile.to_xyz(numbers / 255.0)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_wide_gamut_photo_is_converted_to_srgb_on_load(tmp_path: Path, profile: MatrixProfile) -> None:
    photo = _photo()
    meant = _write_tagged_png(tmp_path / "wide.png", profile, photo)
    loaded = read_image(tmp_path / "wide.png")
    assert loaded.profile is not None and loaded.profile.name == profile.name
    assert _delta_e_xyz(meant, SRGB.to_xyz(loaded.rgb)) <= 1.0
    assert _delta_e(photo, SRGB.to_xyz(loaded.rgb)) <= 1.0
    # Shown with its raw numbers the photo would be far off: the conversion is not a no-op.
    raw = np.asarray(Image.open(tmp_path / "wide.png"), np.float64) / 255
    assert _delta_e(photo, SRGB.to_xyz(raw)) > 3.0


def test_a_16_bit_display_p3_tiff_keeps_its_precision(tmp_path: Path) -> None:
    ramp = np.linspace(0.2, 0.21, 200)[None, :, None] * np.ones((4, 1, 3))  # far finer than 8-bit steps
    encoded = DISPLAY_P3.from_xyz(SRGB.to_xyz(ramp))
    tifffile.imwrite(
        tmp_path / "p3.tif",
        np.round(encoded * 65535).astype(np.uint16),
        photometric="rgb",
        iccprofile=matrix_profile(DISPLAY_P3),
    )
    loaded = read_image(tmp_path / "p3.tif")
    assert loaded.bit_depth == 16 and loaded.profile is not None
    assert _delta_e(ramp, SRGB.to_xyz(loaded.rgb)) <= 1.0
    assert len(np.unique(loaded.rgb[0, :, 1])) > 20  # 8-bit steps would leave 3 or 4 levels
    assert np.all(np.diff(loaded.rgb[0, :, 1]) >= -1e-6)  # and the ramp stays monotonic


@pytest.mark.parametrize("extension", [".jpg", ".png", ".tif", ".webp"])
@pytest.mark.parametrize("profile", PROFILES)
def test_export_embeds_srgb_by_default(tmp_path: Path, profile: MatrixProfile, extension: str) -> None:
    photo = _photo()
    meant = _write_tagged_png(tmp_path / "wide.png", profile, photo)
    loaded = read_image(tmp_path / "wide.png")
    write_image(
        tmp_path / f"out{extension}", loaded.rgb, quality=100, photo=PhotoExport(chroma_subsampling="4:4:4")
    )
    with Image.open(tmp_path / f"out{extension}") as written:
        icc = written.info["icc_profile"]
    assert (
        ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip() == "sRGB built-in"
    )
    assert _delta_e_xyz(meant, SRGB.to_xyz(_opencv_rgb(tmp_path / f"out{extension}"))) <= 1.0


@pytest.mark.parametrize("extension", [".jpg", ".png", ".tif", ".webp"])
@pytest.mark.parametrize("profile", PROFILES)
def test_export_can_convert_back_to_the_source_profile(
    tmp_path: Path, profile: MatrixProfile, extension: str
) -> None:
    photo = _photo()
    meant = _write_tagged_png(tmp_path / "wide.png", profile, photo)
    loaded = read_image(tmp_path / "wide.png")
    target = tmp_path / f"out{extension}"
    write_image(
        target, loaded.rgb, quality=100, photo=PhotoExport(loaded.profile, chroma_subsampling="4:4:4")
    )
    with Image.open(target) as written:
        assert written.info["icc_profile"] == matrix_profile(profile)
    # The independent decoder: OpenCV's numbers through the profile's own matrix and curve.
    assert _delta_e_xyz(meant, profile.to_xyz(_opencv_rgb(target))) <= 1.0
    again = read_image(target)  # and the program reads its own export back to the same sRGB
    assert _delta_e_xyz(meant, SRGB.to_xyz(again.rgb)) <= 1.0


def test_a_16_bit_export_in_the_source_profile_stays_smooth(tmp_path: Path) -> None:
    ramp = np.linspace(0.3, 0.31, 300)[None, :, None] * np.ones((2, 1, 3))
    write_image(
        tmp_path / "p3.png",
        ramp,
        bit_depth=16,
        photo=PhotoExport(read_profile(matrix_profile(DISPLAY_P3), "t")),
    )
    numbers = _opencv_rgb(tmp_path / "p3.png")
    assert _delta_e(ramp, DISPLAY_P3.to_xyz(numbers)) <= 1.0
    assert len(np.unique(numbers[0, :, 1])) > 30


@pytest.mark.parametrize("extension", [".png", ".jpg"])
def test_a_profile_that_littlecms_rejects_is_refused(tmp_path: Path, extension: str) -> None:
    broken = matrix_profile(ADOBE_RGB)[:200]  # the tag table points past the end
    Image.fromarray(np.full((8, 8, 3), 128, np.uint8)).save(tmp_path / f"bad{extension}", icc_profile=broken)
    with pytest.raises(InvalidInputError, match="colour profile") as caught:
        read_image(tmp_path / f"bad{extension}")
    assert "\n" not in str(caught.value)


def test_untagged_and_srgb_tagged_photos_are_not_converted(tmp_path: Path) -> None:
    numbers = np.random.default_rng(0).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    Image.fromarray(numbers).save(tmp_path / "plain.png")
    Image.fromarray(numbers).save(tmp_path / "srgb.png", icc_profile=srgb_profile().icc)
    for name in ("plain.png", "srgb.png"):
        loaded = read_image(tmp_path / name)
        assert loaded.profile is None
        np.testing.assert_array_equal(np.round(loaded.rgb * 255), numbers)


def test_masks_are_never_colour_converted(tmp_path: Path) -> None:
    levels = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (4, 1))
    Image.fromarray(np.dstack([levels] * 3)).save(
        tmp_path / "mask.png", icc_profile=matrix_profile(ADOBE_RGB)
    )
    np.testing.assert_array_equal(np.round(read_matte(tmp_path / "mask.png") * 255), levels)


def test_masks_are_written_without_a_profile(tmp_path: Path) -> None:
    write_image(tmp_path / "alpha.png", np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4))
    with Image.open(tmp_path / "alpha.png") as written:
        assert "icc_profile" not in written.info


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_profiles_with_lookup_tables_go_through_littlecms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bit_depth: int
) -> None:
    """The path of LUT-based profiles (LittleCMS, 8-bit, trilinear for 16-bit), forced on a matrix one."""
    import classic.colour_profile as colour_profile

    monkeypatch.setattr(colour_profile, "_matrix_shaper", lambda _icc: None)
    photo = _photo()
    numbers = ADOBE_RGB.from_xyz(SRGB.to_xyz(photo))
    peak = 2**bit_depth - 1
    stored = np.round(numbers * peak).astype(np.uint8 if bit_depth == 8 else np.uint16)
    tifffile.imwrite(tmp_path / "a.tif", stored, photometric="rgb", iccprofile=matrix_profile(ADOBE_RGB))
    meant = ADOBE_RGB.to_xyz(stored / peak)
    loaded = read_image(tmp_path / "a.tif")
    assert loaded.profile is not None
    assert _delta_e_xyz(meant, SRGB.to_xyz(loaded.rgb)) <= 1.0
    write_image(tmp_path / "back.tif", loaded.rgb, bit_depth=bit_depth, photo=PhotoExport(loaded.profile))
    assert _delta_e_xyz(meant, ADOBE_RGB.to_xyz(_opencv_rgb(tmp_path / "back.tif"))) <= 1.0


def test_a_profile_of_another_colour_space_is_not_applied_to_rgb_numbers() -> None:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))  # as grey and CMYK ones: not RGB
    assert read_profile(lab.tobytes(), "t") is None
