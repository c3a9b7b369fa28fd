"""Quantized ab: the classification view of colour (Zhang, Isola & Efros 2016, "Colorful Image Colorization").

A colorizer may predict, per pixel, a distribution over Q bins of the ab plane instead of one ab value: an
uncertain pixel then keeps several bold candidates (red *or* green) rather than their grey average. The
functions here are pure tensor code, all in Lab units (ab about [-110, 110]):

- ``gamut_bins``: the centres of a square grid of spacing ``step`` whose ab is in the sRGB gamut for some
  L — computed from the colour space, never downloaded (spacing 10 gives ~260–320 bins);
- ``nearest_bin`` / ``soft_encode``: truth ab → bin index, or a soft target over the ``k`` nearest bins with
  Gaussian weights (σ in Lab units);
- ``smoothed_prior`` / ``rebalance_weights``: the training split's bin frequencies smoothed over the ab
  plane, and the class-rebalancing weights ``w ∝ ((1 − λ)·p̃ + λ/Q)^−1`` with ``E_p̃[w] = 1``;
- ``annealed_mean``: logits → ab, the mean of ``softmax(logits / T)`` over the bin centres; T → 0 is the
  mode (bold, may be patchy), T = 1 the mean (smooth, timid).
"""

from __future__ import annotations

import torch

from chromalab.core import lab
from chromalab.core.labnp import AB_BIN_TEMPERATURE

SIGMA = 5.0  # Gaussian σ (Lab units) of the soft encoding and of the prior's smoothing
NEIGHBOURS = 5  # bins of each truth pixel's soft target
DEFAULT_TEMPERATURE = AB_BIN_TEMPERATURE  # owned by core.labnp, so inference settings read it without torch


def _check_step(step: float, limit: float) -> int:
    """Number of grid nodes per axis for a grid of spacing ``step`` over [-limit, limit]."""
    if step <= 0 or limit <= 0:
        raise ValueError(f"step and limit must be > 0, got {step}, {limit}")
    n = round(2 * limit / step) + 1
    if abs((n - 1) * step - 2 * limit) > 1e-6 * limit:
        raise ValueError(f"2 × limit ({2 * limit:g}) must be a multiple of step ({step:g})")
    return n


def grid_nodes(step: float, limit: float = lab.AB_SCALE) -> torch.Tensor:
    """All nodes of the square ab grid: ``(G*G, 2)`` float32, row-major (a major), G = 2·limit/step + 1."""
    n = _check_step(step, limit)
    axis = torch.linspace(-limit, limit, n, dtype=torch.float64)
    a, b = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], 1).float()


def gamut_bins(step: float = 10.0, limit: float = lab.AB_SCALE, l_steps: int = 401) -> torch.Tensor:
    """Centres ``(Q, 2)`` float32 (Lab units) of the grid nodes whose ab is inside the sRGB gamut at some L
    in [0, 100] (tested on ``l_steps`` values of L). Deterministic; order: row-major over the grid."""
    nodes = grid_nodes(step, limit).double()
    L = torch.linspace(0.0, lab.L_MAX, l_steps, dtype=torch.float64)[:, None].expand(-1, len(nodes))
    a, b = nodes[:, 0].expand_as(L), nodes[:, 1].expand_as(L)
    rgb = lab.lab_to_linear(L, a, b)
    inside = ((rgb[0] >= 0) & (rgb[0] <= 1) & (rgb[1] >= 0) & (rgb[1] <= 1) & (rgb[2] >= 0) & (rgb[2] <= 1))
    return nodes[inside.any(0)].float()


def node_to_bin(centres: torch.Tensor, step: float, limit: float = lab.AB_SCALE) -> torch.Tensor:
    """``(G*G,)`` long: for every grid node, the index of the nearest bin centre (itself when in gamut)."""
    nodes = grid_nodes(step, limit).to(centres.device)
    return torch.cdist(nodes, centres.float()).argmin(1)


def _node_index(ab: torch.Tensor, step: float, limit: float) -> tuple[torch.Tensor, torch.Tensor, int]:
    n = _check_step(step, limit)
    ia = ((ab[:, 0] + limit) / step).round().long().clamp(0, n - 1)
    ib = ((ab[:, 1] + limit) / step).round().long().clamp(0, n - 1)
    return ia, ib, n


def _check_ab(ab: torch.Tensor) -> None:
    if ab.dim() != 4 or ab.shape[1] != 2:
        raise ValueError(f"ab must be (B, 2, H, W), got {tuple(ab.shape)}")


