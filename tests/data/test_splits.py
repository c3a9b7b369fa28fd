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
