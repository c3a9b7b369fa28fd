"""Training a similarity (feature) network as a classifier on a folder of labelled photos.

``DIR/<class>/**/*.jpg``: each sub-folder is a class. Photos are split by a hash of their content (the
foundation's 80/10/10 rule; val and test both serve as validation here, so small folders still validate).
The L variant (``in_channels=1``) sees network L in [-1, 1]; the RGB variant sRGB mapped to [-1, 1].
The run folder holds ``config.json`` (model config with the class count, the class names, history,
best validation accuracy) and ``model.safetensors`` (weights of the best validation epoch).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from chromalab.core import lab, rundir
from chromalab.core.imageio import ImageError, iter_image_files, load_rgb
from chromalab.data.folder import augment_rng, resize_short
from chromalab.data.splits import file_hash, split_of
from chromalab.models.io import save_model
from chromalab.models.registry import apply_overrides, config_to_dict, get_config

log = logging.getLogger(__name__)


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

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        img, label = self.items[i]
        s = self.size
        h, w = img.shape[-2:]
        rng = augment_rng() if self.augment else random.Random(i)
        side = rng.randint(min(s, h, w), min(h, w)) if self.augment else min(h, w)
        y = rng.randint(0, h - side) if self.augment else (h - side) // 2
        x = rng.randint(0, w - side) if self.augment else (w - side) // 2
        crop = F.interpolate(img[None, :, y:y + side, x:x + side], size=(s, s), mode="bilinear", align_corners=False)
        if self.augment and rng.random() < 0.5:
            crop = crop.flip(-1)
        return to_input(crop.clamp(0, 1), self.in_channels)[0], label


@torch.no_grad()
def accuracy(model: torch.nn.Module, loader: DataLoader) -> float:
    model.eval()
    right = total = 0
    for x, y in loader:
        right += int((model(x).argmax(1) == y).sum())
        total += len(y)
    return right / max(1, total)


def train_similarity(variant: str, data: str | os.PathLike, out: str | os.PathLike, *, size: int = 96,
                     batch: int = 16, epochs: int = 10, lr: float = 1e-3, seed: int = 0,
                     overrides: dict[str, Any] | None = None, max_minutes: float | None = None,
                     progress: bool = True) -> dict[str, Any]:
    """Train ``variant`` (a ``similarity`` family config) to classify the sub-folders of ``data``.

    Returns ``{"val_accuracy": best, "history": [...], "classes": [...]}``; writes the run into ``out``.
    """
    out = Path(out)
    if (out / rundir.WEIGHTS).exists():
        raise FileExistsError(f"{out}: already holds a trained model; pick another --out")
    config = apply_overrides(get_config(variant), overrides or {})
    if config.family != "similarity" or not hasattr(config, "num_classes"):
        raise ValueError(f"{variant!r} is not a trainable similarity network (use similarity-resnet34-l or -rgb)")
    torch.manual_seed(seed)
    random.seed(seed)
    train_set = LabelledFolder(data, ("train",), size, config.in_channels, augment=True)
    val_set = LabelledFolder(data, ("val", "test"), size, config.in_channels, augment=False,
                             classes=train_set.classes)
    if len(train_set) == 0 or len(val_set) == 0:
        raise ValueError(f"{data}: too few photos to have both a train and a validation split")
    config = dataclasses.replace(config, num_classes=len(train_set.classes))
    model = config.build()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=1e-4)
    loader = DataLoader(train_set, batch_size=min(batch, len(train_set)), shuffle=True, drop_last=True)
    val_loader = DataLoader(val_set, batch_size=batch)
    history: list[dict[str, float]] = []
    best, t0 = -1.0, time.time()
    meta = {"variant": variant, "classes": train_set.classes,
            "training": {"data": str(Path(data).resolve()), "size": size, "batch": batch, "lr": lr, "seed": seed,
                         "train_images": len(train_set), "val_images": len(val_set)}}
    for epoch in range(epochs):
        model.train()
        losses = []
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        acc = accuracy(model, val_loader)
        history.append({"epoch": epoch, "train_loss": sum(losses) / max(1, len(losses)), "val_accuracy": acc,
                        "wall_seconds": round(time.time() - t0, 2)})
        log.info("epoch %d: train loss %.4f, val accuracy %.3f", epoch, history[-1]["train_loss"], acc)
        if acc > best:
            best = acc
            meta["training"].update(best_epoch=epoch, val_accuracy=acc)
            save_model(model, config, out, extra={**meta, "history": history})
        if max_minutes and time.time() - t0 > max_minutes * 60:
            break
    meta["training"].update(epochs_done=len(history), wall_seconds=round(time.time() - t0, 2))
    from chromalab.core.jsonio import read_json, write_json
    saved = read_json(out / rundir.CONFIG)
    saved.update(history=history, training={**saved["training"], **meta["training"]})
    write_json(saved, out / rundir.CONFIG)
    return {"val_accuracy": best, "history": history, "classes": train_set.classes,
            "model": config_to_dict(config)}