def _candidates(ab: torch.Tensor, centres: torch.Tensor, step: float, limit: float
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """The bins of the 3 × 3 grid nodes around each pixel's nearest node (out-of-gamut nodes: their nearest
    bin; a bin met twice counts once) and their squared distances: ``(B, 9, H, W)`` long and float32 (inf for
    repeats). On a square grid they hold the pixel's nearest bins."""
    ia, ib, n = _node_index(ab, step, limit)
    lut = node_to_bin(centres, step, limit)
    offsets = torch.tensor([-1, 0, 1], device=ab.device)
    da, db = torch.meshgrid(offsets, offsets, indexing="ij")
    na = (ia[:, None] + da.reshape(1, 9, 1, 1)).clamp(0, n - 1)  # (B, 9, H, W)
    nb = (ib[:, None] + db.reshape(1, 9, 1, 1)).clamp(0, n - 1)
    cand = lut[na * n + nb]  # (B, 9, H, W) bin indices
    c = centres.float().to(ab.device)[cand]  # (B, 9, H, W, 2)
    d2 = (c - ab.permute(0, 2, 3, 1)[:, None]).pow(2).sum(-1)  # (B, 9, H, W)
    repeat = torch.zeros_like(cand, dtype=torch.bool)
    for j in range(1, 9):
        repeat[:, j] = (cand[:, :j] == cand[:, j:j + 1]).any(1)
    return cand, d2.masked_fill(repeat, float("inf"))


def nearest_bin(ab: torch.Tensor, centres: torch.Tensor, step: float, limit: float = lab.AB_SCALE
                ) -> torch.Tensor:
    """ab ``(B, 2, H, W)`` (Lab units) → ``(B, H, W)`` long, the index of its nearest bin (exact for ab
    within a grid spacing of the bins, as sRGB photos' is; far outside the gamut, a near bin).
    ``centres``: ``gamut_bins(step, limit)``."""
    _check_ab(ab)
    cand, d2 = _candidates(ab.float(), centres, step, limit)
    return cand.gather(1, d2.argmin(1, keepdim=True))[:, 0]


def soft_encode(ab: torch.Tensor, centres: torch.Tensor, step: float, limit: float = lab.AB_SCALE,
                k: int = NEIGHBOURS, sigma: float = SIGMA) -> torch.Tensor:
    """Soft target ``(B, Q, H, W)`` float32 over bins for truth ab ``(B, 2, H, W)`` (Lab units): the ``k``
    nearest bins, weighted by ``exp(−d² / 2σ²)``, summing to 1 per pixel."""
    _check_ab(ab)
    if not 1 <= k <= 9:
        raise ValueError(f"k must be in 1..9, got {k}")
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    ab = ab.float()
    cand, d2 = _candidates(ab, centres, step, limit)
    d2, pick = d2.topk(k, dim=1, largest=False)
    w = torch.softmax(-d2 / (2 * sigma * sigma), 1)  # normalised Gaussian weights, stable far from every bin
    out = ab.new_zeros(ab.shape[0], len(centres), *ab.shape[2:])
    return out.scatter_add_(1, cand.gather(1, pick), w)


def smoothed_prior(counts: torch.Tensor, centres: torch.Tensor, sigma: float = SIGMA) -> torch.Tensor:
    """Empirical bin frequencies ``counts`` ``(Q,)`` (≥ 0, not all 0) → ``(Q,)`` float32 prior summing to 1,
    smoothed by a Gaussian of σ (Lab units) over the bin centres."""
    counts = counts.double().flatten()
    if counts.numel() != len(centres):
        raise ValueError(f"counts has {counts.numel()} entries for {len(centres)} bins")
    if bool((counts < 0).any()) or float(counts.sum()) <= 0:
        raise ValueError("counts must be ≥ 0 and not all 0")
    c = centres.double()
    kernel = torch.exp(-torch.cdist(c, c).pow(2) / (2 * sigma * sigma))
    kernel = kernel / kernel.sum(1, keepdim=True)  # each bin spreads its mass over its neighbours
    p = (counts / counts.sum()) @ kernel
    return (p / p.sum()).float()


def rebalance_weights(prior: torch.Tensor, lam: float = 0.5) -> torch.Tensor:
    """Class-rebalancing weights ``(Q,)`` float32: ``((1 − λ)·p̃ + λ/Q)^−1``, scaled so ``Σ p̃·w = 1``.
    ``prior``: ``(Q,)`` ≥ 0 summing to 1; ``lam`` in (0, 1] (1: no rebalancing, all weights 1)."""
    if not 0 < lam <= 1:
        raise ValueError(f"lam must be in (0, 1], got {lam}")
    p = prior.double().flatten()
    if bool((p < 0).any()) or abs(float(p.sum()) - 1) > 1e-4:
        raise ValueError("prior must be ≥ 0 and sum to 1")
    w = 1.0 / ((1 - lam) * p + lam / len(p))
    return (w / (p * w).sum()).float()


def annealed_mean(logits: torch.Tensor, centres: torch.Tensor, temperature: float) -> torch.Tensor:
    """Logits ``(B, Q, H, W)`` → ab ``(B, 2, H, W)`` (Lab units, float32): the mean of the bin centres under
    ``softmax(logits / temperature)``; ``temperature`` > 0 (Zhang et al.'s 0.38 between mode and mean)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if logits.dim() != 4 or logits.shape[1] != len(centres):
        raise ValueError(f"logits must be (B, {len(centres)}, H, W), got {tuple(logits.shape)}")
    p = torch.softmax(logits.float() / temperature, 1)
    return torch.einsum("bqhw,qc->bchw", p, centres.float().to(logits.device))
