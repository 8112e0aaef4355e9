"""Training datasets on a tiny synthetic folder: item layout, determinism, the split, the stage-1 path."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from classic.checks import InvalidInputError
from classic.matting import estimate_alpha
from engine.registry import create_model
from engine.training.datasets import KINDS, build_dataset

CROP = 64
CHANNELS = {
    "segmentation": {"image": 3, "mask": 1, "weight": 1},
    "refinement": {"image": 3, "mask": 1, "weight": 1, "coarse": 1},
    "matting": {"image": 3, "trimap": 1, "alpha": 1, "foreground": 3, "background": 3},
    "fusion": {"input": 7, "photo": 3, "target": 3, "alpha": 1, "foreground": 3},
    "plate-matting": {
        "image": 3,
        "plate": 3,
        "segmentation": 1,
        "alpha": 1,
        "trimap": 1,
        "foreground": 3,
        "background": 3,
    },
    "trimap": {"image": 3, "trimap": 1, "weight": 1, "segmentation": 1},
    "trimap-end-to-end": {
        "image": 3,
        "trimap": 1,
        "weight": 1,
        "segmentation": 1,
        "alpha": 1,
        "foreground": 3,
        "background": 3,
    },
}


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_items_have_the_contract_layout(training_folder: Path, kind: str) -> None:
    dataset = build_dataset(kind, training_folder, crop=CROP, hard_alpha_fraction=0.5)
    assert len(dataset) == 2 * 4  # two training foregrounds (one held out) × 4 backgrounds each
    for index in range(3):
        item = dataset[index]
        assert {name: tensor.shape[0] for name, tensor in item.items()} == CHANNELS[kind]
        for name, tensor in item.items():
            assert tensor.dtype == torch.float32 and tensor.shape[1:] == (CROP, CROP), name
            assert float(tensor.min()) >= 0.0 and float(tensor.max()) <= 1.0, name


def test_masks_are_binary_and_match_the_image(training_folder: Path) -> None:
    dataset = build_dataset("refinement", training_folder, crop=CROP)
    for index in range(len(dataset)):
        item = dataset[index]
        assert set(torch.unique(item["mask"]).tolist()) <= {0.0, 1.0}
        assert 0 < float(item["mask"].mean()) < 1
        assert not torch.equal(item["coarse"], item["mask"]) or index > 0


def test_matting_trimap_and_composite(training_folder: Path) -> None:
    dataset = build_dataset("matting", training_folder, crop=CROP, hard_alpha_fraction=1.0)
    for index in range(len(dataset)):
        item = dataset[index]
        alpha, trimap = item["alpha"], item["trimap"]
        assert set(torch.unique(trimap).tolist()) <= {0.0, 0.5, 1.0}
        fractional = (alpha > 0) & (alpha < 1)
        assert fractional.any()
        assert bool(torch.all(trimap[fractional] == 0.5))
        composite = alpha * item["foreground"] + (1 - alpha) * item["background"]
        torch.testing.assert_close(item["image"], composite, rtol=0, atol=1e-5)


def test_camouflaged_plate_items_stay_composites_of_their_background(training_folder: Path) -> None:
    plain = build_dataset("plate-matting", training_folder, crop=CROP)
    plain_items = [plain[index] for index in range(len(plain))]
    dataset = build_dataset("plate-matting", training_folder, crop=CROP, camouflage=1.0)
    for index in range(len(dataset)):
        item = dataset[index]
        # The same subject on the same background (drawn before the recolouring), now in its colours.
        subject = item["foreground"][:, item["alpha"][0] >= 0.5].mean(1)
        before = float((plain_items[index]["background"].mean((1, 2)) - subject).abs().max())
        after = float((item["background"].mean((1, 2)) - subject).abs().max())
        assert after < 0.5 * before
        alpha, background = item["alpha"], item["background"]
        composite = alpha * item["foreground"] + (1 - alpha) * background
        torch.testing.assert_close(item["image"], composite, rtol=0, atol=0.1)  # the image has noise
        # The plate is the recoloured background, perturbed: close to it, not to the original colours.
        assert float((item["plate"] - background).abs().mean()) < 0.1


def test_matting_items_can_carry_closed_form_mattings_alpha_as_a_hint(training_folder: Path) -> None:
    plain = build_dataset("matting", training_folder, crop=CROP)
    hinted = build_dataset("matting", training_folder, crop=CROP, closed_form_hint=True)
    for index in range(2):
        item = hinted[index]
        assert_same({k: v for k, v in item.items() if k != "closed_form"}, plain[index])
        image, trimap = item["image"].permute(1, 2, 0).numpy(), item["trimap"][0].numpy()
        expected = torch.from_numpy(estimate_alpha(image, trimap))
        torch.testing.assert_close(item["closed_form"][0], expected, rtol=0, atol=1e-6)
        unknown = item["trimap"] == 0.5
        assert not torch.equal(item["closed_form"][unknown], item["alpha"][unknown])  # a hint, not the truth
    with pytest.raises(InvalidInputError, match="matting training only"):
        build_dataset("fusion", training_folder, closed_form_hint=True)


def test_fusion_target_is_the_subject_on_the_new_background(training_folder: Path) -> None:
    dataset = build_dataset("fusion", training_folder, crop=CROP)
    for index in range(len(dataset)):
        item = dataset[index]
        alpha, new = item["alpha"], item["input"][4:]
        torch.testing.assert_close(
            item["target"], alpha * item["foreground"] + (1 - alpha) * new, rtol=0, atol=1e-5
        )
        # The photo shows the subject on another background than the target's.
        outside = (alpha == 0).expand(3, -1, -1)
        assert not torch.allclose(item["input"][:3][outside], new[outside])


def test_fusion_on_real_photos_keeps_their_own_old_background(pairs_folder: Path) -> None:
    # Photos with mattes are real subjects: the photo itself is the input, its colours estimated for the
    # target, the old background the one the photo was taken on.
    dataset = build_dataset("fusion", pairs_folder, crop=CROP, val_fraction=0.0, seed=1)
    for index in range(len(dataset)):
        item = dataset[index]
        alpha, new = item["alpha"], item["input"][4:]
        assert item["photo"].shape == (3, CROP, CROP)
        torch.testing.assert_close(
            item["target"], alpha * item["foreground"] + (1 - alpha) * new, rtol=0, atol=1e-5
        )
        # The photo is the subject on its real ground: it recomposes from F, α and that ground.
        outside = (alpha == 0).expand(3, -1, -1)
        assert not torch.allclose(item["photo"][outside], new[outside])
        inside = (alpha == 1).expand(3, -1, -1)
        torch.testing.assert_close(item["photo"][inside], item["foreground"][inside], rtol=0, atol=2 / 255)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_items_new_epoch_new_items(training_folder: Path, kind: str) -> None:
    first = build_dataset(kind, training_folder, crop=CROP, seed=3)
    second = build_dataset(kind, training_folder, crop=CROP, seed=3)
    # Access order does not matter: each item has its own generator.
    for index in reversed(range(4)):
        assert_same(first[index], second[index])
    first.set_epoch(1)
    assert not torch.equal(first[0][next(iter(CHANNELS[kind]))], second[0][next(iter(CHANNELS[kind]))])
    second.set_epoch(1)
    assert_same(first[2], second[2])
    other_seed = build_dataset(kind, training_folder, crop=CROP, seed=4)
    assert not torch.equal(other_seed[0][next(iter(CHANNELS[kind]))], second[0][next(iter(CHANNELS[kind]))])


def test_validation_items_ignore_the_epoch(training_folder: Path) -> None:
    val = build_dataset("matting", training_folder, split="val", crop=CROP)
    before = val[1]
    val.set_epoch(5)
    assert_same(before, val[1])


def test_train_and_val_hold_disjoint_sources(training_folder: Path) -> None:
    train = build_dataset("matting", training_folder, split="train", crop=CROP)
    val = build_dataset("matting", training_folder, split="val", crop=CROP)
    train_fg = {f.name for f in train.materials.foregrounds}
    val_fg = {f.name for f in val.materials.foregrounds}
    assert train_fg.isdisjoint(val_fg) and train_fg | val_fg == {"fg0", "fg1", "fg2"}
    assert len(val_fg) == 1 and len(val) == 4
    train_bg = set(train.materials.backgrounds)
    val_bg = set(val.materials.backgrounds)
    assert train_bg.isdisjoint(val_bg) and len(train_bg | val_bg) == 2
    assert val.summary()["foregrounds"] == 1 and train.summary()["items"] == 8


def test_a_pickled_dataset_gives_the_same_items(training_folder: Path) -> None:
    dataset = build_dataset("fusion", training_folder, crop=CROP, seed=1)
    dataset.set_epoch(2)
    expected = dataset[3]
    clone = pickle.loads(pickle.dumps(dataset))
    assert len(clone.materials.cache) == 0  # a worker starts with its own, empty cache
    assert_same(expected, clone[3])


def test_batches_through_a_data_loader(training_folder: Path) -> None:
    dataset = build_dataset("matting", training_folder, crop=CROP)
    batch = next(iter(DataLoader(dataset, batch_size=4)))
    assert batch["image"].shape == (4, 3, CROP, CROP) and batch["trimap"].shape == (4, 1, CROP, CROP)


def test_pairs_only_folder_trains_every_kind(pairs_folder: Path) -> None:
    segmentation = build_dataset("segmentation", pairs_folder, crop=CROP)
    assert len(segmentation) == 2  # the pairs themselves: no compositions of borrowed foregrounds
    assert segmentation[0]["image"].shape == (3, CROP, CROP)
    # Matting borrows the pairs as foregrounds and, with no backgrounds/, draws procedural ones.
    matting = build_dataset("matting", pairs_folder, crop=CROP, backgrounds_per_foreground=2)
    assert len(matting) == 4
    item = matting[1]
    assert item["image"].shape == (3, CROP, CROP) and float(item["background"].std()) > 0


class _Grey(nn.Module):
    """A stand-in stage-1 network that paints everything mid-grey, so its composites are recognisable."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full_like(x[:, :3], 0.5)


