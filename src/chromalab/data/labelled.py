"""Labelled photos for training similarity (feature) networks as classifiers.

``DIR/<class>/**/*.jpg``: each sub-folder is a class. Photos are split by a hash of their content (the
80/10/10 rule of ``data.splits``; val and test both serve as validation here, so small folders still validate).
The L variant (``in_channels=1``) sees network L in [-1, 1]; the RGB variant sRGB mapped to [-1, 1].
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from chromalab.core import lab
from chromalab.core.imageio import ImageError, iter_image_files, load_rgb
from chromalab.data.folder import augment_rng, resize_short
from chromalab.data.splits import file_hash, split_of


def to_input(rgb: torch.Tensor, in_channels: int) -> torch.Tensor:
    """sRGB (B, 3, H, W) in [0, 1] → network input in [-1, 1]: L (B, 1, H, W) or RGB (B, 3, H, W)."""
    if in_channels == 1:
        return lab.normalize_l(lab.grey_l(rgb))
    return rgb * 2 - 1


class LabelledFolder(Dataset):
    """Photos under ``root/<class>/`` as (image (C, S, S) in [-1, 1], class index)."""

    def __init__(self, root: str | os.PathLike, splits: tuple[str, ...], size: int, in_channels: int,
                 augment: bool, classes: list[str] | None = None):
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: not a folder")
        self.classes = classes or sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if len(self.classes) < 2:
            raise ValueError(f"{root}: needs at least two sub-folders (one per class); found {len(self.classes)}")
        self.size, self.in_channels, self.augment = size, in_channels, augment
        self.items: list[tuple[torch.Tensor, int]] = []
        for label, name in enumerate(self.classes):
            for path in iter_image_files([root / name]):
                if split_of(file_hash(path)) not in splits:
                    continue
                try:
                    self.items.append((resize_short(load_rgb(path), int(size * 1.25)), label))
                except ImageError:
                    continue

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int | tuple[int, int]) -> tuple[torch.Tensor, int]:
        """Item ``i``; ``(i, key)`` (from ``data.folder.EpochSampler``) makes its augmentation a function of both."""
        key = None
        if isinstance(i, tuple):
            i, key = i
        img, label = self.items[i]
        s = self.size
        h, w = img.shape[-2:]
        if not self.augment:
            rng = random.Random(i)
        else:
            rng = random.Random(key * 1_000_003 + i) if key is not None else augment_rng()
        side = rng.randint(min(s, h, w), min(h, w)) if self.augment else min(h, w)
        y = rng.randint(0, h - side) if self.augment else (h - side) // 2
        x = rng.randint(0, w - side) if self.augment else (w - side) // 2
        crop = F.interpolate(img[None, :, y:y + side, x:x + side], size=(s, s), mode="bilinear", align_corners=False)
        if self.augment and rng.random() < 0.5:
            crop = crop.flip(-1)
        return to_input(crop.clamp(0, 1), self.in_channels)[0], label
