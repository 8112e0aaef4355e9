"""The command line with photographers' files: wide-gamut profiles, HEIC, DNG, EXIF, export options.

Inputs are written by the tests with Pillow, pillow-heif and tifffile; outputs are read back with OpenCV
(numbers) and Pillow (profile, EXIF), and judged with the tests' own numpy colour maths.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms
from skimage.color import deltaE_ciede2000

from app.cli.cli import EXIT_BAD_INPUT, main
from tests.classic.dng import dng_bytes
from tests.classic.icc_profiles import ADOBE_RGB, DISPLAY_P3, SRGB, MatrixProfile, matrix_profile, to_lab

Capsys = pytest.CaptureFixture[str]
# The background: four 16 × 16 patches of known sRGB colour; the subject covers none of them.
PATCHES = np.array([[0.76, 0.57, 0.47], [0.36, 0.48, 0.70], [0.35, 0.42, 0.25], [0.85, 0.15, 0.12]])
HEIGHT, WIDTH = 48, 64


def _background() -> np.ndarray:
    image = np.full((HEIGHT, WIDTH, 3), 0.4)
    for index, colour in enumerate(PATCHES):
        image[:16, 16 * index : 16 * index + 16] = colour
    return image


def _patch_means(numbers: np.ndarray) -> np.ndarray:
    return np.stack([numbers[4:12, 16 * i + 4 : 16 * i + 12].mean(axis=(0, 1)) for i in range(len(PATCHES))])


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R5", 1
    exif.get_ifd(0x8769)[0x829A] = 1 / 60
    exif.get_ifd(0x8825)[0x0002] = (45.0, 30.0, 0.0)
    return exif


def _save(path: Path, srgb: np.ndarray, profile: MatrixProfile, **options: object) -> np.ndarray:
    """Save ``srgb`` encoded in ``profile`` (8-bit); returns the XYZ the stored numbers mean."""
    numbers = np.round(profile.from_xyz(SRGB.to_xyz(srgb)) * 255).astype(np.uint8)
    Image.fromarray(numbers).save(path, icc_profile=matrix_profile(profile), **options)
    return profile.to_xyz(numbers / 255.0)


def _inputs(tmp_path: Path, profile: MatrixProfile = ADOBE_RGB) -> tuple[list[str], np.ndarray]:
    foreground = np.full((HEIGHT, WIDTH, 3), (0.2, 0.6, 0.3))
    _save(tmp_path / "fg.png", foreground, profile)
    meant = _save(tmp_path / "bg.jpg", _background(), profile, quality=100, subsampling=0, exif=_exif())
    alpha = np.zeros((HEIGHT, WIDTH), np.uint8)
    alpha[30:44, 24:40] = 255
    # A matte with a colour profile (some editors tag everything): its numbers are opacities, kept as is.
    Image.fromarray(np.dstack([alpha] * 3)).save(tmp_path / "alpha.png", icc_profile=matrix_profile(profile))
    files = [str(tmp_path / "fg.png"), str(tmp_path / "bg.jpg"), "--alpha", str(tmp_path / "alpha.png")]
    return files, meant


def _delta_e(meant: np.ndarray, xyz: np.ndarray) -> float:
    return float(deltaE_ciede2000(to_lab(_patch_means(meant)), to_lab(_patch_means(xyz))).max())


def _numbers(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    peak = 65535.0 if image.dtype == np.uint16 else 255.0
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2RGB).astype(np.float64) / peak


def _profile_name(path: Path) -> str:
    with Image.open(path) as image:
        icc = image.info["icc_profile"]
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()


@pytest.mark.parametrize("extension", [".jpg", ".png", ".tif", ".webp"])
@pytest.mark.parametrize("profile", [ADOBE_RGB, DISPLAY_P3], ids=["adobe-rgb", "display-p3"])
def test_a_wide_gamut_composite_comes_back_in_srgb(
    tmp_path: Path, extension: str, profile: MatrixProfile
) -> None:
    files, meant = _inputs(tmp_path, profile)
    out = tmp_path / f"out{extension}"
    arguments = ["composite", *files, "-o", str(out), "--quality", "100", "--jpeg-subsampling", "4:4:4"]
    assert main(arguments) == 0
    assert _profile_name(out) == "sRGB built-in"
    assert _delta_e(meant, SRGB.to_xyz(_numbers(out))) <= 1.0
    alpha_region = _numbers(out)[32:42, 26:38].mean(axis=(0, 1))
    # The subject, fully opaque there: the alpha's numbers were not colour-converted.
    expected = SRGB.to_xyz(np.array([0.2, 0.6, 0.3]))
    measured = SRGB.to_xyz(alpha_region)
    assert deltaE_ciede2000(to_lab(expected), to_lab(measured)) <= 2.0


@pytest.mark.parametrize("extension", [".jpg", ".png", ".tif"])
def test_profile_source_gives_the_photo_back_in_its_own_profile(tmp_path: Path, extension: str) -> None:
    files, meant = _inputs(tmp_path, ADOBE_RGB)
    out = tmp_path / f"out{extension}"
    arguments = ["composite", *files, "-o", str(out), "--profile", "source", "--quality", "100"]
    assert main([*arguments, "--jpeg-subsampling", "4:4:4"]) == 0
    assert _profile_name(out) == ADOBE_RGB.name
    assert _delta_e(meant, ADOBE_RGB.to_xyz(_numbers(out))) <= 1.0


def test_exif_of_the_background_survives_without_gps(tmp_path: Path) -> None:
    files, _ = _inputs(tmp_path)
    assert main(["composite", *files, "-o", str(tmp_path / "out.jpg")]) == 0
    with Image.open(tmp_path / "out.jpg") as written:
        exif = written.getexif()
    assert (exif[0x010F], exif[0x0110], exif[0x0112]) == ("Canon", "EOS R5", 1)
    assert float(exif.get_ifd(0x8769)[0x829A]) == pytest.approx(1 / 60)
    assert not exif.get_ifd(0x8825)
    assert main(["composite", *files, "-o", str(tmp_path / "gps.jpg"), "--keep-gps"]) == 0
    with Image.open(tmp_path / "gps.jpg") as written:
        assert written.getexif().get_ifd(0x8825)[0x0002] == (45.0, 30.0, 0.0)


def _one_error(capsys: Capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_a_rejected_profile_is_one_error_line_and_no_file(tmp_path: Path, capsys: Capsys) -> None:
    files, _ = _inputs(tmp_path)
    Image.open(tmp_path / "fg.png").save(tmp_path / "bad.png", icc_profile=matrix_profile(ADOBE_RGB)[:200])
    out = tmp_path / "out.jpg"
    assert main(["composite", str(tmp_path / "bad.png"), *files[1:], "-o", str(out)]) == EXIT_BAD_INPUT
    assert "colour profile" in _one_error(capsys) and not out.exists()
    (tmp_path / "bad.icc").write_bytes(b"not a profile at all" * 10)
    bad_profile = ["--profile", str(tmp_path / "bad.icc")]
    assert main(["composite", *files, "-o", str(out), *bad_profile]) == EXIT_BAD_INPUT
    assert "bad.icc" in _one_error(capsys) and not out.exists()
    assert list(tmp_path.glob("*.part")) == [] and list(tmp_path.glob(".*.part")) == []


def _heic(path: Path, image: np.ndarray, **options: object) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    Image.fromarray(image).save(path, format="HEIF", quality=95, **options)


def test_heic_on_a_dng_background(tmp_path: Path) -> None:
    pytest.importorskip("pillow_heif")
    pytest.importorskip("rawpy")
    portrait = np.full((WIDTH, HEIGHT, 3), 120, np.uint8)  # stored 64 × 48 … turned by its orientation
    exif = _exif()
    exif[0x0112] = 6
    _heic(tmp_path / "fg.heic", np.ascontiguousarray(portrait.transpose(1, 0, 2)), exif=exif.tobytes())
    (tmp_path / "bg.dng").write_bytes(dng_bytes(np.full((HEIGHT, WIDTH, 3), 0.1)))
    alpha = np.zeros((WIDTH, HEIGHT), np.uint8)
    alpha[20:40, 10:30] = 255
    cv2.imwrite(str(tmp_path / "alpha.png"), alpha)
    out = tmp_path / "out.png"
    arguments = ["composite", str(tmp_path / "fg.heic"), str(tmp_path / "bg.dng"), "--alpha"]
    assert main([*arguments, str(tmp_path / "alpha.png"), "-o", str(out)]) == 0
    assert cv2.imread(str(out)).shape[:2] == (HEIGHT, WIDTH)
    with Image.open(out) as written:
        assert written.getexif()[0x010F] == "Test"  # the DNG's camera: the composite is the background's


@pytest.mark.parametrize("name", ["cut.heic", "cut.dng", "junk.cr2"])
def test_a_bad_heic_or_raw_is_one_error_line_and_no_file(tmp_path: Path, capsys: Capsys, name: str) -> None:
    pytest.importorskip("pillow_heif")
    pytest.importorskip("rawpy")
    _heic(tmp_path / "whole.heic", np.full((HEIGHT, WIDTH, 3), 100, np.uint8))
    whole = {
        ".heic": (tmp_path / "whole.heic").read_bytes(),
        ".dng": dng_bytes(np.full((HEIGHT, WIDTH, 3), 0.2)),
    }
    complete = whole.get(Path(name).suffix, b"")
    data = b"II*\x00" + b"\x00" * 400 if name == "junk.cr2" else complete[: len(complete) // 2]
    (tmp_path / name).write_bytes(data)
    cv2.imwrite(str(tmp_path / "bg.png"), np.full((HEIGHT, WIDTH, 3), 90, np.uint8))
    out = tmp_path / "out.png"
    arguments = ["composite", str(tmp_path / name), str(tmp_path / "bg.png"), "-o", str(out)]
    assert main(arguments) == EXIT_BAD_INPUT
    assert name in _one_error(capsys) and not out.exists()


def test_a_colour_tagged_matte_is_read_as_numbers(tmp_path: Path) -> None:
    from app.cli.cli_inputs import Reader

    levels = np.tile(np.arange(0, 256, 17, dtype=np.uint8), (3, 1))
    tagged = tmp_path / "matte.png"
    Image.fromarray(np.dstack([levels] * 3)).save(tagged, icc_profile=matrix_profile(ADOBE_RGB))
    np.testing.assert_array_equal(np.round(Reader().matte(tagged) * 255), levels)
    assert Reader().loaded(tagged).profile is not None  # read as a photo, the same file is converted