def test_stage1_composites_become_the_foreground_photos(training_folder: Path) -> None:
    dataset = build_dataset("fusion", training_folder, crop=CROP, stage1=_Grey())
    photos = [dataset[index]["input"][:3] for index in range(len(dataset))]
    # A grey photo decontaminates to grey: those items came from stage 1.
    from_stage1 = [bool(torch.all((photo - 0.5).abs() < 1e-3)) for photo in photos]
    assert any(from_stage1) and not all(from_stage1)
    for index in range(len(dataset)):
        item = dataset[index]
        alpha = item["alpha"]
        torch.testing.assert_close(
            item["target"], alpha * item["foreground"] + (1 - alpha) * item["input"][4:], rtol=0, atol=1e-5
        )


def test_stage1_with_a_tiny_fusion_network(training_folder: Path) -> None:
    torch.manual_seed(0)
    stage1 = create_model(
        "fusion", widths=[4, 4, 4, 4, 4], depths=[1, 1, 1, 1, 1], decoder_widths=[4, 4, 4, 4, 4]
    )
    stage1.train()
    dataset = build_dataset("fusion", training_folder, crop=CROP, seed=2, stage1=stage1)
    items = [dataset[index] for index in range(2)]
    again = build_dataset("fusion", training_folder, crop=CROP, seed=2, stage1=stage1)
    for index, item in enumerate(items):
        assert item["input"].shape == (7, CROP, CROP)
        assert float(item["input"].min()) >= 0.0 and float(item["input"].max()) <= 1.0
        assert_same(item, again[index])
    assert stage1.training  # the dataset runs its own eval-mode copy, the caller's model is untouched
    # Loader workers get it pickled as bytes (tensors would each cost a file descriptor), unchanged.
    copied = pickle.loads(pickle.dumps(dataset))
    assert_same(copied[0], items[0])


