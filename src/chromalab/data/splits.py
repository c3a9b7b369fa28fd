"""Train / val / test splits decided by a hash of each file's *content* (80/10/10).

Adding or renaming files never moves existing photos between splits.
"""

from __future__ import annotations

import hashlib
import os

SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train, val, test


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def split_of(digest: str, fractions: tuple[float, float, float] = SPLIT_FRACTIONS) -> str:
    """Deterministic split of a content hash: its first 8 hex digits as a number in [0, 1)."""
    u = int(digest[:8], 16) / 0x1_0000_0000
    if u < fractions[0]:
        return "train"
    if u < fractions[0] + fractions[1]:
        return "val"
    return "test"


def fold_of(digest: str, folds: int) -> int:
    """Cross-validation fold (0 … folds − 1) of a content hash, for leave-photos-out estimates
    (``scripts/leave_photos_out.py``). It reads hex digits 8–16, so it is independent of ``split_of`` (digits
    0–8): every fold holds train, val and test photos in about the split's proportions."""
    if folds < 2:
        raise ValueError(f"folds must be at least 2; got {folds}")
    return int(digest[8:16], 16) % folds


HELD_OUT_MIN = 2  # fewer held-out photos than this in the split's val ∪ test: hold out a hash fold instead
HELD_OUT_FOLDS = 5  # the fallback holds out fold 0 of 5 (`fold_of`): about a fifth of the photos


def held_out(digests: list[str], min_held: int = HELD_OUT_MIN) -> tuple[set[str], str]:
    """Which photos (by content hash) a fine-tune keeps aside to stop early and to measure on, and the rule used.

    The split's val ∪ test (``split_of``, about a fifth), so a user's photos keep the split they have
    everywhere else. A few dozen photos can leave fewer than ``min_held`` there (or none, for a folder that
    is itself one split of a bigger set): then fold 0 of ``HELD_OUT_FOLDS`` (``fold_of``, an independent
    digit range of the same hash), if that leaves photos to train on both sides; with fewer than
    ``2 * min_held`` photos nothing is held out (the rule says ``"none"``)."""
    unique = sorted(set(digests))
    by_split = {d for d in unique if split_of(d) != "train"}
    if len(by_split) >= min_held and len(unique) - len(by_split) >= 1:
        return by_split, "val+test"
    if len(unique) >= 2 * min_held:
        by_fold = {d for d in unique if fold_of(d, HELD_OUT_FOLDS) == 0}
        if min_held <= len(by_fold) < len(unique):
            return by_fold, f"fold 0 of {HELD_OUT_FOLDS}"
        # a fold that came out too small or too big for so few photos: the first hashes in fold order
        ordered = sorted(unique, key=lambda d: (fold_of(d, HELD_OUT_FOLDS), d))
        return set(ordered[:max(min_held, len(unique) // HELD_OUT_FOLDS)]), f"fold order, {HELD_OUT_FOLDS} folds"
    return set(), "none"
