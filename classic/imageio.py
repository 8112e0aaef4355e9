"""Reading and writing photos, masks and trimaps as interchange arrays.

Decoding goes through OpenCV (JPEG, PNG 8/16-bit, TIFF 8/16-bit, WebP, BMP; grey, palette and CMYK are
converted to RGB by the decoder), libheif (HEIC), Pillow's libavif (AVIF) or LibRaw (camera RAW) after
``classic.image_source`` has checked the file and its header against the size limits; the EXIF
orientation comes from that header and is applied here because OpenCV ignores it when asked for the
unchanged bit depth. A photo's embedded ICC profile is applied on load (``classic.colour_profile``: the
working space is sRGB) and kept, with its EXIF and XMP, in ``LoadedImage``; masks, alphas and trimaps
are read as numbers, never colour-converted.

Photos (RGB and RGBA) are written with an ICC profile: sRGB, or the source's profile after converting
back to it (``PhotoExport``), with the source's EXIF and XMP (``classic.photo_metadata``). Every write
is atomic (``classic.atomic_file``): the encoded bytes go to a temporary file in the destination
folder, which is then renamed over the target.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from classic import embed_metadata
from classic.atomic_file import write_atomically
from classic.checks import InvalidInputError, check_trimap
from classic.colour_profile import ColourProfile, from_srgb, read_profile, srgb_profile, to_srgb
from classic.decoder_messages import decoder_messages
from classic.image_header import RAW_EXTENSIONS
from classic.image_source import DEFAULT_LIMITS, ImageLimits, ImageSource, read_source
from classic.photo_metadata import NO_METADATA, PhotoMetadata, exif_for_export, xmp_for_export

HEIF_EXTENSIONS = (".heic", ".heif", ".hif", ".avif")
READ_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
    ".webp",
    ".bmp",
    *HEIF_EXTENSIONS,
    *RAW_EXTENSIONS,
)
WRITE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
_SIXTEEN_BIT_FORMATS = (".png", ".tif", ".tiff")
CHROMA_SUBSAMPLING = {
    "4:4:4": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
    "4:2:2": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
    "4:2:0": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
}
# TIFF's first directory takes these EXIF tags as its own ASCII fields (make, model, date, artist,
# copyright); the EXIF and GPS directories are added after tifffile has written the file.
_TIFF_TEXT_TAGS = (0x010F, 0x0110, 0x0132, 0x013B, 0x8298)
_XMP_TAG = 700
_IPTC_TAG = 33723


@dataclass(frozen=True)
class LoadedImage:
    """A decoded photo: ``rgb`` float32 (H, W, 3) in [0, 1], ``alpha`` float32 (H, W) or None.

    ``damage`` is the decoder's report of corrupt data when the photo was read with ``allow_damaged``.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int
    damage: str = ""
    profile: ColourProfile | None = None  # the source's profile, converted from; None: it was sRGB
    metadata: PhotoMetadata = NO_METADATA


@dataclass(frozen=True)
class PhotoExport:
    """How a photo is written: its colour profile and metadata, and JPEG's chroma subsampling.

    ``profile`` None embeds sRGB (the working space, no conversion); a profile converts the pixels to
    it and embeds it (the source's, to give the photo back in its own space). ``metadata`` is copied
    (``classic.photo_metadata``: orientation 1, GPS only with ``keep_gps``).
    """

    profile: ColourProfile | None = None
    metadata: PhotoMetadata = NO_METADATA
    keep_gps: bool = False
    chroma_subsampling: str = "4:2:0"

    def __post_init__(self) -> None:
        if self.chroma_subsampling not in CHROMA_SUBSAMPLING:
            raise InvalidInputError(
                f"chroma subsampling must be one of {', '.join(CHROMA_SUBSAMPLING)}, "
                f"got {self.chroma_subsampling!r}"
            )


SRGB_EXPORT = PhotoExport()


