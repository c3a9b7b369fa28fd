"""Pure image filters used by the builder: perceptual hash, colour variety, black/fade frames."""

from __future__ import annotations

import numpy as np
import torch

from chromalab.core import lab


def dhash(rgb: np.ndarray, size: int = 8) -> int:
    """Difference hash: grey image area-resized to ``(size, size + 1)``, one bit per horizontal neighbour pair.

    Near-duplicates (resized, recompressed, slightly edited) differ in few bits.
    """
    from PIL import Image

    grey = np.asarray(Image.fromarray(lab.to_uint8(rgb)).convert("L")
                      .resize((size + 1, size), Image.BOX), dtype=np.int16)
    bits = (grey[:, 1:] > grey[:, :-1]).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class DHashIndex:
    """Kept 64-bit dHashes, answering "is any within ``bits`` of this one?" without scanning them all in Python.

    Multi-index hashing: the hash is cut into ``bits + 1`` bands; two hashes within ``bits`` of each other agree
    exactly on at least one band (pigeonhole), so only hashes sharing a band value are compared (numpy XOR +
    popcount over those). With more than 7 bands the bands get too narrow to select anything and every kept
    hash is compared at once (still vectorised). The plain ``any(hamming(...))`` scan it replaces was O(N²) in
    Python: hours for 100k photos (``benchmarks/bench_dedup.py``).
    """

    def __init__(self, bits: int, hashes: list[int] | None = None):
        self.bits = bits
        self._arr = np.zeros(1024, dtype=np.uint64)
        self._n = 0
        n_bands = bits + 1
        self._bands: list[tuple[int, int]] = []  # (shift, mask) per band
        if n_bands <= 7:
            edges = np.linspace(0, 64, n_bands + 1).round().astype(int)
            self._bands = [(int(a), (1 << int(b - a)) - 1) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        self._buckets: list[dict[int, list[int]]] = [{} for _ in self._bands]
        for h in hashes or ():
            self.add(h)

    def __len__(self) -> int:
        return self._n

    def add(self, h: int) -> None:
        if self._n == len(self._arr):
            self._arr = np.concatenate([self._arr, np.zeros_like(self._arr)])
        self._arr[self._n] = h
        for (shift, mask), bucket in zip(self._bands, self._buckets, strict=True):
            bucket.setdefault((h >> shift) & mask, []).append(self._n)
        self._n += 1

    def near(self, h: int) -> bool:
        """True if a kept hash is within ``bits`` of ``h``."""
        if not self._bands:
            kept = self._arr[: self._n]
        else:
            idx = [i for (shift, mask), bucket in zip(self._bands, self._buckets, strict=True)
                   for i in bucket.get((h >> shift) & mask, ())]
            if not idx:
                return False
            kept = self._arr[np.asarray(idx)]
        return bool(kept.size) and int(np.bitwise_count(kept ^ np.uint64(h)).min()) <= self.bits


def colour_variety(rgb: np.ndarray) -> tuple[float, float]:
    """(mean chroma, hue variety) in Lab units on a ≤64-px thumbnail.

    Grey photos have mean chroma near 0. Sepia or single-tint photos can have plenty of chroma, but all
    their ab vectors lie along one direction from the origin; hue variety is the spread of ab *across*
    the mean direction, near 0 for them.
    """
    t = lab.image_to_tensor(rgb)
    scale = 64 / max(t.shape[-2:])
    if scale < 1:
        t = torch.nn.functional.interpolate(t, scale_factor=scale, mode="area")
    ab = lab.rgb_to_lab(t)[0, 1:].flatten(1)  # (2, N)
    mean = ab.mean(1)
    norm = float(mean.norm())
    across = torch.tensor([-mean[1], mean[0]]) / norm if norm > 1e-6 else torch.tensor([0.0, 1.0])
    variety = float((across @ ab).std()) if norm > 1e-6 else float(ab.std(1).norm())
    return float(lab.chroma(ab[None, :, :, None]).mean()), variety


def is_grey_or_sepia(rgb: np.ndarray, min_chroma: float = lab.GREY_CHROMA, min_variety: float = 0.6) -> bool:
    """Grey (mean chroma < 4) or a single tint such as sepia (hue variety < 0.6; real photos of one
    dominant hue, e.g. sunsets, measured ≥ 0.76 on the development photos)."""
    mean_chroma, variety = colour_variety(rgb)
    return mean_chroma < min_chroma or variety < min_variety


def is_black_or_flat(rgb: np.ndarray, min_mean: float = 0.06, min_std: float = 0.03) -> bool:
    """Black frames and fades (too dark on average or almost uniform)."""
    grey = rgb.mean(2)
    return float(grey.mean()) < min_mean or float(grey.std()) < min_std
