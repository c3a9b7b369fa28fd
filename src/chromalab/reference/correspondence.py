"""Dense correspondence between a target and a reference feature map (pure functions).

For every target position the best-matching reference position, comparing 3×3 feature patches.

Definition used throughout (and by the brute-force reference in the tests): features are L2-normalised
per position over channels; outside the map they are zero. The similarity of target position ``p`` and
reference position ``q`` is

    sim(p, q) = (1 / 9) * Σ_{o ∈ {-1,0,1}²} <t̂(p + o), r̂(q + o)>

so it lies in [-1, 1] and equals 1 for identical, fully-inside patches.

Two matchers share one interface, ``(feat_t (B, C, H, W), feat_r (B, C, Hr, Wr)) → Match``:

- ``match_exact``: every pair, as chunked matrix products with a running argmax (never the whole
  ``HW × HrWr`` similarity matrix in memory); optional bf16 products (fp32 accumulation) for speed.
- ``match_patchmatch``: random initialisation, propagation from neighbours and random search, all
  positions updated in parallel (batched), for large maps where the exact product is too costly.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

PATCH = 3


class Match(NamedTuple):
    """``index``: ``(B, H, W)`` long, flat reference position ``y * Wr + x``; ``similarity``: ``(B, H, W)``."""

    index: torch.Tensor
    similarity: torch.Tensor


def unfold_patches(feat: torch.Tensor, patch: int = PATCH) -> torch.Tensor:
    """L2-normalised features ``(B, C, H, W)`` → zero-padded patch vectors ``(B, C * patch², H * W)``."""
    f = F.normalize(feat.float(), dim=1)
    return F.unfold(f, patch, padding=patch // 2)


def _default_chunk(n_ref: int, budget_bytes: int) -> int:
    return max(1, budget_bytes // max(1, n_ref * 4))


def _exact_one(ft: torch.Tensor, fr: torch.Tensor, patch: int, chunk: int, dtype: torch.dtype | None
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """``ft (C, H, W)``, ``fr (C, Hr, Wr)`` (or batched ``(B, C, ·, ·)``) → similarity and index ``([B,] HW)``."""
    batched = ft.ndim == 4
    tp32 = unfold_patches(ft if batched else ft[None], patch).transpose(1, 2).contiguous()  # (B, HW, K)
    rp32 = unfold_patches(fr if batched else fr[None], patch)  # (B, K, HrWr)
    tp, rp = (tp32, rp32) if dtype is None else (tp32.to(dtype), rp32.to(dtype))
    vals, idxs = [], []
    for start in range(0, tp.shape[1], chunk):
        val, idx = torch.bmm(tp[:, start:start + chunk], rp).max(dim=2)  # running argmax over the reference
        vals.append(val.float())
        idxs.append(idx)
    index = torch.cat(idxs, 1)
    if dtype is None or dtype == torch.float32:
        sim = torch.cat(vals, 1)
    else:  # re-score the chosen matches in fp32 so similarities carry no reduced-precision rounding
        picked = torch.gather(rp32, 2, index[:, None].expand(-1, rp32.shape[1], -1))  # (B, K, HW)
        sim = (tp32 * picked.transpose(1, 2)).sum(2)
    sim = sim / (patch * patch)
    return (sim, index) if batched else (sim[0], index[0])


def _map_images(fn, n: int, parallel: bool):
    """Run ``fn(b)`` for every image. On CPU, images go to one thread per core, each running single-threaded
    kernels: many small products parallelise better this way than through intra-op threads."""
    if not parallel or n == 1 or torch.get_num_threads() == 1:
        return [fn(b) for b in range(n)]
    from concurrent.futures import ThreadPoolExecutor

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(max_workers=min(threads, n)) as pool:
            return list(pool.map(fn, range(n)))
    finally:
        torch.set_num_threads(threads)


def match_exact(feat_t: torch.Tensor, feat_r: torch.Tensor, patch: int = PATCH, chunk: int | None = None,
                dtype: torch.dtype | None = None, budget_bytes: int | None = None,
                per_image: bool | None = None) -> Match:
    """Best reference position for every target position, over all pairs.

    Per image: unfold both maps into patch vectors, then chunks of target positions × all reference
    positions as one matrix product each, reduced at once to a running argmax, so only a chunk of the
    similarity matrix exists at a time (``budget_bytes``, small enough to stay in cache).

    Args:
        feat_t: target features ``(B, C, H, W)``.
        feat_r: reference features ``(B, C, Hr, Wr)``.
        patch: odd patch side (3).
        chunk: target positions per matrix product (default from ``budget_bytes``).
        dtype: product dtype (``torch.bfloat16`` uses AMX on CPU / tensor cores on GPU; the returned
            similarities are recomputed in fp32 for the chosen matches). Default fp32.
        per_image: one image at a time, spread over CPU cores (default on CPU), or the whole batch per
            chunk as batched products (default on GPU, where large launches pay).
    Returns:
        ``Match`` with ``index`` ``(B, H, W)`` and ``similarity`` ``(B, H, W)`` in [-1, 1].
    """
    B, _, H, W = feat_t.shape
    n_ref = feat_r.shape[2] * feat_r.shape[3]
    on_cpu = feat_t.device.type == "cpu"
    per_image = on_cpu if per_image is None else per_image
    budget = budget_bytes or ((4 << 20) if per_image else (1 << 30))
    if not per_image:
        chunk = chunk or _default_chunk(B * n_ref, budget)
        sim, index = _exact_one(feat_t, feat_r, patch, chunk, dtype)
        return Match(index.view(B, H, W), sim.view(B, H, W))
    chunk = chunk or _default_chunk(n_ref, budget)
    results = _map_images(lambda b: _exact_one(feat_t[b], feat_r[b], patch, chunk, dtype), B, parallel=on_cpu)
    return Match(torch.stack([r[1] for r in results]).view(B, H, W),
                 torch.stack([r[0] for r in results]).view(B, H, W))


def patch_similarity(feat_t: torch.Tensor, feat_r: torch.Tensor, index: torch.Tensor,
                     patch: int = PATCH, _tp: torch.Tensor | None = None, _rp: torch.Tensor | None = None
                     ) -> torch.Tensor:
    """``sim(p, index[p])`` for every target position: ``(B, H, W)`` fp32."""
    B, _, H, W = feat_t.shape
    tp = unfold_patches(feat_t, patch) if _tp is None else _tp  # (B, K, HW)
    rp = unfold_patches(feat_r, patch) if _rp is None else _rp  # (B, K, HrWr)
    picked = torch.gather(rp, 2, index.reshape(B, 1, H * W).expand(-1, rp.shape[1], -1))
    return ((tp * picked).sum(1) / (patch * patch)).view(B, H, W)


def match_patchmatch(feat_t: torch.Tensor, feat_r: torch.Tensor, patch: int = PATCH, iters: int = 6,
                     search_radius: int | None = None, samples: int = 3, seed: int = 0) -> Match:
    """Approximate best matches by PatchMatch (Barnes et al. 2009), updated for all positions at once.

    Each iteration: propagation (each position tries its neighbours' matches, shifted by the neighbour's
    offset, from all four directions — in parallel, like jump flooding), then random search around the
    current match at radii halving from ``search_radius`` to 1, ``samples`` tries each.

    Args and returns as ``match_exact``. Deterministic for a given ``seed``.
    """
    B, _, H, W = feat_t.shape
    Hr, Wr = feat_r.shape[-2:]
    dev = feat_t.device
    gen = torch.Generator(device="cpu").manual_seed(seed)
    tp = unfold_patches(feat_t, patch)
    rp = unfold_patches(feat_r, patch)

    def score(yx: torch.Tensor) -> torch.Tensor:  # yx: (B, 2, H, W) long → (B, H, W)
        return patch_similarity(feat_t, feat_r, yx[:, 0] * Wr + yx[:, 1], patch, tp, rp)

    def rand_int(high: int, shape) -> torch.Tensor:
        return torch.randint(0, high, shape, generator=gen).to(dev)

    cur = torch.stack([rand_int(Hr, (B, H, W)), rand_int(Wr, (B, H, W))], 1)
    cur_s = score(cur)
    limits = torch.tensor([Hr - 1, Wr - 1], device=dev).view(1, 2, 1, 1)

    def consider(cand: torch.Tensor) -> None:
        nonlocal cur, cur_s
        cand = torch.minimum(cand.clamp(min=0), limits)
        s = score(cand)
        better = s > cur_s
        cur = torch.where(better[:, None], cand, cur)
        cur_s = torch.where(better, s, cur_s)

    radius0 = search_radius or max(Hr, Wr)
    for _ in range(iters):
        for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            # candidate for p: match of neighbour p - (dy, dx), moved by (dy, dx)
            shifted = torch.roll(cur, shifts=(dy, dx), dims=(2, 3))
            cand = shifted + torch.tensor([dy, dx], device=dev).view(1, 2, 1, 1)
            consider(cand)
        r = radius0
        while r >= 1:
            for _ in range(samples):
                jitter = torch.stack([rand_int(2 * r + 1, (B, H, W)), rand_int(2 * r + 1, (B, H, W))], 1) - r
                consider(cur + jitter)
            r //= 2
    return Match((cur[:, 0] * Wr + cur[:, 1]), cur_s)


def match(feat_t: torch.Tensor, feat_r: torch.Tensor, method: str = "exact", **kwargs) -> Match:
    """``method``: ``exact`` or ``patchmatch``."""
    if method == "exact":
        return match_exact(feat_t, feat_r, **kwargs)
    if method == "patchmatch":
        return match_patchmatch(feat_t, feat_r, **kwargs)
    raise ValueError(f"unknown correspondence method {method!r} (exact | patchmatch)")


def match_both(feat_t: torch.Tensor, feat_r: torch.Tensor, method: str = "exact", **kwargs
               ) -> tuple[Match, Match]:
    """Target → reference and reference → target matches."""
    return match(feat_t, feat_r, method, **kwargs), match(feat_r, feat_t, method, **kwargs)


def cycle_consistency(t2r: Match, r2t: Match, width_t: int, tolerance: float = 1.0) -> torch.Tensor:
    """``(B, H, W)`` bool: following t→r then r→t lands within ``tolerance`` pixels of the start."""
    B, H, W = t2r.index.shape
    back = torch.gather(r2t.index.view(B, -1), 1, t2r.index.view(B, -1)).view(B, H, W)
    by, bx = back // width_t, back % width_t
    yy = torch.arange(H, device=back.device).view(1, H, 1)
    xx = torch.arange(W, device=back.device).view(1, 1, W)
    return ((by - yy).float().pow(2) + (bx - xx).float().pow(2)).sqrt() <= tolerance


def warp(values_r: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Gather reference values through a match field.

    Args:
        values_r: ``(B, C, Hr, Wr)`` (e.g. the reference's ab, at the feature resolution).
        index: ``(B, H, W)`` flat reference positions.
    Returns:
        ``(B, C, H, W)``.
    """
    B, C = values_r.shape[:2]
    H, W = index.shape[1:]
    flat = values_r.reshape(B, C, -1)
    return torch.gather(flat, 2, index.reshape(B, 1, H * W).expand(-1, C, -1)).view(B, C, H, W)
