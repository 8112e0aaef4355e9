"""Finding training material in folders, the held-out split, decoding and the cache."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from classic.checks import InvalidInputError
from engine.training.sources import (
    ForegroundSource,
    SourceCache,
    extend_colours,
    find_sources,
    fit_rgba,
    load_foreground,
    split_pairs,
    split_sources,
)


def test_finds_foregrounds_and_backgrounds(training_folder: Path) -> None:
    # A picture without transparency in foregrounds/ is not a cut-out.
    cv2.imwrite(str(training_folder / "foregrounds" / "opaque.png"), np.zeros((8, 8, 3), np.uint8))
    sources = find_sources(training_folder)
    assert [f.name for f in sources.foregrounds] == ["fg0", "fg1", "fg2"]
    assert all(f.matte is None for f in sources.foregrounds)
    assert [p.name for p in sources.backgrounds] == ["bg0.jpg", "bg1.jpg"]
    assert sources.pairs == ()
    assert not sources.foregrounds_from_pairs


def test_a_duts_folder_gives_pairs_that_stand_in_for_foregrounds(pairs_folder: Path) -> None:
    sources = find_sources(pairs_folder)
    assert [p.name for p in sources.pairs] == ["p0", "p1", "p2"]
    assert sources.foregrounds_from_pairs
    assert [(f.image.name, f.matte.name if f.matte else None) for f in sources.foregrounds] == [
        ("p0.jpg", "p0.png"),
        ("p1.jpg", "p1.png"),
        ("p2.jpg", "p2.png"),
    ]
    assert sources.backgrounds == ()


def test_pairs_folder_beside_foregrounds(training_folder: Path, pairs_folder: Path) -> None:
    pairs_folder.rename(training_folder / "pairs")
    sources = find_sources(training_folder)
    assert len(sources.pairs) == 3 and len(sources.foregrounds) == 3
    assert not sources.foregrounds_from_pairs


@pytest.mark.parametrize("name", ["matting-dev", "segmentation-dev"])
def test_development_sets_are_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    (folder / "image").mkdir(parents=True)
    with pytest.raises(InvalidInputError, match="development evaluation set"):
        find_sources(folder)


def test_an_empty_folder_says_what_it_expected(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no training material"):
        find_sources(tmp_path)


def test_split_is_disjoint_complete_and_stable() -> None:
    names = [f"item{i}" for i in range(20)]
    train = split_sources(names, names, split="train", val_fraction=0.1)
    val = split_sources(names, names, split="val", val_fraction=0.1)
    assert len(val) == 2 and set(train).isdisjoint(val) and set(train) | set(val) == set(names)
    # Decided by name: the same items are held out when the list grows or is reordered.
    more = [*reversed(names), "item20"]
    assert set(val) <= set(split_sources(more, more, split="val", val_fraction=0.1))


def test_split_holds_out_one_of_a_few_and_none_of_one() -> None:
    names = ["a", "b", "c"]
    assert len(split_sources(names, names, split="val", val_fraction=0.1)) == 1
    assert split_sources(["a"], ["a"], split="val", val_fraction=0.5) == []
    assert split_sources(["a"], ["a"], split="train", val_fraction=0.5) == ["a"]


def test_extend_colours_fills_invisible_pixels_with_the_nearest_visible_colour() -> None:
    alpha = np.zeros((5, 7), np.float32)
    alpha[:, :2] = 1.0
    alpha[:, 5:] = 0.5
    colour = np.zeros((5, 7, 3), np.float32)
    colour[:, :2] = (1.0, 0.0, 0.0)
    colour[:, 5:] = (0.0, 0.0, 1.0)
    extended = extend_colours(colour, alpha)
    np.testing.assert_array_equal(extended[:, :3], np.broadcast_to((1.0, 0.0, 0.0), (5, 3, 3)))
    np.testing.assert_array_equal(extended[:, 4:], np.broadcast_to((0.0, 0.0, 1.0), (5, 3, 3)))


def test_fit_rgba_does_not_bleed_invisible_colour_into_the_edge() -> None:
    alpha = np.zeros((40, 40), np.float32)
    alpha[10:30, 10:30] = 1.0
    colour = np.zeros((40, 40, 3), np.float32)
    colour[..., 1] = 1.0  # invisible pixels are green
    colour[alpha > 0] = (1.0, 0.0, 0.0)
    small_colour, small_alpha = fit_rgba(colour, alpha, 15)
    assert small_alpha.shape == (15, 15)
    visible = small_alpha > 0.01
    assert small_colour[visible][:, 1].max() < 1e-3
    assert np.any((small_alpha > 0) & (small_alpha < 1))


def test_load_foreground_downscales_and_extends(training_folder: Path) -> None:
    source = ForegroundSource("fg0", training_folder / "foregrounds" / "fg0.png")
    colour, alpha = load_foreground(source, max_side=40)
    assert colour.shape == (40, 40, 3) and alpha.shape == (40, 40)
    assert colour.dtype == np.float32 and alpha.dtype == np.float32
    # The file's invisible pixels are white; extension replaces them with the subject's red.
    np.testing.assert_allclose(colour[0, 0], (0.9, 0.2, 0.1), atol=0.01)


def test_cache_keeps_8_bit_copies_and_evicts_the_oldest() -> None:
    cache = SourceCache(max_bytes=2 * 100)
    loads: list[str] = []

    def loader(key: str) -> tuple[np.ndarray, ...]:
        loads.append(key)
        return (np.full((10, 10), 0.5, np.float32),)

    first = cache.get("a", lambda: loader("a"))
    again = cache.get("a", lambda: loader("a"))
    np.testing.assert_array_equal(first[0], again[0])
    assert first[0].dtype == np.float32 and abs(float(first[0][0, 0]) - 0.5) < 1 / 255
    cache.get("b", lambda: loader("b"))
    cache.get("c", lambda: loader("c"))
    assert len(cache) == 2
    cache.get("a", lambda: loader("a"))
    assert loads == ["a", "b", "c", "a"]


def test_real_sets_under_pairs_are_found_with_their_groups(real_folder: Path) -> None:
    pairs = find_sources(real_folder).pairs
    assert len(pairs) == 6 + 9 + 2
    by_name = {pair.name: pair for pair in pairs}
    assert by_name["objects/obj3"].group == "objects/obj3" and by_name["objects/obj3"].collection == "objects"
    # Video frames are grouped by sequence, the text before the last underscore.
    assert by_name["video/boat_00005"].group == "video/boat"
    assert by_name["unlabelled-people/u1"].confident_only
    assert not by_name["objects/obj0"].confident_only


def test_validation_holds_out_whole_sequences_from_every_set(real_folder: Path) -> None:
    pairs = find_sources(real_folder).pairs
    val = split_pairs(pairs, split="val", val_fraction=0.2)
    train = split_pairs(pairs, split="train", val_fraction=0.2)
    assert set(val).isdisjoint(train) and len(val) + len(train) == len(pairs)
    # Every set gives its share: 2 of 6 photos, one whole sequence of 3 frames, 1 of the 2 teacher photos.
    assert (
        sorted(pair.collection for pair in val) == ["objects", "objects", "unlabelled-people"] + ["video"] * 3
    )
    held_sequences = {pair.group for pair in val if pair.collection == "video"}
    assert len(held_sequences) == 1
    assert not any(pair.group in held_sequences for pair in train)


def test_split_sources_keeps_a_group_together() -> None:
    names = ["a", "a", "b", "c", "c", "c"]
    items = list(range(6))
    val = split_sources(items, names, split="val", val_fraction=0.3)
    train = split_sources(items, names, split="train", val_fraction=0.3)
    assert sorted(val + train) == items
    assert {names[i] for i in val}.isdisjoint({names[i] for i in train})
