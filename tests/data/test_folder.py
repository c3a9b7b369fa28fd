import shutil

import numpy as np
from PIL import Image

from chromalab.data.folder import ImageFolder
from chromalab.data.splits import file_hash, split_of
from tests.conftest import synthetic_rgb


def test_items_are_l_and_ab_in_network_range(photo_dir):
    ds = ImageFolder(photo_dir, "all", size=32)
    l_norm, ab = ds[0]
    assert l_norm.shape == (1, 32, 32) and ab.shape == (2, 32, 32)
    assert l_norm.min() >= -1 and l_norm.max() <= 1 and ab.abs().max() <= 1


def test_grey_photos_are_skipped_and_counted(photo_dir):
    ds = ImageFolder(photo_dir, "all", size=32)
    assert [p.name for p in ds.index.skipped_grey] == ["grey_camera.png"]
    assert len(ds) == len(list(photo_dir.rglob("*.png"))) - 1


def test_splits_partition_the_folder(photo_dir):
    sets = {s: set(ImageFolder(photo_dir, s, size=16).index.files) for s in ("train", "val", "test")}
    assert not (sets["train"] & sets["val"]) and not (sets["train"] & sets["test"]) and not (sets["val"] & sets["test"])
    assert set().union(*sets.values()) == set(ImageFolder(photo_dir, "all", size=16).index.files)
    assert all(sets.values())


def test_adding_or_renaming_files_never_moves_old_ones(photo_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(photo_dir, copy)
    before = {file_hash(p): split_of(file_hash(p)) for p in copy.rglob("*.png")}
    for i in range(100, 120):
        Image.fromarray(synthetic_rgb(i)).save(copy / f"new_{i}.png")
    (copy / "coffee.png").rename(copy / "renamed.png")
    after = {file_hash(p): split_of(file_hash(p)) for p in copy.rglob("*.png")}
    assert all(after[h] == s for h, s in before.items())


def test_training_items_are_augmented_and_eval_items_fixed(photo_dir):
    train = ImageFolder(photo_dir, "all", size=32, augment=True)
    fixed = ImageFolder(photo_dir, "all", size=32, augment=False)
    assert np.array_equal(fixed[0][1].numpy(), fixed[0][1].numpy())
    assert any(not np.array_equal(train[0][1].numpy(), train[0][1].numpy()) for _ in range(5))
