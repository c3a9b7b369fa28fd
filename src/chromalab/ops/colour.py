"""Post-processing of a colorized photo in Lab, without re-running the network.

``adjust_colour`` scales chroma (ab) while keeping L: ``saturation`` scales every pixel alike;
``vibrance`` boosts weak colours more than strong ones (and mutes weak ones more for negative values).
Chroma that would leave the sRGB gamut is shrunk back per pixel (``lab.lab_to_rgb_in_gamut``), so
lightness never changes.
"""

from __future__ import annotations

import numpy as np
import torch

from chromalab.core import lab, labnp

VIBRANCE_CHROMA = 60.0  # chroma (Lab units) at and above which vibrance no longer acts


def chroma_gain(chroma: torch.Tensor, saturation: float = 1.0, vibrance: float = 0.0) -> torch.Tensor:
    """Per-pixel factor for ab: ``saturation * (1 + vibrance * weakness)``, weakness = 1 - chroma / 60."""
    weakness = (1.0 - chroma / VIBRANCE_CHROMA).clamp(0.0, 1.0)
    return (saturation * (1.0 + vibrance * weakness)).clamp(min=0.0)


def adjust_colour(rgb: np.ndarray, saturation: float = 1.0, vibrance: float = 0.0) -> np.ndarray:
    """Saturation / vibrance of ``(H, W, 3)`` sRGB in [0, 1]; L kept, gamut guarded.

    Args:
        saturation: 0 = grey, 1 = unchanged, >1 = more colour.
        vibrance: in [-1, 1]; 0 = unchanged.
    Returns:
        ``(H, W, 3)`` float32 in [0, 1].
    """
    labnp.check_adjustment(saturation, vibrance)
    if saturation == 1.0 and vibrance == 0.0:
        return rgb.astype(np.float32, copy=False)
    lab_img = lab.rgb_to_lab(lab.image_to_tensor(rgb))
    L, ab = lab_img[:, :1], lab_img[:, 1:]
    ab = ab * chroma_gain(lab.chroma(ab), saturation, vibrance)
    return lab.tensor_to_image(lab.lab_to_rgb_in_gamut(L, ab))


def colourfulness(rgb: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Hasler–Süsstrunk colourfulness ``(B,)`` of sRGB ``(B, 3, H, W)`` in [0, 1], on the 0–255 scale.

    The differentiable twin of ``chromalab.evaluation.metrics.colourfulness`` (same formula; ``eps`` keeps the
    square roots' gradients finite on grey images), so a loss can ask for the truth's amount of colour."""
    x = rgb.float() * 255.0
    rg = x[:, 0] - x[:, 1]
    yb = 0.5 * (x[:, 0] + x[:, 1]) - x[:, 2]
    std = (rg.var((1, 2), unbiased=False) + yb.var((1, 2), unbiased=False) + eps).sqrt()
    mean = (rg.mean((1, 2)).pow(2) + yb.mean((1, 2)).pow(2) + eps).sqrt()
    return std + 0.3 * mean
