"""What each subcommand does: read inputs, run the pipeline, write outputs atomically.

These functions run the same ``engine.pipeline.Pipeline`` the GUI's jobs run (classic stages delegate to
``classic/``, network stages load the installed weights); they only add argument parsing and file
handling. No Qt here.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.cli.cli_inputs import Reader, is_inside, reader, refuse_overwriting
from app.model.compose import compose
from app.model.compositing_settings import CompositingSettings
from app.model.export_options import chosen_profile, from_arguments
from app.model.transparency import OWN_TRANSPARENCY, own_cutout
from classic.checks import InvalidInputError, check_same_size
from classic.foreground import estimate_foreground
from classic.grabcut import Rect
from classic.imageio import READ_EXTENSIONS, WRITE_EXTENSIONS, LoadedImage, write_image
from classic.pipeline import Cutout
from classic.placement import Placement, default_placement
from classic.progress_bar import TextProgressBar
from engine.networks import installed_network
from engine.pipeline import Pipeline, PipelineOptions, cutout_from_alpha
from engine.weights import NetworkUnavailableError


def parse_rect(text: str | None) -> Rect | None:
    """``"X,Y,W,H"`` → ``Rect``; None stays None."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        x, y, width, height = (round(float(p)) for p in parts)
    except (ValueError, OverflowError):
        raise InvalidInputError(f"--rect must be X,Y,W,H in pixels, got {text!r}") from None
    if width <= 0 or height <= 0:
        raise InvalidInputError(f"--rect width and height must be positive, got {text!r}")
    return Rect(x, y, width, height)


