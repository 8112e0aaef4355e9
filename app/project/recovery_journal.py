"""The autosave's journals: which are open, which a finished autosave makes obsolete, and recovery.

Journal ``e`` (``app.project.edit_journal``) starts when autosave ``e`` takes its snapshot. While that
snapshot is
being written, edits go to the new journal and to the previous one too, because until the new snapshot
is on disk the previous snapshot plus its journal is what a crash leaves. When snapshot ``e`` lands,
the journals before ``e`` go. At start, the snapshot's own journal is replayed onto it and kept open for
the edits that follow; any other journal is stale and removed. No Qt here.
"""

from __future__ import annotations

import contextlib
import weakref
from pathlib import Path

import numpy as np

from app.model.layers import LayerEvent, LayerStack
from app.project.edit_journal import EditJournal, journal_path, journals_beside, read_journal
from app.project.session import ProjectState


class RecoveryJournals:
    """The open journals beside the recovery snapshot ``snapshot`` (``recovery.zip``)."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = snapshot
        self._open: list[EditJournal] = []
        self._epoch = max(journals_beside(snapshot), default=0)
        self._images: dict[str, weakref.ref[np.ndarray]] = {}  # Each layer's image as last seen.

    def start(self, layers: LayerStack) -> int:
        """A new journal, for the snapshot of ``layers`` being taken now; returns its epoch."""
        self._images = {
            name: weakref.ref(image) for name in layers.names() if (image := layers.get(name)) is not None
        }
        self._epoch += 1
        self._open.append(EditJournal(journal_path(self.snapshot, self._epoch), self._epoch))
        return self._epoch

    def record(self, event: LayerEvent, layers: LayerStack) -> None:
        """Append an in-place edit to every open journal; a replaced, added or removed layer ends them (a
        barrier). A change of visibility only is not recorded (the snapshot that follows keeps it)."""
        if event.kind in ("inserting", "removing"):
            return
        image = layers.get(event.name)
        seen = self._images.get(event.name)
        replaced = image is None or seen is None or seen() is not image
        if image is None:
            self._images.pop(event.name, None)
        else:
            self._images[event.name] = weakref.ref(image)
        if not self._open:
            return
        window = None if event.region is None or image is None else _unit_window(event.region, image.shape)
        if event.kind != "changed" or (window is None and replaced):
            self.barrier()
            return
        if window is None or image is None:
            return
        values = np.array(image[window], np.float32)  # A copy: the next dab changes the image in place.
        for journal in self._open:
            journal.append(event.name, window, values)

    def barrier(self) -> None:
        """The document changed in a way no journal records: none of the open ones may grow further."""
        for journal in self._open:
            journal.barrier()

    def landed(self, epoch: int) -> None:
        """Snapshot ``epoch`` is on disk: the journals before it are obsolete."""
        for journal in [j for j in self._open if j.epoch < epoch]:
            journal.remove()
            self._open.remove(journal)
        for older, path in journals_beside(self.snapshot).items():
            if older < epoch:
                path.unlink(missing_ok=True)

    def discard(self) -> None:
        """No recovery is wanted any more (a clean close, a save): every journal goes."""
        with contextlib.suppress(OSError):  # One that cannot go is stale at the next start anyway.
            for journal in self._open:
                journal.remove()
            for path in journals_beside(self.snapshot).values():
                path.unlink(missing_ok=True)
        self._open.clear()

    def replay(self, state: ProjectState) -> int:
        """Apply the journal of the recovered snapshot ``state`` to its layers, keep that journal open for
        the edits to come, and remove every other journal. Returns the number of edits replayed."""
        found = journals_beside(self.snapshot)
        epoch = state.journal_epoch
        contents = None
        if epoch is not None and epoch in found:
            shapes = {name: image.shape for name, image in state.layers.items()}
            contents = read_journal(found[epoch], shapes)
        for other, path in found.items():
            if contents is None or other != epoch:
                path.unlink(missing_ok=True)
        if contents is None or epoch is None:
            return 0
        for patch in contents.patches:
            layer = state.layers[patch.name]
            if not layer.flags.writeable:
                state.layers[patch.name] = layer = layer.copy()
            layer[patch.region] = patch.values
        journal = EditJournal(found[epoch], epoch, resume_at=contents.end)
        if not contents.complete:  # A barrier or damage ended it: nothing more may be added.
            journal.barrier()
        self._open = [journal]
        self._epoch = max(self._epoch, epoch)
        return len(contents.patches)

    def follow(self, layers: LayerStack) -> None:
        """After a recovered state was put into ``layers``: the images to tell replaced layers by."""
        self._images = {
            name: weakref.ref(image) for name in layers.names() if (image := layers.get(name)) is not None
        }


def _unit_window(region: tuple[slice, slice], shape: tuple[int, ...]) -> tuple[slice, slice] | None:
    """``region`` with concrete bounds inside ``shape``; None when it is empty or has steps."""
    window = []
    for part, size in zip(region, shape[:2], strict=True):
        start, stop, step = part.indices(size)
        if step != 1 or stop <= start:
            return None
        window.append(slice(start, stop))
    return window[0], window[1]
