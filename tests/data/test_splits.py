"""Cross-validation folds of content hashes (leave-photos-out estimates)."""

import hashlib
from collections import Counter

import pytest

from chromalab.data.splits import fold_of, split_of


def digests(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def test_every_hash_has_one_fold_and_folds_are_balanced():
    ds = digests(2000)
    folds = Counter(fold_of(d, 5) for d in ds)
    assert set(folds) == set(range(5))
    assert all(300 < c < 500 for c in folds.values()), folds
    assert [fold_of(d, 5) for d in ds] == [fold_of(d, 5) for d in ds]  # a function of the hash alone


def test_folds_do_not_follow_the_split():
    """Each fold must hold train, val and test photos: a fold that were one split would estimate nothing new."""
    ds = digests(2000)
    for k in range(5):
        in_fold = Counter(split_of(d) for d in ds if fold_of(d, 5) == k)
        assert in_fold["train"] > 4 * in_fold["val"] > 0 and in_fold["test"] > 0, in_fold


def test_fewer_than_two_folds_raises():
    with pytest.raises(ValueError, match="at least 2"):
        fold_of(digests(1)[0], 1)


def test_held_out_is_the_splits_val_and_test_when_they_hold_enough():
    from chromalab.data.splits import held_out

    ds = digests(40)
    held, rule = held_out(ds)
    assert rule == "val+test" and held == {d for d in ds if split_of(d) != "train"}


def test_held_out_falls_back_to_a_hash_fold_for_a_folder_of_one_split():
    """A folder whose photos are all in the train split (a few dozen, or one split of a bigger set)."""
    from chromalab.data.splits import held_out

    ds = [d for d in digests(200) if split_of(d) == "train"][:30]
    held, rule = held_out(ds)
    assert rule.startswith("fold") and 2 <= len(held) < len(ds) and held <= set(ds)
    assert held_out(list(reversed(ds))) == (held, rule)  # a function of the set of hashes, not their order


def test_held_out_keeps_photos_to_train_on_and_holds_none_of_a_handful():
    from chromalab.data.splits import held_out

    for n in range(1, 12):
        for ds in (digests(n), [d for d in digests(300) if split_of(d) != "train"][:n]):
            held, rule = held_out(ds)
            assert len(set(ds) - held) >= 1, (n, rule)
            assert (rule == "none") == (not held)
    assert held_out(digests(3)) == (set(), "none")
