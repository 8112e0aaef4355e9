"""The command line: ``python main.py [FG BG]`` opens the GUI; subcommands run the same pipeline headless.

Bad input ends with one ``error: …`` line on stderr and exit status 2, never a traceback; outputs are
written atomically, so a failed run leaves no partial file. Qt is imported only when the GUI opens.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.cli import cli_actions
from app.cli.cli_inputs import add_reading_options, stop_cleanly_on_signals
from app.evaluation.cli import add_evaluate, add_make_compositing_set, add_make_plate_set
from app.model.export_options import add_export_options
from app.training.training_cli import add_train
from app.training.training_data import add_build_training_set
from classic.checks import InvalidInputError
from classic.compositing import COMPOSITING_METHODS
from engine.device import DEVICE_PREFERENCES
from engine.pipeline import (
    AUTOMATIC_SEGMENTATION,
    MATTING_METHODS,
    SEGMENTATION_DESCRIPTIONS,
    SEGMENTATION_METHODS,
    TRIMAP_METHODS,
)
from engine.second_opinion import SECOND_OPINIONS
from engine.transparency_hint import TRANSPARENCY_HINTS

SUBCOMMANDS = (
    "segment",
    "matte",
    "composite",
    "cutout",
    "batch",
    "benchmark",
    "evaluate",
    "make-compositing-set",
    "make-plate-set",
    "train",
    "build-training-set",
)
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The subcommand parser (the GUI form ``main.py [FG BG]`` is parsed by ``build_gui_parser``)."""
    parser = argparse.ArgumentParser(prog="main.py", description="Cut out a subject and composite it.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_segment(commands)
    _add_matte(commands)
    _add_composite(commands)
    _add_cutout(commands)
    _add_batch(commands)
    add_evaluate(commands)
    add_make_compositing_set(commands)
    add_make_plate_set(commands)
    add_build_training_set(commands)
    add_train(commands)
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Open the compositing window. Subcommands: "
        + ", ".join(SUBCOMMANDS)
        + " (see `main.py COMMAND --help`).",
    )
    parser.add_argument("foreground", nargs="?", help="foreground photo to open")
    parser.add_argument("background", nargs="?", help="background photo to open")
    parser.add_argument("--samples", action="store_true", help="open the built-in sample photos")
    parser.add_argument(
        "--screenshot",
        metavar="OUT",
        help="open FG and BG, cut out and composite, save a picture of the window to OUT and exit",
    )
    return parser


