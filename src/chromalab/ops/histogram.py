"""Colour-distribution comparison between frames: the CDC of TCVC (Liu et al. 2021) needs no flow and no truth."""

from __future__ import annotations

import torch


def channel_histograms(img: torch.Tensor, bins: int = 256) -> torch.Tensor:
    """Normalised per-channel histograms.

    Args:
        img: ``(C, H, W)`` float in [0, 1] (values outside are clamped).
        bins: number of equal bins over [0, 1].
    Returns:
        ``(C, bins)`` float64, each row sums to 1.
    """
    c = img.shape[0]
    idx = (img.reshape(c, -1).clamp(0, 1) * bins).long().clamp(max=bins - 1)
    hist = torch.zeros(c, bins, dtype=torch.float64)
    hist.scatter_add_(1, idx, torch.ones_like(idx, dtype=torch.float64))
    return hist / hist.sum(1, keepdim=True)


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Jensen–Shannon divergence (natural log, in [0, ln 2]) between distributions along the last axis.

    Args:
        p, q: ``(..., K)`` non-negative, each summing to 1 along the last axis.
    Returns:
        ``(...)``; empty bins contribute 0 (0 · log 0 = 0).
    """
    m = (p + q) / 2

    def kl(a: torch.Tensor) -> torch.Tensor:
        ratio = torch.where(a > 0, a / m.clamp_min(1e-300), torch.ones_like(a))
        return (a * ratio.log()).sum(-1)

    return (kl(p) + kl(q)) / 2
