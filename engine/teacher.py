"""U²-Net-p (Qin et al., Pattern Recognition 2020; rembg's small model) as a teacher and a reference,
and MODNet (Ke et al., AAAI 2022) as a teacher of soft alpha for people.

The teacher is a training tool: its soft masks on unlabelled photos become extra targets (confident
pixels only), and ``main.py evaluate`` scores it beside the project's own methods. It is not shipped;
where its file is installed, U²-Net-p also gives the automatic selection a second opinion
(``engine.second_opinion``), and MODNet the learned trimap a transparency hint
(``engine.transparency_hint``). ``Teachers`` loads them once for the pipeline.
It runs with onnxruntime (imported lazily: only training and evaluation need it) on the ONNX file of
``engine.pretrained``, following rembg's contract: the photo resized to 320², divided by its maximum,
standardised with ImageNet's mean and deviation; the first of the seven side outputs, min-max
normalised and resized back to the photo's size.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import cv2
import numpy as np

from classic.checks import InvalidInputError, check_image
from classic.resize import resize_to
from engine.nets.efficientnet import IMAGENET_MEAN, IMAGENET_STD
from engine.pretrained import find_pretrained, pretrained_file

TEACHER_SIDE = 320
# Pixels the teacher is sure of: probability below the first or above the second value.
CONFIDENT = (0.1, 0.9)
TEACHERS = ("u2netp",)
# Portrait matting (MODNet, Ke et al. AAAI 2022): soft alpha of people, for the matting networks' data.
MATTING_TEACHERS = ("modnet",)
MATTING_TEACHER_SIDE = 512
# The matting teacher's long side at most: a panorama or a one-row photo brought to a short side of 512
# would otherwise ask for gigabytes (a 1 × 4000 photo: 2 048 000 × 512).
MATTING_TEACHER_LONG_SIDE = 4 * MATTING_TEACHER_SIDE


class _OnnxTeacher:
    """An onnxruntime CPU session of a model with one image input and a ``(1, 1, H, W)`` first output.

    ``accepts`` says whether the input's shape (a list, dimensions as ints or names) fits the contract,
    which ``expected`` states in the refusal.
    """

    def __init__(
        self, path: Path, threads: int | None, *, accepts: Callable[[list[Any]], bool], expected: str
    ) -> None:
        self._session = _session(path, threads)
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or not accepts(list(inputs[0].shape)):
            shapes = [tuple(i.shape) for i in inputs]
            raise InvalidInputError(f"{path}: expected one {expected} input, found {shapes}")
        self._input = inputs[0].name
        self.path = path

    def _plane(self, batch: np.ndarray) -> np.ndarray:
        """The first output's plane (H, W) for ``batch`` (1, 3, H, W) float32."""
        output = np.asarray(self._session.run(None, {self._input: batch})[0], np.float32)
        if output.ndim != 4 or output.shape[:2] != (1, 1):
            raise InvalidInputError(f"{self.path}: expected a (1, 1, H, W) first output, got {output.shape}")
        return output[0, 0]


class SaliencyTeacher(_OnnxTeacher):
    """A salient-object network in ONNX: ``soft_mask(image)`` → (H, W) float32 in [0, 1].

    ``path`` is an ONNX model with one input ``(1, 3, side, side)`` whose first output is ``(1, 1, side,
    side)`` saliency. ``threads`` limits onnxruntime's threads (None: its default).
    """

    def __init__(self, path: Path, *, side: int = TEACHER_SIDE, threads: int | None = None) -> None:
        super().__init__(
            path,
            threads,
            accepts=lambda shape: shape[1:] in ([3, side, side], ["3", side, side]),
            expected=f"(1, 3, {side}, {side})",
        )
        self.side = side

    def soft_mask(self, image: np.ndarray) -> np.ndarray:
        """The subject's saliency (H, W) float32 in [0, 1] for an RGB photo (H, W, 3) in [0, 1]."""
        check_image("image", image)
        small = resize_to(image, (self.side, self.side))
        small = small / max(float(small.max()), 1e-6)
        planes = (small - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32)
        output = self._plane(np.ascontiguousarray(planes.transpose(2, 0, 1)[None], np.float32))
        low, high = float(output.min()), float(output.max())
        saliency = (output - low) / (high - low) if high > low else np.zeros_like(output)
        height, width = image.shape[:2]
        full = cv2.resize(saliency, (width, height), interpolation=cv2.INTER_LINEAR)
        return np.clip(full, 0.0, 1.0).astype(np.float32)