def read_image(
    path: str | os.PathLike[str],
    *,
    limits: ImageLimits = DEFAULT_LIMITS,
    allow_damaged: bool = False,
    manage_colour: bool = True,
) -> LoadedImage:
    """Read a photo, apply its EXIF orientation and return it as float32 RGB (plus alpha if any).

    Nothing is decoded before the file and its header pass ``classic.image_source.read_source`` (a
    regular file, not truncated, within ``limits``) and its ICC profile passes LittleCMS. A file whose
    decoder reports damage is refused, unless ``allow_damaged``: then it is returned with the decoder's
    words in ``damage``. With ``manage_colour`` (photos) the RGB is converted from the embedded profile
    to sRGB; without it (masks, alphas, trimaps) the numbers are returned as stored.
    """
    shown = Path(path)
    source = read_source(shown, limits)
    header = source.header
    profile = read_profile(header.icc, shown) if manage_colour else None
    metadata = PhotoMetadata(header.exif, header.xmp, header.iptc)
    raw, damage = _decode(shown, source, allow_damaged)
    raw = _apply_orientation(raw, header.orientation)
    bit_depth = 16 if raw.dtype == np.uint16 else 8
    if raw.ndim == 2 or raw.shape[2] == 1:
        grey = _to_float(raw.reshape(raw.shape[:2]))
        return LoadedImage(np.repeat(grey[:, :, None], 3, axis=2), None, bit_depth, damage, None, metadata)
    colour = raw[:, :, :3]
    rgb = to_srgb(colour, profile) if profile is not None else _to_float(colour)
    alpha = _to_float(raw[:, :, 3]) if raw.shape[2] == 4 else None
    return LoadedImage(rgb, alpha, bit_depth, damage, profile, metadata)


def read_matte(
    path: str | os.PathLike[str], *, limits: ImageLimits = DEFAULT_LIMITS, allow_damaged: bool = False
) -> np.ndarray:
    """Read a mask or alpha as float32 (H, W) in [0, 1] (colour files are converted to grey; an embedded
    colour profile is ignored: a matte's numbers are opacities, not colours)."""
    return as_matte(read_image(path, limits=limits, allow_damaged=allow_damaged, manage_colour=False))


