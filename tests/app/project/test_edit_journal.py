"""The edit journal: records reach the file as they are appended; a torn or damaged tail, a barrier or a
record that does not fit the layers ends the replay; a resumed journal drops the torn tail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.model.layers import LayerEvent, LayerStack
from app.project.edit_journal import EditJournal, journal_path, journals_beside, read_journal
from app.project.recovery_journal import RecoveryJournals
from app.project.session import ProjectState

SHAPES = {"alpha": (20, 30), "foreground": (20, 30, 3)}


def _patch(seed: int, shape: tuple[int, ...] = (4, 5)) -> np.ndarray:
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def _journal(tmp_path: Path) -> EditJournal:
    journal = EditJournal(tmp_path / "recovery-3.journal", 3)
    journal.append("alpha", (slice(2, 6), slice(7, 12)), _patch(1))
    journal.append("foreground", (slice(0, 4), slice(0, 5)), _patch(2, (4, 5, 3)))
    return journal


def test_appended_patches_read_back_exactly(tmp_path: Path) -> None:
    _journal(tmp_path).close()  # nothing buffered: what append wrote is on disk
    contents = read_journal(tmp_path / "recovery-3.journal", SHAPES)
    assert contents is not None and contents.epoch == 3 and contents.complete
    assert [(p.name, p.region) for p in contents.patches] == [
        ("alpha", (slice(2, 6), slice(7, 12))),
        ("foreground", (slice(0, 4), slice(0, 5))),
    ]
    np.testing.assert_array_equal(contents.patches[1].values, _patch(2, (4, 5, 3)))


@pytest.mark.parametrize("cut", [1, 10, 60])
def test_a_torn_last_record_is_dropped_and_a_resumed_journal_goes_on_after_the_last_whole_one(
    cut: int, tmp_path: Path
) -> None:
    _journal(tmp_path).close()
    path = tmp_path / "recovery-3.journal"
    path.write_bytes(path.read_bytes()[:-cut])  # the kill came in the middle of the second append
    contents = read_journal(path, SHAPES)
    assert contents is not None and len(contents.patches) == 1 and not contents.complete
    resumed = EditJournal(path, 3, resume_at=contents.end)
    resumed.append("alpha", (slice(0, 4), slice(0, 5)), _patch(3))
    resumed.close()
    again = read_journal(path, SHAPES)
    assert again is not None and len(again.patches) == 2 and again.complete
    np.testing.assert_array_equal(again.patches[1].values, _patch(3))


def test_damage_a_barrier_or_a_patch_that_does_not_fit_ends_the_replay(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.barrier()
    journal.append("alpha", (slice(0, 4), slice(0, 5)), _patch(4))  # after a barrier: not recorded
    journal.close()
    path = tmp_path / "recovery-3.journal"
    contents = read_journal(path, SHAPES)
    assert contents is not None and len(contents.patches) == 2 and not contents.complete
    assert len(read_journal(path, {"alpha": (20, 30)}).patches) == 1  # type: ignore[union-attr]
    assert read_journal(path, {"alpha": (5, 5), "foreground": (20, 30, 3)}).patches == []  # type: ignore[union-attr]
    data = bytearray(path.read_bytes())
    data[60] ^= 0xFF  # inside the first patch's values: its CRC fails
    path.write_bytes(bytes(data))
    assert read_journal(path, SHAPES).patches == []  # type: ignore[union-attr]
    (tmp_path / "other.journal").write_bytes(b"not a journal")
    assert read_journal(tmp_path / "other.journal", SHAPES) is None


def test_journals_are_found_by_epoch(tmp_path: Path) -> None:
    snapshot = tmp_path / "recovery.zip"
    for epoch in (2, 10):
        EditJournal(journal_path(snapshot, epoch), epoch).close()
    (tmp_path / "recovery-x.journal").write_bytes(b"")
    assert journals_beside(snapshot) == {
        2: tmp_path / "recovery-2.journal",
        10: tmp_path / "recovery-10.journal",
    }


def _layers() -> LayerStack:
    layers = LayerStack()
    layers.set_image("alpha", np.zeros((20, 30), np.float32))
    return layers


def test_recovery_journals_follow_the_autosaves(tmp_path: Path) -> None:
    snapshot = tmp_path / "recovery.zip"
    layers = _layers()
    journals = RecoveryJournals(snapshot)
    layers.connect(lambda event: journals.record(event, layers))
    first = journals.start(layers)
    layers.set_region("alpha", (slice(1, 3), slice(1, 3)), np.ones((2, 2), np.float32))
    second = journals.start(layers)  # an autosave begins: both journals get the next edit
    layers.set_region("alpha", (slice(5, 7), slice(5, 7)), np.ones((2, 2), np.float32))
    layers.set_visible("alpha", False)  # not a change of pixels: recorded by the next snapshot only
    assert {
        e: len(read_journal(p, {"alpha": (20, 30)}).patches) for e, p in journals_beside(snapshot).items()
    } == {  # type: ignore[union-attr]
        first: 2,
        second: 1,
    }
    journals.landed(second)
    assert list(journals_beside(snapshot)) == [second]
    layers.set_image("alpha", np.zeros((20, 30), np.float32))  # replaced: a barrier
    layers.set_region("alpha", (slice(0, 1), slice(0, 1)), np.ones((1, 1), np.float32))
    contents = read_journal(journal_path(snapshot, second), {"alpha": (20, 30)})
    assert contents is not None and len(contents.patches) == 1 and not contents.complete
    journals.discard()
    assert journals_beside(snapshot) == {}


def test_replay_applies_the_snapshots_own_journal_and_removes_the_others(tmp_path: Path) -> None:
    snapshot = tmp_path / "recovery.zip"
    layers = _layers()
    journals = RecoveryJournals(snapshot)
    layers.connect(lambda event: journals.record(event, layers))
    epoch = journals.start(layers)
    layers.set_region("alpha", (slice(1, 3), slice(1, 3)), np.full((2, 2), 0.5, np.float32))
    journals.start(layers)  # the autosave that never landed
    layers.set_region("alpha", (slice(4, 5), slice(4, 5)), np.full((1, 1), 0.25, np.float32))
    state = ProjectState(layers={"alpha": np.zeros((20, 30), np.float32)}, journal_epoch=epoch)
    restarted = RecoveryJournals(snapshot)
    assert restarted.replay(state) == 2
    np.testing.assert_array_equal(state.layers["alpha"], layers.get("alpha"))
    assert list(journals_beside(snapshot)) == [epoch]


def test_an_event_for_a_stroke_records_the_strokes_box(tmp_path: Path) -> None:
    layers = _layers()
    journals = RecoveryJournals(tmp_path / "recovery.zip")
    epoch = journals.start(layers)
    image = layers.get("alpha")
    assert image is not None
    image[2:4, 3:6] = 0.75  # a brush painted in place, then says where
    journals.record(LayerEvent("changed", "alpha", 0, (slice(2, 4), slice(3, 6)), drawn=True), layers)
    contents = read_journal(journal_path(tmp_path / "recovery.zip", epoch), {"alpha": (20, 30)})
    assert contents is not None and contents.patches[0].region == (slice(2, 4), slice(3, 6))
    assert (contents.patches[0].values == 0.75).all()