def check_output(
    path: str, *, extensions: tuple[str, ...] = WRITE_EXTENSIONS, inputs: tuple[str | None, ...] = ()
) -> Path:
    """Fail before any work when the output cannot be written, or would replace one of ``inputs``."""
    target = Path(path)
    refuse_overwriting(target, inputs)
    if target.suffix.lower() not in extensions:
        raise InvalidInputError(f"{target}: the output must end in one of {', '.join(extensions)}")
    if target.is_dir():
        raise InvalidInputError(f"{target}: is a folder; the output must be a file name")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInputError(f"{target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InvalidInputError(f"{target}: cannot write there (permission denied)")
    return target


def run_segment(args: argparse.Namespace) -> int:
    scribbles = (args.foreground_scribbles, args.background_scribbles)
    output = check_output(
        args.output, extensions=(".png", ".tif", ".tiff", ".bmp"), inputs=(args.image, *scribbles)
    )
    files = reader(args)
    source = files.loaded(args.image)
    image = source.rgb
    if args.method == "quickselect":
        mask = _quick_select(image, args, files)
    else:
        pipeline = Pipeline(
            PipelineOptions(device=args.device, segmentation=args.method, second_opinion=args.second_opinion)
        )
        pipeline.check_networks()
        rect = parse_rect(args.rect)
        mask = pipeline.segment(image, rect=rect, progress=_bar("Segmenting"))
        print(f"segmentation: {pipeline.describe_segmentation(rect=rect)}", file=sys.stderr)
    write_image(output, mask, bit_depth=args.bit_depth or source.bit_depth)
    return 0


def _quick_select(image: np.ndarray, args: argparse.Namespace, files: Reader) -> np.ndarray:
    from classic.quickselect import quick_select

    if not (args.foreground_scribbles and args.background_scribbles):
        raise InvalidInputError("quickselect needs --foreground-scribbles and --background-scribbles")
    foreground = files.matte(args.foreground_scribbles)
    background = files.matte(args.background_scribbles)
    for name, scribbles in (("foreground scribbles", foreground), ("background scribbles", background)):
        check_same_size("image", image, name, scribbles)
    return quick_select(image, foreground, background, progress=_bar("Quick select"))


def run_matte(args: argparse.Namespace) -> int:
    """Alpha from ``--trimap``, from ``--clean-plate`` (with or without a trimap), or from the photo
    alone by the learned trimap."""
    given = (args.image, args.trimap, args.clean_plate)
    output = check_output(args.output, extensions=(".png", ".tif", ".tiff", ".bmp"), inputs=given)
    if args.clean_plate and args.method:
        raise InvalidInputError(
            "--method chooses the matting inside a trimap; with --clean-plate the clean-plate matting "
            "network finds the alpha, so leave --method out"
        )
    pipeline = Pipeline(
        PipelineOptions(
            device=args.device,
            matting=args.method or "auto",
            second_opinion=args.second_opinion,
            transparency_hint=args.transparency_hint,
        )
    )
    pipeline.check_networks()  # before any slow work, as the kinds below
    if args.clean_plate:
        installed_network("plate-matting", pipeline.options.weights_folder)
    elif not args.trimap:
        try:
            installed_network("trimap", pipeline.options.weights_folder)
        except NetworkUnavailableError as error:
            raise InvalidInputError(
                f"without --trimap or --clean-plate the learned trimap runs, but {error}"
            ) from None
    files = reader(args)
    source = files.loaded(args.image)
    image = source.rgb
    trimap = files.trimap(args.trimap) if args.trimap else None
    if trimap is not None:
        check_same_size("image", image, "trimap", trimap)
    bar = _bar("Matting")
    if args.clean_plate:
        plate = files.image(args.clean_plate)  # a photo: colour-managed like the image
        alpha = pipeline.matte_with_plate(image, plate, trimap=trimap, progress=bar)
    elif trimap is not None:
        alpha = pipeline.matte(image, trimap, progress=bar)
    else:
        alpha = pipeline.matte_without_trimap(image, progress=bar)
    write_image(output, alpha, bit_depth=args.bit_depth or source.bit_depth)
    return 0


def run_cutout(args: argparse.Namespace) -> int:
    output = check_output(args.output, extensions=(".png", ".tif", ".tiff", ".webp"), inputs=(args.image,))
    _check_quality(args)
    chosen_profile(args.profile)  # A profile file LittleCMS rejects stops the command before any work.
    source = reader(args).loaded(args.image)
    image = source.rgb
    # A --rect makes the classic selection GrabCut, and a network look inside the box.
    pipeline = Pipeline(
        PipelineOptions(
            device=args.device,
            matting=args.matting,
            segmentation=args.segmentation,
            second_opinion=args.second_opinion,
            transparency_hint=args.transparency_hint,
            trimap=args.trimap_from,
        )
    )
    pipeline.check_networks()
    rect = parse_rect(args.rect)
    # A cut-out already keeps its alpha, its colours decontaminated; a box asks for a new one.
    own = None if rect else _own_cutout(source, args, decontaminate=True)
    if own is not None:
        result = own
    else:
        result = pipeline.cut_out(image, rect=rect, progress=_bar("Cutting out"))
        _say_which(pipeline, rect)
    rgba = np.dstack([result.foreground, result.alpha])
    photo = from_arguments(args, source)  # The cut-out is the foreground's: its profile and EXIF.
    write_image(output, rgba, bit_depth=args.bit_depth or source.bit_depth, quality=args.quality, photo=photo)
    return 0


def _check_quality(args: argparse.Namespace) -> None:
    if not 1 <= args.quality <= 100:
        raise InvalidInputError(f"--quality must lie in [1, 100], got {args.quality}")


def compositing_settings(args: argparse.Namespace, placement: Placement | None = None) -> CompositingSettings:
    """The GUI's compositing panel as options: method, edge shift, feather, smoothing, decontamination."""
    amount = args.decontamination
    if amount is None:
        amount = 1.0 if args.decontaminate else 0.0
    return CompositingSettings(
        method=args.method,
        edge_shift=args.edge_shift,
        feather_radius=args.feather,
        smoothing=args.smoothing,
        decontamination=amount,
        placement=placement,
    )


def run_composite(args: argparse.Namespace) -> int:
    given = (args.foreground, args.background, args.mask, args.trimap, args.alpha)
    output = check_output(args.output, inputs=given)
    _check_quality(args)
    chosen_profile(args.profile)  # A profile file LittleCMS rejects stops the command before any work.
    settings = compositing_settings(args)  # Out-of-range values stop the command before any work.
    pipeline = Pipeline(
        PipelineOptions(
            compositing=args.method,
            matting=args.matting,
            segmentation=args.segmentation,
            second_opinion=args.second_opinion,
            transparency_hint=args.transparency_hint,
            trimap=args.trimap_from,
            decontaminate=settings.decontamination > 0,
            device=args.device,
        )
    )
    pipeline.check_networks()  # before any slow work
    files = reader(args)
    loaded_foreground = files.loaded(args.foreground)
    foreground = loaded_foreground.rgb
    loaded_background = files.loaded(args.background)
    background = loaded_background.rgb
    cutout = _subject(pipeline, loaded_foreground, args, files, decontaminate=settings.decontamination > 0)
    placement = _placement(args, background.shape, cutout.alpha)
    # The GUI's entry point: edge shift, smoothing and the decontamination amount as the panel applies them.
    settings = replace(settings, placement=placement)
    result = compose(foreground, background, cutout, settings, pipeline=pipeline)
    depth = args.bit_depth or loaded_background.bit_depth  # The composite is the background's image.
    photo = from_arguments(args, loaded_background)  # Its profile and EXIF too.
    write_image(output, result, bit_depth=depth, quality=args.quality, photo=photo)
    return 0


def _subject(
    pipeline: Pipeline,
    loaded: LoadedImage,
    args: argparse.Namespace,
    files: Reader,
    *,
    decontaminate: bool,
) -> Cutout:
    """The cut-out from --alpha, --trimap, the foreground's own transparency (``app.model.transparency``:
    an --alpha the file carries), --mask or automatic selection; its colours are decontaminated when
    ``decontaminate`` (compositing blends them with the photo's by the decontamination amount)."""
    foreground = loaded.rgb
    given = args.alpha or args.trimap or args.mask
    if not given and (own := _own_cutout(loaded, args, decontaminate=decontaminate)) is not None:
        return own
    if args.alpha:
        alpha = files.matte(args.alpha)
        check_same_size("foreground", foreground, "alpha", alpha)
    elif args.trimap:
        trimap = files.trimap(args.trimap)
        check_same_size("foreground", foreground, "trimap", trimap)
        alpha = pipeline.matte(foreground, trimap, progress=_bar("Matting"))
    else:
        mask = files.matte(args.mask) if args.mask else None
        if mask is not None:
            check_same_size("foreground", foreground, "mask", mask)
        result = pipeline.cut_out(foreground, mask=mask, progress=_bar("Cutting out"))
        if mask is None:
            _say_which(pipeline, None)
        return result
    if decontaminate:
        colours = estimate_foreground(foreground, alpha, progress=_bar("Decontaminating"))
        return cutout_from_alpha(colours, alpha)
    return cutout_from_alpha(foreground, alpha)


def _own_cutout(loaded: LoadedImage, args: argparse.Namespace, *, decontaminate: bool) -> Cutout | None:
    """The photo's own transparency as its cut-out (``app.model.transparency``), said on stderr; None
    when it has none to give or with --ignore-transparency."""
    if args.ignore_transparency:
        return None
    own = own_cutout(loaded, decontaminate=decontaminate, progress=_bar("Decontaminating"))
    if own is not None:
        print(f"cut-out: {OWN_TRANSPARENCY} (--ignore-transparency cuts it out anew)", file=sys.stderr)
    return own


def _placement(args: argparse.Namespace, background_shape: tuple[int, ...], alpha: np.ndarray) -> Placement:
    """The options' placement; what they leave out, the default placement of the subject ``alpha``."""
    default = default_placement(alpha.shape, background_shape, alpha)
    return Placement(
        x=default.x if args.x is None else args.x,
        y=default.y if args.y is None else args.y,
        scale=default.scale if args.scale is None else args.scale,
        rotation=args.rotate,
        flip=args.flip,
    )


def run_batch(args: argparse.Namespace) -> int:
    folder = Path(args.foreground_dir)
    if not folder.is_dir():
        raise InvalidInputError(f"{folder}: not a folder")
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in READ_EXTENSIONS)
    if not photos:
        raise InvalidInputError(f"{folder}: no photos ({', '.join(READ_EXTENSIONS)}) in this folder")
    out = Path(args.output)
    if is_inside(out, folder) and not (args.output_inside_input and not is_inside(folder, out)):
        raise InvalidInputError(
            f"{out}: the output folder must not be the photo folder or lie inside it (photos could be "
            "overwritten; --output-inside-input allows a subfolder)"
        )
    names = output_names(photos, args.format)
    for photo in photos:
        refuse_overwriting(out / names[photo], (args.background, *photos))
    _check_quality(args)
    chosen_profile(args.profile)
    files = reader(args)
    loaded_background = files.loaded(args.background)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInputError(f"{out}: cannot create the output folder ({error.strerror})") from None
    failures = _composite_all(photos, loaded_background, out, args, files)
    done = len(photos) - len(failures)
    print(f"{done} of {len(photos)} photos composited into {out}", file=sys.stderr)
    for name, reason in failures:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    return 1 if failures else 0