def _output(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("-o", "--output", required=True, help=help_text)
    parser.add_argument(
        "--bit-depth",
        type=int,
        choices=(8, 16),
        default=None,
        help="PNG/TIFF bit depth (default: the source photo's; the background's for a composite)",
    )
    _add_device(parser)
    add_reading_options(parser)


def _add_auto_choice(
    parser: argparse.ArgumentParser, flag: str, choices: tuple[str, ...], description: str
) -> None:
    """An option among ``choices`` whose default is ``auto``."""
    parser.add_argument(flag, choices=choices, default="auto", help=description)


def _add_device(parser: argparse.ArgumentParser) -> None:
    _add_auto_choice(
        parser,
        "--device",
        DEVICE_PREFERENCES,
        "where networks run: auto (CUDA, then MPS, then CPU; or $COMPOSITOR_DEVICE), cuda, mps or cpu",
    )


SEGMENTATION_HELP = (
    f"auto (the default): {SEGMENTATION_DESCRIPTIONS[AUTOMATIC_SEGMENTATION]} (EfficientNet-Lite0, trained "
    "on real photos) when its weights are installed, else saliency; network; network-grabcut: GrabCut "
    "seeded by the network; saliency: the classic saliency-seeded GrabCut; grabcut: GrabCut from --rect"
)


def _add_segmentation(parser: argparse.ArgumentParser, *, flag: str = "--segmentation") -> None:
    _add_auto_choice(parser, flag, SEGMENTATION_METHODS, SEGMENTATION_HELP)
    _add_second_opinion(parser)


def _add_second_opinion(parser: argparse.ArgumentParser) -> None:
    _add_auto_choice(
        parser,
        "--second-opinion",
        SECOND_OPINIONS,
        "a second network the segmentation network's probability is averaged with, its share following "
        "how well the two agree on the subject: auto (the default): U²-Net-p when its file is installed "
        "(scripts/setup.sh does; "
        "python -m engine.pretrained u2netp) and onnxruntime too; none; u2netp",
    )


def _add_trimap_from(parser: argparse.ArgumentParser) -> None:
    _add_auto_choice(
        parser,
        "--trimap-from",
        TRIMAP_METHODS,
        "where the automatic cut-out's trimap comes from: auto (the default): the learned trimap (the "
        "T-Net, given the photo and the selection's mask) when its weights are installed, else mask; mask: "
        "a band around the mask's edge; learned. A given --mask or a --rect box keeps the mask's band",
    )
    _add_transparency_hint(parser)


_MATTING_HELP = (
    "matting inside the trimap: auto (the default): the matting network when its weights are installed, "
    "else closed-form; closed-form, knn, bayesian or network"
)


def _add_matting(parser: argparse.ArgumentParser) -> None:
    _add_auto_choice(parser, "--matting", MATTING_METHODS, _MATTING_HELP)


def _add_transparency_hint(parser: argparse.ArgumentParser) -> None:
    _add_auto_choice(
        parser,
        "--transparency-hint",
        TRANSPARENCY_HINTS,
        "a portrait-matting network whose see-through pixels (hair, fur) near the subject join the learned "
        "trimap's unknown band, its alpha averaged with the matting method's there, and parts of the "
        "subject it and the second opinion see and the selection left out join the trimap: auto (the "
        "default): MODNet when its file is installed (scripts/setup.sh does; python -m engine.pretrained "
        "modnet) and onnxruntime too; none; modnet",
    )


def _add_ignore_transparency(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ignore-transparency",
        action="store_true",
        help="cut the subject out anew even from a photo whose alpha channel is a cut-out already (by "
        "default its transparency is the cut-out, its colours decontaminated)",
    )


def _add_segment(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("segment", help="write the subject's segmentation mask")
    parser.add_argument("image")
    _output(parser, "mask file (single-channel PNG)")
    parser.add_argument(
        "--method",
        choices=(*SEGMENTATION_METHODS, "quickselect"),
        default="auto",
        help=f"{SEGMENTATION_HELP}; quickselect: Lazy Snapping from the scribbles",
    )
    _add_second_opinion(parser)
    parser.add_argument("--rect", help="GrabCut box X,Y,W,H in pixels")
    parser.add_argument(
        "--foreground-scribbles", help="quick-select: image whose non-zero pixels are subject"
    )
    parser.add_argument(
        "--background-scribbles", help="quick-select: image whose non-zero pixels are background"
    )
    parser.set_defaults(run=cli_actions.run_segment)


def _add_matte(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "matte",
        help="estimate the alpha matte from a trimap, a clean plate, or the photo alone",
        description="Estimate the subject's alpha matte. With --trimap: matting inside the trimap's unknown "
        "band (--method). With --clean-plate: the clean-plate matting network (Background Matting, "
        "Sengupta et al. 2020) from the photo and the plate; a --trimap given too replaces the "
        "segmentation hint and its known pixels are kept. With neither: the learned trimap (Semantic "
        "Human Matting, Chen et al. 2018) finds the unknown band, then --method mattes inside it.",
    )
    parser.add_argument("image")
    parser.add_argument(
        "--trimap",
        help="trimap: 0 background, 128 unknown, 255 foreground (optional: without it, the clean plate or "
        "the learned trimap tells the subject apart)",
    )
    parser.add_argument(
        "--clean-plate",
        metavar="PLATE",
        help="a second shot of the scene without the subject, from the same tripod position and with the "
        "same framing (read like the photo); needs the clean-plate matting network",
    )
    _output(parser, "alpha file (single-channel PNG)")
    parser.add_argument(
        "--method",
        choices=MATTING_METHODS,
        help=f"{_MATTING_HELP.replace('the trimap', 'the trimap, given or learned')}; not with --clean-plate",
    )
    _add_second_opinion(parser)  # the learned trimap's hint is the automatic selection's mask
    _add_transparency_hint(parser)
    parser.set_defaults(run=cli_actions.run_matte)


def _add_placement(parser: argparse.ArgumentParser) -> None:
    default = (
        " (default: centred, or on the background's edge where the photo's frame cuts the subject; "
        "same-size photos: in place)"
    )
    for name, edge in (("--x", "left"), ("--y", "top")):
        where = f"{edge} edge of the placed foreground on the background (px)"
        parser.add_argument(name, type=float, help=where + default)
    parser.add_argument("--scale", type=float, help="scale factor of the foreground")
    parser.add_argument("--rotate", type=float, default=0.0, help="rotation in degrees, counter-clockwise")
    parser.add_argument("--flip", action="store_true", help="mirror the foreground horizontally")


def _add_compositing(parser: argparse.ArgumentParser) -> None:
    """The compositing panel's settings (``app.model.compose.CompositingSettings``), as options."""
    parser.add_argument(
        "--decontaminate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="estimate the subject's true colours where it is semi-transparent, so the old background "
        "does not fringe the new one (default: on; +2.4 dB PSNR in the edge band on the dev compositing set)",
    )
    parser.add_argument(
        "--decontamination",
        type=float,
        metavar="AMOUNT",
        help="blend of the photo's colours (0) and the decontaminated ones (1) along the edge "
        "(default: 1, or 0 with --no-decontaminate)",
    )
    parser.add_argument(
        "--edge-shift", type=float, default=0.0, metavar="PX", help="move the alpha's edge out (> 0) or in"
    )
    parser.add_argument(
        "--smoothing", type=float, default=0.0, metavar="PX", help="Gaussian smoothing of the alpha (σ, px)"
    )
    parser.add_argument(
        "--feather", type=float, metavar="PX", help="feather radius for --method feather (default: automatic)"
    )


def _add_composite(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("composite", help="composite the foreground's subject onto a background")
    parser.add_argument("foreground")
    parser.add_argument("background")
    _output(parser, "composite file (.png, .jpg, .tif, .webp, .bmp)")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--mask", help="segmentation mask of the subject (skips automatic selection)")
    given.add_argument("--trimap", help="trimap of the subject (alpha is solved by matting)")
    given.add_argument("--alpha", help="alpha matte of the subject")
    parser.add_argument("--method", choices=(*COMPOSITING_METHODS, "fusion"), default="alpha")
    _add_segmentation(parser)
    _add_trimap_from(parser)
    _add_matting(parser)
    _add_ignore_transparency(parser)
    _add_compositing(parser)
    _add_quality(parser)
    add_export_options(parser)
    _add_placement(parser)
    parser.set_defaults(run=cli_actions.run_composite)


def _add_cutout(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("cutout", help="write the subject as an RGBA PNG")
    parser.add_argument("image")
    _output(parser, "RGBA file (.png, .tif, .webp)")
    _add_quality(parser)
    add_export_options(parser, jpeg=False)
    parser.add_argument("--rect", help="GrabCut box X,Y,W,H instead of automatic selection")
    _add_segmentation(parser)
    _add_trimap_from(parser)
    _add_matting(parser)
    _add_ignore_transparency(parser)
    parser.set_defaults(run=cli_actions.run_cutout)


def _add_quality(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quality", type=int, default=95, help="JPEG / WebP quality, 1–100 (default 95; 100: lossless WebP)"
    )


def _add_batch(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("batch", help="composite every photo of a folder onto one background")
    parser.add_argument("foreground_dir")
    parser.add_argument("background")
    parser.add_argument("-o", "--output", required=True, help="output folder (created if missing)")
    parser.add_argument("--method", choices=COMPOSITING_METHODS, default="alpha")
    _add_compositing(parser)
    _add_segmentation(parser)
    _add_trimap_from(parser)
    _add_ignore_transparency(parser)
    parser.add_argument("--format", choices=("png", "jpg", "tif", "webp"), default="png")
    _add_quality(parser)
    add_export_options(parser)
    parser.add_argument(
        "--output-inside-input",
        action="store_true",
        help="allow an output folder inside the photo folder (never the photo folder itself)",
    )
    _add_device(parser)
    add_reading_options(parser)
    parser.set_defaults(run=cli_actions.run_batch)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``main.py``; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "benchmark":
            from app.bench.benchmark import main as run_benchmark

            return run_benchmark(args[1:])
        if args and args[0] in SUBCOMMANDS:
            parsed = build_parser().parse_args(args)
            if args[0] in ("segment", "matte", "composite", "cutout", "batch"):
                stop_cleanly_on_signals()
            return int(parsed.run(parsed))
        gui_args = build_gui_parser().parse_args(args)
        if gui_args.screenshot:
            if not (gui_args.foreground and gui_args.background):
                raise InvalidInputError("--screenshot needs a foreground photo and a background photo")
            from app.gui.screenshot import take_screenshot

            return take_screenshot(gui_args.foreground, gui_args.background, gui_args.screenshot)
        from app.gui.gui import run_gui

        return run_gui(gui_args.foreground, gui_args.background, samples=gui_args.samples)
    except InvalidInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("error: not enough memory for this photo", file=sys.stderr)
        return 1
    except Exception as error:  # the last line of defence: one line, never a traceback
        if os.environ.get("COMPOSITOR_DEBUG"):
            raise
        print(
            f"error: unexpected failure ({type(error).__name__}: {error}); "
            "set COMPOSITOR_DEBUG=1 to see where",
            file=sys.stderr,
        )
        return 1
