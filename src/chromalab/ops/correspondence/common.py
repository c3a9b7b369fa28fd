"""Shared definitions of dense correspondence: the patch similarity S, match fields, warping.

See ``chromalab.ops.correspondence`` for the definitions every matcher implements."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

PATCH = 3


class Match(NamedTuple):
    """A match field: ``index`` (B, H, W) long flat index ``y * Wr + x`` into the reference;
    ``similarity`` (B, H, W) float32 patch similarity S(p, index[p]) in [-1, 1]."""

    index: torch.Tensor
    similarity: torch.Tensor


class Matches(NamedTuple):
    """Both directions: ``forward`` target→reference (B, H, W), ``backward`` reference→target (B, Hr, Wr),
    ``consistent`` (B, H, W) bool: following forward then backward returns within ``tol`` pixels of p."""

    forward: Match
    backward: Match
    consistent: torch.Tensor


def normalize_features(feat: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → same shape, float32, each position's C-vector scaled to unit length (zeros stay zero)."""
    return F.normalize(feat.float(), dim=1, eps=1e-8)


def _check(feat_t: torch.Tensor, feat_r: torch.Tensor, patch: int) -> None:
    if patch != PATCH:
        raise ValueError(f"only patch={PATCH} is implemented (got {patch})")
    if feat_t.ndim != 4 or feat_r.ndim != 4:
        raise ValueError(f"features must be (B, C, H, W); got {tuple(feat_t.shape)} and {tuple(feat_r.shape)}")
    if feat_t.shape[:2] != feat_r.shape[:2]:
        raise ValueError(f"batch and channels must agree; got {tuple(feat_t.shape)} and {tuple(feat_r.shape)}")


def _unfold(feat: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) normalised → (B, 9C, H*W): each column the zero-padded 3x3 patch around a position."""
    return F.unfold(feat, kernel_size=PATCH, padding=PATCH // 2)


def _padded(feat: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, H+2, W+2, C) float32: normalised features, zero-padded by one position,
    channels-last, contiguous — the one copy that patch rows and re-scoring read from."""
    return F.pad(normalize_features(feat), (1, 1, 1, 1)).permute(0, 2, 3, 1).contiguous()


def _patch_rows(x: torch.Tensor) -> torch.Tensor:
    """(B, H+2, W+2, C) from ``_padded`` → (B, H, W, 3, 3C) view: for each position its zero-padded 3x3
    patch as 3 rows (dy) of 3 neighbours' C-vectors (dx, c), read in place — the same numbers as
    ``_unfold``, ordered (dy, dx, c), without an im2col pass."""
    b, hp, wp, c = x.shape
    st = x.stride()
    return x.as_strided((b, hp - 2, wp - 2, 3, 3 * c), (st[0], st[1], st[2], st[1], 1))


def _rescore(xt: torch.Tensor, xr: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """S(p, index[p]) in float32 from ``_padded`` copies xt (B, H+2, W+2, C), xr (B, Hr+2, Wr+2, C) and
    ``index`` (B, H, W) flat into Hr*Wr → (B, H, W). One row gather of the 9 neighbours of every chosen
    reference position, multiplied in place with the target's patch rows."""
    b, hp, wp, c = xt.shape
    hrp, wrp = xr.shape[1:3]
    flat = index.reshape(b, -1)
    wr = wrp - 2
    # flat index of each chosen patch's top-left corner in the padded reference, across the batch
    corner = (flat // wr) * wrp + flat % wr + torch.arange(b, device=flat.device)[:, None] * (hrp * wrp)
    offsets = (torch.arange(3, device=flat.device)[:, None] * wrp + torch.arange(3, device=flat.device)).view(-1)
    picked = xr.view(-1, c).index_select(0, (corner[:, :, None] + offsets).view(-1))  # (B*HW*9, C)
    picked = picked.view(b, hp - 2, wp - 2, 3, 3 * c)
    return (_patch_rows(xt) * picked).sum((3, 4)) / (PATCH * PATCH)



def _gather_similarity(t: torch.Tensor, r: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """t (B, Nt, 9C), r (B, Nr, 9C) unfolded patches as rows; index (B, Nt) → S (B, Nt) float32."""
    picked = r[torch.arange(r.shape[0], device=r.device)[:, None], index]   # (B, Nt, 9C): whole rows copied
    return (t * picked).sum(2) / (PATCH * PATCH)


def _rows(feat: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, H*W, 9C) normalised zero-padded 3x3 patches, one contiguous row per position."""
    return _unfold(normalize_features(feat)).transpose(1, 2).contiguous()


def patch_similarity(feat_t: torch.Tensor, feat_r: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """S(p, index[p]) for a given match field: feats (B, C, H, W) / (B, C, Hr, Wr), index (B, H, W) long
    → (B, H, W) float32."""
    _check(feat_t, feat_r, PATCH)
    return _rescore(_padded(feat_t), _padded(feat_r), index)



def cycle_consistent(forward: torch.Tensor, backward: torch.Tensor, width_r: int, tol: float = 1.0
                     ) -> torch.Tensor:
    """``forward`` (B, H, W) target→ref flat indices, ``backward`` (B, Hr, Wr) ref→target flat indices →
    (B, H, W) bool: p → q → p' lands within ``tol`` pixels (Chebyshev) of p."""
    b, h, w = forward.shape
    back = backward.reshape(b, -1).gather(1, forward.reshape(b, -1)).view(b, h, w)
    py, px = back.div(w, rounding_mode="floor"), back.remainder(w)
    ys = torch.arange(h, device=forward.device).view(1, h, 1)
    xs = torch.arange(w, device=forward.device).view(1, 1, w)
    return ((py - ys).abs() <= tol) & ((px - xs).abs() <= tol)



def warp(values_r: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Gather reference values through a match field: ``values_r`` (B, K, Hr, Wr) (e.g. ab in [-1, 1]),
    ``index`` (B, H, W) long flat into Hr*Wr → (B, K, H, W), same dtype as ``values_r``."""
    b, k = values_r.shape[:2]
    h, w = index.shape[-2:]
    flat = values_r.reshape(b, k, -1)
    return flat.gather(2, index.reshape(b, 1, -1).expand(-1, k, -1)).view(b, k, h, w)


def upsample_index(index: torch.Tensor, grid_r: tuple[int, int], stride: int, size: tuple[int, int],
                   size_r: tuple[int, int]) -> torch.Tensor:
    """Carry a match field found on feature grids down to pixels.

    ``index`` (B, Hg, Wg) flat into the reference grid ``grid_r`` = (Hgr, Wgr), each grid cell covering
    ``stride`` pixels. Target pixel (y, x) lies in cell (y // stride, x // stride); it takes the matched
    cell's pixel at the same offset inside the cell: (v * stride + y % stride, u * stride + x % stride),
    clamped to the reference image ``size_r`` = (Hr, Wr). Returns (B, H, W) long flat into Hr*Wr,
    for ``warp`` of full-resolution reference values.
    """
    b, hg, wg = index.shape
    h, w = size
    hr, wr = size_r
    ys = torch.arange(h, device=index.device)
    xs = torch.arange(w, device=index.device)
    cell = index[:, (ys // stride).clamp(max=hg - 1)][:, :, (xs // stride).clamp(max=wg - 1)]  # (B, H, W)
    v, u = cell.div(grid_r[1], rounding_mode="floor"), cell.remainder(grid_r[1])
    py = (v * stride + (ys % stride).view(1, h, 1)).clamp(0, hr - 1)
    px = (u * stride + (xs % stride).view(1, 1, w)).clamp(0, wr - 1)
    return py * wr + px