def test_bad_arguments_are_refused(training_folder: Path) -> None:
    with pytest.raises(InvalidInputError, match="unknown training kind"):
        build_dataset("colourise", training_folder)
    with pytest.raises(InvalidInputError, match="multiple of 32"):
        build_dataset("matting", training_folder, crop=50)
    with pytest.raises(InvalidInputError, match="fusion training only"):
        build_dataset("matting", training_folder, stage1=_Grey())
    with pytest.raises(InvalidInputError, match="seed"):
        build_dataset("matting", training_folder, seed=-1)
    with pytest.raises(InvalidInputError, match="split"):
        build_dataset("matting", training_folder, split="test")
    with pytest.raises(InvalidInputError, match="camouflage share"):
        build_dataset("plate-matting", training_folder, camouflage=1.5)
    with pytest.raises(InvalidInputError, match="plate-matting training only"):
        build_dataset("matting", training_folder, camouflage=0.3)


def test_teacher_masks_weigh_only_their_confident_pixels(real_folder: Path) -> None:
    dataset = build_dataset("segmentation", real_folder, crop=CROP, val_fraction=0.0)
    names = [pair.name for pair in dataset.materials.pairs]
    teacher_items = [dataset[i] for i, name in enumerate(names) if name.startswith("unlabelled-")]
    hand_items = [dataset[i] for i, name in enumerate(names) if not name.startswith("unlabelled-")]
    assert len(teacher_items) == 2 and len(hand_items) == 15
    for item in teacher_items:
        weight = item["weight"]
        assert set(torch.unique(weight).tolist()) == {0.0, 1.0} and 0.02 < float(weight.mean()) < 0.98
    assert all(float(item["weight"].min()) == 1.0 for item in hand_items)