def as_matte(loaded: LoadedImage) -> np.ndarray:
    """A read image as a mask or alpha, float32 (H, W) in [0, 1]: its grey level."""
    rgb = loaded.rgb
    if np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 0], rgb[:, :, 2]):
        return np.ascontiguousarray(rgb[:, :, 0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def read_trimap(
    path: str | os.PathLike[str], *, limits: ImageLimits = DEFAULT_LIMITS, allow_damaged: bool = False
) -> np.ndarray:
    """Read a trimap file as float32 0 / 0.5 / 1.

    Black is background and white foreground; the unknown region is one grey level (128 by convention;
    some tools use another single grey, such as pymatting's 102). Any further grey level is an error.
    """
    return as_trimap(read_matte(path, limits=limits, allow_damaged=allow_damaged), path)


def as_trimap(matte: np.ndarray, shown: object) -> np.ndarray:
    """A matte read from the file ``shown`` as a trimap of 0 / 0.5 / 1 (see ``read_trimap``)."""
    values = np.round(matte * 255.0)
    greys = np.unique(values[(values != 0) & (values != 255)])
    if greys.size > 1:
        levels = ", ".join(str(int(v)) for v in greys[:6])
        raise InvalidInputError(
            f"{shown}: a trimap may only hold 0 (background), one grey level (unknown, usually 128) and 255 "
            f"(foreground); found the grey levels {levels}{', …' if greys.size > 6 else ''}"
        )
    trimap = np.where(values == 255, 1.0, np.where(values == 0, 0.0, 0.5)).astype(np.float32)
    return check_trimap("trimap", trimap)


def write_image(
    path: str | os.PathLike[str],
    array: np.ndarray,
    *,
    bit_depth: int = 8,
    quality: int = 95,
    photo: PhotoExport = SRGB_EXPORT,
) -> None:
    """Write float32 RGB (H, W, 3), RGBA (H, W, 4) or grey (H, W) in [0, 1], atomically.

    The format follows the extension. ``bit_depth`` 16 is honoured for PNG and TIFF; JPEG, WebP and BMP
    are always 8-bit. ``quality`` (1–100) applies to JPEG and WebP (100: lossless WebP). RGB and RGBA
    images (except BMP)
    carry the ICC profile, EXIF and XMP of ``photo``; grey images (masks, alphas) carry none.
    """
    target = Path(path)
    extension = target.suffix.lower()
    if extension not in WRITE_EXTENSIONS:
        raise InvalidInputError(f"{target}: unsupported output format {extension or '(none)'}")
    if bit_depth not in (8, 16):
        raise InvalidInputError(f"bit depth must be 8 or 16, got {bit_depth}")
    depth = bit_depth if extension in _SIXTEEN_BIT_FORMATS else 8
    is_photo = (
        isinstance(array, np.ndarray)
        and array.ndim == 3
        and array.shape[2] in (3, 4)
        and array.size > 0
        and extension != ".bmp"
    )
    converted = _in_profile(array, photo.profile) if is_photo and photo.profile is not None else array
    samples = _quantise(converted, depth)
    if is_photo and extension in (".tif", ".tiff"):
        write_atomically(target, _tiff_bytes(samples, photo))
        return
    params = _encode_params(extension, quality, photo.chroma_subsampling)
    ok, encoded = cv2.imencode(extension, _to_cv_layout(samples), params)
    if not ok:
        raise InvalidInputError(f"{target}: could not encode the image as {extension}")
    if not is_photo:
        # A view of the encoded buffer, not a copy: a 24 MP PNG is ~50–100 MB.
        write_atomically(target, encoded.data)
        return
    write_atomically(target, _with_metadata(encoded.tobytes(), extension, samples.shape, photo))


def _in_profile(array: np.ndarray, profile: ColourProfile) -> np.ndarray:
    """sRGB float (H, W, 3|4) → the same in ``profile``'s encoding (alpha untouched)."""
    converted = from_srgb(np.asarray(array, np.float32)[:, :, :3], profile)
    if array.shape[2] == 4:
        return np.concatenate([converted, np.asarray(array[:, :, 3:], np.float32)], axis=2)
    return converted


def _with_metadata(encoded: bytes, extension: str, shape: tuple[int, ...], photo: PhotoExport) -> bytes:
    icc = (photo.profile or srgb_profile()).icc
    exif = exif_for_export(photo.metadata, keep_gps=photo.keep_gps)
    xmp = xmp_for_export(photo.metadata, keep_gps=photo.keep_gps)
    if extension in (".jpg", ".jpeg"):
        iptc = photo.metadata.iptc
        return embed_metadata.embed_jpeg(encoded, icc=icc, exif=exif, xmp=xmp, iptc=iptc)
    if extension == ".png":
        return embed_metadata.embed_png(encoded, icc=icc, exif=exif, xmp=xmp)
    return embed_metadata.embed_webp(
        encoded, width=shape[1], height=shape[0], has_alpha=shape[2] == 4, icc=icc, exif=exif, xmp=xmp
    )


def _tiff_bytes(samples: np.ndarray, photo: PhotoExport) -> bytes:
    import tifffile  # only when a TIFF photo is written

    extra: list[tuple[int, str, int, object, bool]] = []
    exif = exif_for_export(photo.metadata, keep_gps=photo.keep_gps)
    if exif:
        from PIL import Image

        fields = Image.Exif()
        fields.load(exif)
        for tag in _TIFF_TEXT_TAGS:
            value = fields.get(tag)
            if isinstance(value, str) and value.strip("\x00"):
                extra.append((tag, "s", 0, value.strip("\x00"), True))
    xmp = xmp_for_export(photo.metadata, keep_gps=photo.keep_gps)
    if xmp:
        extra.append((_XMP_TAG, "B", len(xmp), xmp, True))
    if photo.metadata.iptc:
        extra.append((_IPTC_TAG, "B", len(photo.metadata.iptc), photo.metadata.iptc, True))
    stream = io.BytesIO()
    tifffile.imwrite(
        stream,
        samples,
        photometric="rgb",
        extrasamples=("unassalpha",) if samples.shape[2] == 4 else None,
        compression="zlib",
        iccprofile=(photo.profile or srgb_profile()).icc,
        extratags=extra,
        software=None,
        metadata=None,
        byteorder="<",
    )
    return embed_metadata.embed_tiff_exif(stream.getvalue(), exif)


def _decode(path: Path, source: ImageSource, allow_damaged: bool) -> tuple[np.ndarray, str]:
    """The decoded samples, RGB(A) or grey, uint8 or uint16, and any damage the decoder reported."""
    header = source.header
    if header.format == "HEIF":
        from classic.heif import decode_heif

        return decode_heif(source.data, path), ""
    if header.format == "RAW":
        from classic.camera_raw import decode_raw

        return decode_raw(source.data, path), ""
    if header.format == "AVIF":
        return _decode_avif(source, path), ""
    image, damage = _decode_opencv(path, source, allow_damaged)
    if image.ndim == 3 and image.shape[2] >= 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    return image, damage


def _decode_avif(source: ImageSource, path: Path) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(source.data), formats=["AVIF"]) as image:
            image.load()
            mode = "RGBA" if "A" in image.mode else "RGB"
            return np.asarray(image.convert(mode))
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise InvalidInputError(f"{path}: the AVIF image is damaged or truncated ({error})") from None


def _decode_opencv(path: Path, source: ImageSource, allow_damaged: bool) -> tuple[np.ndarray, str]:
    """The decoded samples (OpenCV's layout, uint8 or uint16) and any damage the decoder reported."""
    with decoder_messages() as report:
        image = cv2.imdecode(np.frombuffer(source.data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise InvalidInputError(f"{path}: not an image or a corrupt one (cannot decode)")
    header = source.header
    if image.shape[:2] != (header.height, header.width):
        raise InvalidInputError(
            f"{path}: the file is corrupt (its header says {header.width} x {header.height} pixels, "
            f"its data {image.shape[1]} x {image.shape[0]})"
        )
    if image.dtype not in (np.uint8, np.uint16):
        raise InvalidInputError(f"{path}: unsupported sample type {image.dtype}")
    if report.damage and not allow_damaged:
        raise InvalidInputError(
            f"{path}: the file is damaged ({report.summary}); parts of the photo would be missing "
            "(the command line's --allow-damaged reads it anyway)"
        )
    return image, report.summary


def _apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    # EXIF orientations 2–8: mirror and/or rotate so that the stored pixels appear upright.
    operations = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1, :],
    }
    operation = operations.get(orientation)
    return np.ascontiguousarray(operation(image)) if operation else image


def _to_float(raw: np.ndarray) -> np.ndarray:
    scale = 65535.0 if raw.dtype == np.uint16 else 255.0
    return raw.astype(np.float32) / np.float32(scale)


def _quantise(array: np.ndarray, depth: int) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.ndim not in (2, 3) or array.size == 0:
        raise InvalidInputError("an image to write must be a non-empty (H, W), (H, W, 3) or (H, W, 4) array")
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        raise InvalidInputError(f"an image to write must have 3 or 4 channels, got {array.shape[2]}")
    peak = 65535.0 if depth == 16 else 255.0
    scaled = np.clip(np.asarray(array, np.float32), 0.0, 1.0) * np.float32(peak) + np.float32(0.5)
    return scaled.astype(np.uint16 if depth == 16 else np.uint8)


def _to_cv_layout(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        return array
    if array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    return cv2.cvtColor(array, cv2.COLOR_RGB2BGR)


def _encode_params(extension: str, quality: int, chroma_subsampling: str = "4:2:0") -> list[int]:
    quality = int(min(max(quality, 1), 100))
    if extension in (".jpg", ".jpeg"):
        return [
            cv2.IMWRITE_JPEG_QUALITY,
            quality,
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
            CHROMA_SUBSAMPLING[chroma_subsampling],
        ]
    if extension == ".webp":
        # libwebp's lossy mode always halves the chroma resolution, even at quality 100: 100 means
        # lossless here (OpenCV's quality above 100).
        return [cv2.IMWRITE_WEBP_QUALITY, 101 if quality == 100 else quality]
    return []
