"""WebDataset-style tar shards of a built dataset, and a streaming dataset that reads them."""

from __future__ import annotations

import io
import json
import random
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info

from chromalab.core import lab
from chromalab.core.imageio import atomic_write_bytes


def write_shards(root: Path, rows: list[dict[str, Any]], per_shard: int) -> list[Path]:
    """``root/shards/<split>-NNNNN.tar`` holding ``<hash>.jpg`` + ``<hash>.json`` pairs, ``per_shard`` each."""
    written = []
    for split in ("train", "val", "test"):
        items = sorted((r for r in rows if r["split"] == split), key=lambda r: r["hash"])
        for n, start in enumerate(range(0, len(items), per_shard)):
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                for r in items[start:start + per_shard]:
                    for name, data in ((f"{r['hash'][:16]}.jpg", (root / r["file"]).read_bytes()),
                                       (f"{r['hash'][:16]}.json", json.dumps(r).encode())):
                        info = tarfile.TarInfo(name)
                        info.size = len(data)
                        tar.addfile(info, io.BytesIO(data))
            written.append(atomic_write_bytes(buf.getvalue(), root / "shards" / f"{split}-{n:05d}.tar"))
    return written


class ShardDataset(IterableDataset):
    """Streams ``(l_norm (1,S,S), ab_norm (2,S,S))`` random crops from the tar shards of one split."""

    def __init__(self, root: str | Path, split: str = "train", size: int = 128, shuffle: bool = True, seed: int = 0):
        self.shards = sorted(Path(root, "shards").glob(f"{split}-*.tar"))
        if not self.shards:
            raise FileNotFoundError(f"{root}: no {split} shards (build with --shards N)")
        self.size, self.shuffle, self.seed = size, shuffle, seed
        self.epoch = 0  # set before each epoch (training's ShardEpoch callback): new shard order and crops
        self._count: int | None = None

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        """Samples in the split (counted once from the tar headers)."""
        if self._count is None:
            self._count = 0
            for shard in self.shards:
                with tarfile.open(shard) as tar:
                    self._count += sum(1 for m in tar if m.name.endswith(".jpg"))
        return self._count

    def fingerprint(self) -> str:
        """A short hash of the shard files (names and sizes): which data a run was trained on."""
        import hashlib
        h = hashlib.sha256()
        for shard in self.shards:
            h.update(f"{shard.name}:{shard.stat().st_size};".encode())
        return h.hexdigest()[:16]

    def __iter__(self):
        # With DataLoader workers, every worker runs this loop: each keeps every n-th sample (the same shard
        # order in all of them, from the seed), so together they yield each sample exactly once.
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        key = self.seed * 1_000_003 + self.epoch if self.shuffle else self.seed
        rng = random.Random(key)
        shards = list(self.shards)
        if self.shuffle:
            rng.shuffle(shards)
        rng = random.Random(key * 1000 + worker)  # crops and flips differ per worker and per epoch
        n = -1
        for shard in shards:
            with tarfile.open(shard) as tar:
                for member in tar:
                    if not member.name.endswith(".jpg"):
                        continue
                    n += 1
                    if n % workers != worker:
                        continue
                    img = Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")
                    s = self.size
                    w, h = img.size
                    side = min(w, h)
                    x, y = rng.randint(0, w - side), rng.randint(0, h - side)
                    img = img.crop((x, y, x + side, y + side)).resize((s, s), Image.BILINEAR)
                    t = lab.image_to_tensor(np.asarray(img, dtype=np.float32) / 255.0)
                    if self.shuffle and rng.random() < 0.5:
                        t = torch.flip(t, dims=[-1])
                    l_norm, ab = lab.rgb_to_network(t)
                    yield l_norm[0], ab[0]