class MattingTeacher(_OnnxTeacher):
    """A portrait-matting network in ONNX (MODNet's contract): ``soft_alpha(image)`` → (H, W) in [0, 1].

    ``path`` is an ONNX model with one input ``(N, 3, H, W)``, H and W multiples of 32, RGB scaled to
    [−1, 1], and one output ``(N, 1, H, W)``, the alpha. The photo is resized so that its short side is
    about ``side`` (MODNet's reference size, 512), its long side at most ``MATTING_TEACHER_LONG_SIDE``
    and each side a multiple of 32 (at least 32); the alpha is resized back.
    """

    def __init__(self, path: Path, *, side: int = MATTING_TEACHER_SIDE, threads: int | None = None) -> None:
        super().__init__(
            path,
            threads,
            accepts=lambda shape: len(shape) == 4 and shape[1] in (3, "3"),
            expected="(N, 3, H, W)",
        )
        self.side = side

    def soft_alpha(self, image: np.ndarray) -> np.ndarray:
        """The subject's alpha (H, W) float32 in [0, 1] for an RGB photo (H, W, 3) in [0, 1]."""
        check_image("image", image)
        height, width = image.shape[:2]
        scale = min(self.side / min(height, width), MATTING_TEACHER_LONG_SIDE / max(height, width))
        size = tuple(max(32, round(side * scale / 32) * 32) for side in (width, height))
        small = resize_to(image, (size[0], size[1]))
        alpha = self._plane(np.ascontiguousarray((small * 2.0 - 1.0).transpose(2, 0, 1)[None], np.float32))
        full = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
        return np.clip(full, 0.0, 1.0).astype(np.float32)


def load_matting_teacher(
    name: str = "modnet", *, install: bool = False, threads: int | None = None
) -> MattingTeacher:
    """The matting teacher ``name`` (one of ``MATTING_TEACHERS``) from ``engine.pretrained``'s file."""
    if name not in MATTING_TEACHERS:
        raise InvalidInputError(
            f"unknown matting teacher {name!r}; choose one of {', '.join(MATTING_TEACHERS)}"
        )
    return MattingTeacher(pretrained_file(name, install=install), threads=threads)


def _session(path: Path, threads: int | None) -> Any:
    """An onnxruntime CPU session of the model at ``path`` (``InvalidInputError`` when unusable)."""
    try:
        import onnxruntime
    except ImportError:
        raise InvalidInputError(
            "the teacher needs onnxruntime: pip install onnxruntime (a dependency of this project)"
        ) from None
    options = onnxruntime.SessionOptions()
    # Without memory patterns U²-Net-p's second run peaks at 350 MiB instead of 545 (and is no slower).
    options.enable_mem_pattern = False
    options.enable_cpu_mem_arena = False
    if threads is not None:
        options.intra_op_num_threads = threads
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own types for unreadable models
        raise InvalidInputError(f"{path} is not a usable ONNX model: {str(error)[:200]}") from None


def load_teacher(
    name: str = "u2netp", *, install: bool = False, threads: int | None = None
) -> SaliencyTeacher:
    """The teacher ``name`` (one of ``TEACHERS``) from ``engine.pretrained``'s file."""
    if name not in TEACHERS:
        raise InvalidInputError(f"unknown teacher {name!r}; choose one of {', '.join(TEACHERS)}")
    return SaliencyTeacher(pretrained_file(name, install=install), threads=threads)


def confident_target(soft: np.ndarray) -> np.ndarray:
    """A training target (H, W) from a teacher's soft mask: 0 or 1 where it is sure, 0.5 (ignored) else."""
    low, high = CONFIDENT
    return np.where(soft <= low, 0.0, np.where(soft >= high, 1.0, 0.5)).astype(np.float32)


def teacher_available(name: str) -> bool:
    """Whether the teacher ``name`` can run here: its file installed and onnxruntime importable."""
    return importlib.util.find_spec("onnxruntime") is not None and find_pretrained(name) is not None


TeacherT = TypeVar("TeacherT", SaliencyTeacher, MattingTeacher)


class Teachers(Generic[TeacherT]):
    """Teachers of one kind (``load``: a file to a teacher), loaded on first use and kept; thread-safe.

    ``available`` says whether one can run (looked up on every first ask, so tests can stub it)."""

    def __init__(self, load: Callable[[Path], TeacherT], available: Callable[[str], bool]) -> None:
        self._load: Callable[[Path], TeacherT] = load
        self._is_available = available
        self._lock = threading.Lock()
        self._loaded: dict[str, TeacherT] = {}
        self._available: dict[str, bool] = {}

    def available(self, name: str) -> bool:
        """``available(name)``, asked once (it reads the file's checksum)."""
        with self._lock:
            if name not in self._available:
                self._available[name] = self._is_available(name)
            return self._available[name]

    def get(self, name: str) -> TeacherT:
        """The teacher ``name``; ``InvalidInputError`` saying how to install it when it is missing."""
        with self._lock:
            if name not in self._loaded:
                # pretrained_file refuses a missing file with the install command, before onnxruntime
                self._loaded[name] = self._load(pretrained_file(name))
            return self._loaded[name]
