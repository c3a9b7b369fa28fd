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
