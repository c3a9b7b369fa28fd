"""An image-folder dataset: colour photos → (L, ab) training pairs.

Splits are decided by a hash of each file's *content*, so adding or renaming files never moves
existing photos between train, val and test.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from chromalab.core import lab
from chromalab.core.imageio import ImageError, iter_image_files, load_rgb
from chromalab.data.splits import file_hash, split_of

log = logging.getLogger(__name__)
SplitName = Literal["train", "val", "test", "all"]


def resize_short(rgb: np.ndarray, short: int) -> torch.Tensor:
    t = lab.image_to_tensor(rgb)
    h, w = t.shape[-2:]
    s = short / min(h, w)
    if s < 1:
        t = F.interpolate(t, size=(max(short, round(h * s)), max(short, round(w * s))), mode="area")
    return t[0]


@dataclass
class FolderIndex:
    """Which files of a folder belong to the split, and what was skipped."""

    files: list[Path] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    skipped_grey: list[Path] = field(default_factory=list)
    skipped_bad: list[str] = field(default_factory=list)

    def fingerprint(self) -> str:
        """Hash of the sorted content hashes: names the exact set of photos."""
        return hashlib.sha256("".join(sorted(self.hashes)).encode()).hexdigest()[:16]



def augment_rng() -> random.Random:
    """A crop/flip RNG drawn from torch's RNG, so that a seed (and Lightning's seeded workers) fixes the
    augmentation: ``random.Random()`` seeds itself from the OS and made two runs with one seed differ."""
    return random.Random(int(torch.randint(0, 2**62, (1,))))


class EpochSampler(torch.utils.data.Sampler[tuple[int, int]]):
    """A shuffle that depends only on ``(seed, epoch)``, yielding ``(index, key)`` pairs whose key seeds that
    item's augmentation (``ImageFolder`` accepts them). Lightning calls ``set_epoch`` before each epoch, so a
    resumed run draws the same order *and* crops for epoch N as an uninterrupted one, whatever the worker
    count: ``RandomSampler`` and ``random.Random()`` drew from global RNGs whose state at epoch N depends on
    everything that ran before (and on the OS, for ``random.Random()``)."""

    def __init__(self, n: int, seed: int = 0):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        key = self.seed * 1_000_003 + self.epoch
        order = torch.randperm(self.n, generator=torch.Generator().manual_seed(key)).tolist()
        return iter((i, key) for i in order)

class ImageFolder(Dataset):
    """Colour photos under ``root`` (recursive) as ``(l_norm (1,S,S), ab_norm (2,S,S))`` pairs.

    Training items are random crops (scale jitter) with horizontal flips; other splits are centre crops.
    Photos whose mean chroma is under ``lab.GREY_CHROMA`` are skipped and counted in ``index.skipped_grey``;
    unreadable files are counted in ``index.skipped_bad``. Decoded photos are cached in memory,
    downscaled so the shorter side is ``cache_short`` (default ``2 * size``). ``keep``: a test of the content
    hash that chooses the photos instead of ``split`` (which then only names them and sets ``augment``), e.g.
    a fine-tune's held-out photos (``data.splits.held_out``).
    """

    def __init__(self, root: str | os.PathLike, split: SplitName = "train", size: int = 128,
                 augment: bool | None = None, cache_short: int | None = None,
                 keep: Callable[[str], bool] | None = None):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"{self.root}: not a folder of photos")
        self.split = split
        self.size = size
        self.augment = (split == "train") if augment is None else augment
        self.cache_short = cache_short or 2 * size
        self.index = FolderIndex()
        self._cache: list[torch.Tensor] = []
        errors: list[str] = []
        for path in iter_image_files([self.root], errors):
            digest = file_hash(path)
            chosen = keep(digest) if keep is not None else split in ("all", split_of(digest))
            if not chosen:
                continue
            try:
                rgb = load_rgb(path)
            except ImageError as e:
                self.index.skipped_bad.append(str(e))
                continue
            if lab.is_grey_photo(rgb):
                self.index.skipped_grey.append(path)
                continue
            self.index.files.append(path)
            self.index.hashes.append(digest)
            self._cache.append(resize_short(rgb, self.cache_short))
        self.index.skipped_bad.extend(errors)
        log.info("%s [%s]: %d photos, %d grey skipped, %d unreadable", self.root, split, len(self.index.files),
                 len(self.index.skipped_grey), len(self.index.skipped_bad))

    def __len__(self) -> int:
        return len(self._cache)

    def photo(self, i: int) -> torch.Tensor:
        """The cached sRGB photo ``(3, H, W)`` in [0, 1]."""
        return self._cache[i]

    def _crop(self, img: torch.Tensor, rng: random.Random) -> torch.Tensor:
        s = self.size
        h, w = img.shape[-2:]
        if self.augment:
            # scale jitter: crop a square of side in [s, min(h, w)], then resize to s
            side = rng.randint(min(s, h, w), min(h, w))
            y, x = rng.randint(0, h - side), rng.randint(0, w - side)
        else:
            side = min(h, w)
            y, x = (h - side) // 2, (w - side) // 2
        crop = img[:, y:y + side, x:x + side][None]
        if side != s:
            crop = F.interpolate(crop, size=(s, s), mode="area" if side > s else "bilinear",
                                 align_corners=None if side > s else False)
        if self.augment and rng.random() < 0.5:
            crop = crop.flip(-1)
        return crop

    def __getitem__(self, i: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Item ``i``; ``(i, key)`` (from ``EpochSampler``) makes its augmentation a function of ``key`` and ``i``."""
        if isinstance(i, tuple):
            i, key = i
            rng = random.Random(key * 1_000_003 + i) if self.augment else random.Random(i)
        else:
            rng = augment_rng() if self.augment else random.Random(i)
        rgb = self._crop(self._cache[i], rng)
        l_norm, ab_norm = lab.rgb_to_network(rgb.clamp(0, 1))
        return l_norm[0], ab_norm[0]
