"""The document: a foreground photo, a background photo and everything made from them.

Plain Python over ``LayerStack``, the model the editor's panels and canvas are views of. It keeps the
layers consistent: a new foreground drops its cut-out and the composite, a new background drops the
composite, and every new result becomes visible so the canvas (which shows the topmost visible layer)
shows it. The foreground may have a clean plate, a shot of its scene without the subject taken from the
same tripod (the ``clean plate`` layer, for clean-plate matting): it belongs to that photo, so a new
foreground drops it. It owns the compositing settings with the placement (``compositing``, one value
whose changes its listeners hear): a new photo gets a fresh fitted placement. ``shown_cutout`` is the one
cut-out the preview, Composite and Export compose: the one the layers show, brush strokes included. It
holds the view state too: the view mode (``app.model.views.VIEW_MODES``) and the active layer (the one
selected in the layer panel, which the mask views show and a brush paints), told to the view listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.model.compositing_settings import CompositingSettings
from app.model.files import suggested_export_path
from app.model.layers import LayerStack
from app.model.views import LAYERS, VIEW_MODES
from classic.checks import InvalidInputError
from classic.placement import Placement, default_placement
from classic.plate_alignment import check_plate_framing

if TYPE_CHECKING:
    from app.model.export_options import PhotoOrigin
    from classic.pipeline import Cutout


@dataclass(frozen=True)
class CompositeResult:
    """The cut-out the composite was made from (new or reused) and the composite itself."""

    cutout: Cutout
    image: np.ndarray


# Told every new compositing value, and whether it is an edit of the user's (False: a new photo's fitted
# placement, a project's settings being restored).
CompositingListener = Callable[[CompositingSettings, bool], None]

CUTOUT_LAYERS = ("segmentation mask", "refined mask", "trimap", "alpha")
PHOTO_ROLES = ("foreground", "background")
PLATE = "clean plate"
SOURCE_ROLES = (*PHOTO_ROLES, PLATE)  # Every image opened from a file: its name and path are kept.


class Document:
    """Layers plus what they came from: file names and paths, the cut-out, the background's bit depth."""

    def __init__(self) -> None:
        self.layers = LayerStack()
        self.cutout: Cutout | None = None
        self.background_bit_depth = 8
        self.foreground_bit_depth = 8
        self.plate_bit_depth = 8
        # Each photo's colour profile and EXIF/XMP, for exports: the composite takes the background's,
        # the cut-out the foreground's.
        self.origins: dict[str, PhotoOrigin] = {}
        self._names: dict[str, str] = {}
        self._paths: dict[str, str] = {}
        self.compositing = CompositingSettings()
        self._compositing_listeners: list[CompositingListener] = []
        self._changing = 0  # Depth of ``change()``: one change of the document, several layer events.
        self._change_listeners: list[Callable[[], None]] = []
        self.view_mode = LAYERS
        self._active_layer: str | None = None
        self._view_listeners: list[Callable[[], None]] = []

    @contextmanager
    def change(self) -> Iterator[None]:
        """One change of the document made of several layer events (a new cut-out replaces three
        layers): listeners may wait for its end (``connect_change_end``) to redraw once."""
        self._changing += 1
        try:
            yield
        finally:
            self._changing -= 1
            if not self._changing:
                for listener in list(self._change_listeners):
                    listener()

    @property
    def changing(self) -> bool:
        """Inside ``change()``: more layer events of the same change are coming."""
        return self._changing > 0

    def connect_change_end(self, listener: Callable[[], None]) -> None:
        self._change_listeners.append(listener)

    @property
    def active_layer(self) -> str | None:
        """The layer selected in the layer panel, while it is there (None: none selected)."""
        return self._active_layer if self._active_layer in self.layers else None

    def connect_view(self, listener: Callable[[], None]) -> None:
        self._view_listeners.append(listener)

    def set_view_mode(self, mode: str) -> None:
        """Show the document in view ``mode`` (one of ``VIEW_MODES``)."""
        if mode not in VIEW_MODES:
            raise InvalidInputError(f"unknown view {mode!r}; choose one of {', '.join(VIEW_MODES)}")
        if mode != self.view_mode:
            self.view_mode = mode
            self._view_changed()

    def set_active_layer(self, name: str | None) -> None:
        """Select layer ``name`` (None: none); it must be present."""
        if name is not None and name not in self.layers:
            raise InvalidInputError(f"there is no {name} layer to select")
        if name != self.active_layer:
            self._active_layer = name
            self._view_changed()

    def _view_changed(self) -> None:
        for listener in list(self._view_listeners):
            listener()

    def connect_compositing(self, listener: CompositingListener) -> None:
        self._compositing_listeners.append(listener)

    def set_compositing(self, settings: CompositingSettings, *, edit: bool = True) -> None:
        """Use ``settings`` (method, edge, feather, smoothing, decontamination, placement) from now on and
        tell the listeners when they differ; ``edit`` False: not the user's change (nothing to save)."""
        if settings == self.compositing:
            return
        self.compositing = settings
        for listener in list(self._compositing_listeners):
            listener(settings, edit)

    def current_placement(self) -> Placement | None:
        """The placement in use: the document's, or the fitted one (None without both photos)."""
        return self.compositing.placement or self.fitted_placement()

    def fitted_placement(self) -> Placement | None:
        """``default_placement`` of the open photos (None without both) and of the cut-out's subject, kept on
        a frame edge that cuts it. The cut-out's own alpha, not the layer's: a brush stroke along the
        frame never moves the subject."""
        photo, background = self.layers.get("foreground"), self.layers.get("background")
        if photo is None or background is None:
            return None
        cutout = self.cutout
        alpha = cutout.alpha if cutout is not None and cutout.alpha.shape == photo.shape[:2] else None
        return default_placement(photo.shape, background.shape, alpha)

    def composing_settings(self) -> CompositingSettings:
        """The settings a composite of the shown cut-out uses: the document's, with the fitted placement
        made explicit once there is a cut-out (a job would fit it to the brushed alpha it is given)."""
        if self.cutout is None or self.compositing.placement is not None:
            return self.compositing
        return replace(self.compositing, placement=self.current_placement())

    def set_method(self, method: str) -> None:
        self.set_compositing(replace(self.compositing, method=method))

    def shown_cutout(self) -> Cutout | None:
        """The cut-out with the mask and alpha the layers show (a brush may have painted on copies of the
        cut-out's)."""
        cutout = self.cutout
        if cutout is None:
            return None
        mask, alpha = self.layers.get("segmentation mask"), self.layers.get("alpha")
        if (
            alpha is None
            or mask is None
            or (alpha.shape, mask.shape) != (cutout.alpha.shape, cutout.mask.shape)
        ):
            return cutout
        return replace(cutout, mask=mask, alpha=alpha)

    def has(self, name: str) -> bool:
        return name in self.layers

    def set_foreground(
        self,
        image: np.ndarray,
        *,
        name: str = "foreground",
        path: str | None = None,
        bit_depth: int = 8,
        origin: PhotoOrigin | None = None,
    ) -> None:
        """Replace the foreground photo; its cut-out, its clean plate and the composite are dropped.
        ``bit_depth`` is the export's for what is cut out of it, ``origin`` its profile and metadata
        (None: sRGB, none)."""
        with self.change():
            self.foreground_bit_depth = bit_depth
            self._set_origin("foreground", origin)
            self.cutout = None
            self.layers.remove("composite", *CUTOUT_LAYERS)
            self.remove_clean_plate()
            self._fresh_placement()
            self._set_photo("foreground", image, name, path)

    def set_background(
        self,
        image: np.ndarray,
        *,
        name: str = "background",
        path: str | None = None,
        bit_depth: int = 8,
        origin: PhotoOrigin | None = None,
    ) -> None:
        """Replace the background photo; the composite is dropped. ``bit_depth`` is the export's,
        ``origin`` the photo's profile and metadata (None: sRGB, none)."""
        with self.change():
            self.layers.remove("composite")
            self.background_bit_depth = bit_depth
            self._set_origin("background", origin)
            self._fresh_placement()
            self._set_photo("background", image, name, path)

    @property
    def clean_plate(self) -> np.ndarray | None:
        """The foreground's clean plate (RGB, its own size: it is aligned when used), or None."""
        return self.layers.get(PLATE)

    def set_clean_plate(
        self,
        image: np.ndarray,
        *,
        name: str = PLATE,
        path: str | None = None,
        bit_depth: int = 8,
        origin: PhotoOrigin | None = None,
    ) -> None:
        """Give the foreground a clean plate (replacing one it had); the cut-out is kept, the next
        automatic one may use the plate. It lies under the foreground: tick the foreground off to see it.
        A plate of another aspect ratio than the foreground's is refused (``PlateAlignmentError``): it
        cannot be a shot of the same framing."""
        if "foreground" not in self.layers:
            raise InvalidInputError("a clean plate belongs to a foreground photo: open the foreground first")
        foreground = self.layers.get("foreground")
        assert foreground is not None
        check_plate_framing(foreground.shape, image.shape)
        with self.change():
            self.plate_bit_depth = bit_depth
            self._set_origin(PLATE, origin)
            self._set_photo(PLATE, image, name, path)

    def remove_clean_plate(self) -> None:
        """Drop the clean plate, if there is one."""
        with self.change():
            self.plate_bit_depth = 8
            self._set_origin(PLATE, None)
            self._names.pop(PLATE, None)
            self._paths.pop(PLATE, None)
            self.layers.remove(PLATE)

    def _fresh_placement(self) -> None:
        # A placement is made for one pair of photos: a new photo starts fitted (None: the default
        # placement of the photos shown), never at the old offsets and scale.
        self.set_compositing(replace(self.compositing, placement=None), edit=False)

    def set_cutout(self, cutout: Cutout) -> None:
        """Show a new cut-out of the foreground; a composite made from an older one is dropped."""
        with self.change():
            self.cutout = cutout
            self.layers.remove("composite")
            self._show("segmentation mask", cutout.mask)
            if cutout.trimap is not None:
                self._show("trimap", cutout.trimap)
            self._show("alpha", cutout.alpha)

    def set_composite(self, result: CompositeResult, *, new_cutout: bool = True) -> None:
        """Show a composite, and the cut-out it was made from when that is new (``new_cutout`` False: it
        was made from ``shown_cutout``, which the layers show already)."""
        with self.change():
            if new_cutout and result.cutout is not self.cutout:
                self.set_cutout(result.cutout)
            self._show("composite", result.image)

    def _set_origin(self, role: str, origin: PhotoOrigin | None) -> None:
        if origin is None:
            self.origins.pop(role, None)
        else:
            self.origins[role] = origin

    def origin_of(self, name: str) -> PhotoOrigin | None:
        """The photo an export of layer ``name`` comes from: the background for the background and the
        composite, the clean plate for itself, the foreground for the rest."""
        return self.origins.get(_source_of(name))

    def bit_depth_of(self, name: str) -> int:
        """The bit depth an export of layer ``name`` gets unless asked: its source photo's (the
        background's for the background and the composite, the plate's for itself, the foreground's for
        the rest)."""
        depths = {"background": self.background_bit_depth, PLATE: self.plate_bit_depth}
        return depths.get(_source_of(name), self.foreground_bit_depth)

    def title(self) -> str:
        """``foreground.jpg on background.jpg``, or whichever of the two is open ("" for none)."""
        return " on ".join(self._names[role] for role in PHOTO_ROLES if role in self.layers)

    def folder(self) -> str:
        """Folder of the opened photos, for file dialogs ("" when none came from a file)."""
        path = self._paths.get("foreground") or self._paths.get("background")
        return str(Path(path).parent) if path else ""

    def export_suggestion(self) -> str:
        return suggested_export_path(self._paths.get("foreground"), self._paths.get("background"))

    def photo_source(self, role: str) -> tuple[str | None, str | None]:
        """The shown name and the file path of the ``role`` image (one of ``SOURCE_ROLES``; None where
        unknown), for projects."""
        return self._names.get(role) if role in self.layers else None, self._paths.get(role)

    def _set_photo(self, role: str, image: np.ndarray, name: str, path: str | None) -> None:
        # Names first: listeners of the layer stack may ask for the title.
        self._names[role] = name
        if path is None:
            self._paths.pop(role, None)
        else:
            self._paths[role] = path
        self._show(role, image)

    def _show(self, name: str, image: np.ndarray) -> None:
        self.layers.set_image(name, image)
        self.layers.set_visible(name, True)


def _source_of(name: str) -> str:
    """The opened image layer ``name`` comes from (one of ``SOURCE_ROLES``)."""
    if name in ("background", "composite"):
        return "background"
    return PLATE if name == PLATE else "foreground"