def _composite_all(
    photos: list[Path],
    loaded_background: LoadedImage,
    out: Path,
    args: argparse.Namespace,
    files: Reader,
) -> list[tuple[str, str]]:
    background = loaded_background.rgb
    bit_depth = loaded_background.bit_depth  # The composite is the background's image: its depth,
    export = from_arguments(args, loaded_background)  # profile and EXIF.
    failures: list[tuple[str, str]] = []
    own: list[str] = []  # the photos that were cut-outs already
    bar = TextProgressBar("Batch", total=len(photos))
    names = output_names(photos, args.format)
    settings = compositing_settings(args)
    decontaminate = settings.decontamination > 0
    pipeline = Pipeline(  # one pipeline: networks load once
        PipelineOptions(
            device=args.device,
            compositing=args.method,
            segmentation=args.segmentation,
            second_opinion=args.second_opinion,
            transparency_hint=args.transparency_hint,
            trimap=args.trimap_from,
            decontaminate=decontaminate,
        )
    )
    pipeline.check_networks()
    _say_which(pipeline, None)
    for index, photo in enumerate(photos):
        try:
            loaded = files.loaded(photo)
            foreground = loaded.rgb
            given = None if args.ignore_transparency else own_cutout(loaded, decontaminate=decontaminate)
            result = given or pipeline.cut_out(foreground)
            if given is not None:
                own.append(photo.name)
            image = compose(foreground, background, result, settings, pipeline=pipeline)
            write_image(out / names[photo], image, bit_depth=bit_depth, quality=args.quality, photo=export)
        except InvalidInputError as error:
            failures.append((photo.name, str(error)))
        except Exception as error:  # one bad photo must not stop the batch
            failures.append((photo.name, f"unexpected failure ({type(error).__name__}: {error})"))
        bar.update(index + 1, photo.name)
    bar.close()
    if own:
        print(f"cut-out of {', '.join(own)}: {OWN_TRANSPARENCY}", file=sys.stderr)
    return failures


def output_names(photos: list[Path], extension: str) -> dict[Path, str]:
    """Output file names: the photo's stem, plus its own extension where two photos share a stem."""
    stems = [photo.stem for photo in photos]
    return {
        photo: f"{photo.stem}{'-' + photo.suffix[1:] if stems.count(photo.stem) > 1 else ''}.{extension}"
        for photo in photos
    }


def _say_which(pipeline: Pipeline, rect: Rect | None) -> None:
    print(f"cut-out: {pipeline.describe_cutout(rect=rect)}", file=sys.stderr)


def _bar(label: str) -> TextProgressBar:
    return TextProgressBar(label)
