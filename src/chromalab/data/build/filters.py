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
