"""Dense correspondence between feature maps: exact (chunked matrix products) and PatchMatch.

Definitions (shared by every function here, and by any faster kernel that implements this interface):

- Features ``feat`` are (B, C, H, W) float tensors. Each position's C-vector is L2-normalised first
  (``F.normalize(feat, dim=1, eps=1e-8)``), so an all-zero vector stays zero.
- The **patch similarity** between target position p = (y, x) and reference position q = (v, u) is

      S(p, q) = 1/9 * sum over offsets o in {-1, 0, 1}^2 of  < f_t(p + o), f_r(q + o) >

  where positions outside either map read as zero vectors (zero padding). S lies in [-1, 1]; it reaches 1
  only for interior positions whose 3x3 patches agree exactly (border patches have fewer terms, so their
  maximum is below 1).
- A match field ``index`` is (B, H, W) long holding the flat reference index ``v * Wr + u`` of the chosen
  reference position for every target position; ``similarity`` is (B, H, W) float32 = S(p, index[p]).
- ``match_exact`` returns, for every p, argmax_q S(p, q) (the first maximum in flat order on ties).
  ``match_patchmatch`` approximates it with random init, propagation and random search.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

PATCH = 3
_GROUP = 64  # reference rows per group in the two-stage argmax of _exact_block

__all__ = ["Match", "Matches", "match_exact", "match_patchmatch", "match_both", "patch_similarity",
           "warp", "cycle_consistent", "normalize_features", "upsample_index"]


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


def _exact_block(ft: torch.Tensor, fr: torch.Tensor, chunk: int, dtype: torch.dtype | None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C, H, W) target, (B, C, Hr, Wr) reference → (similarity (B, HW) fp32, index (B, HW)).

    Chunks of target positions × all reference positions as one matrix product each, written into one
    reused buffer (no fresh pages per chunk) and reduced at once to the argmax, so only a (B, Nr, chunk)
    block of S exists at a time. The block is laid out reference-major (B, Nr, chunk): the product is
    faster that way, and the argmax becomes a vectorised max over groups of ``_GROUP`` consecutive
    reference rows, then a max-with-index over the few group maxima and one over the chosen group's rows
    — on CPU several times cheaper than a max-with-index over every element. Groups are consecutive, so
    the first maximum in flat order is still the one returned.
    """
    dtype = dtype or torch.float32
    b, c = ft.shape[:2]
    k = 9 * c
    xt, xr = _padded(ft), _padded(fr)
    t = _patch_rows(xt.to(dtype)).reshape(b, -1, k)  # (B, Nt, 9C) rows (a copy: rows overlap in place)
    rv = _patch_rows(xr.to(dtype))
    nt, nr = t.shape[1], rv.shape[1] * rv.shape[2]
    g = min(_GROUP, nr)
    ng = -(-nr // g)
    # reference rows padded to whole groups by repeating the last row: a repeat scores the same as its
    # original and comes later in flat order, so it is never the first maximum (index stays < Nr)
    r = torch.empty(b, ng * g, k, dtype=dtype, device=t.device)
    r[:, :nr].view(rv.shape).copy_(rv)
    r[:, nr:] = r[:, nr - 1:nr]
    buf = torch.empty(b, ng * g, min(chunk, nt), dtype=dtype, device=t.device)
    bidx = torch.arange(b, device=t.device)[:, None]
    vals, idxs = [], []
    for start in range(0, nt, chunk):
        rows = t[:, start:start + chunk]
        n = rows.shape[1]
        out = buf[:, :, :n] if n == buf.shape[2] else buf.new_empty(b, ng * g, n)
        torch.bmm(r, rows.transpose(1, 2), out=out)
        groups = out.view(b, ng, g, n)
        grp = groups.amax(2).max(1)[1]  # (B, n): first group holding the maximum
        cand = groups[bidx, grp, :, torch.arange(n, device=t.device)]  # (B, n, G): that group's scores
        best, within = cand.max(2)
        vals.append(best.float())
        idxs.append(grp * g + within)
    index = torch.cat(idxs, 1)
    if dtype == torch.float32:
        return torch.cat(vals, 1) / (PATCH * PATCH), index
    # re-score the chosen matches in fp32: similarities carry no reduced-precision rounding
    return _rescore(xt, xr, index.view(b, *ft.shape[-2:])).view(b, -1), index


def _map_images(fn, n: int):
    """``fn(b)`` for every image, one thread per CPU core, each running single-threaded kernels: many
    cache-sized products parallelise better this way than through intra-op threads."""
    threads = torch.get_num_threads()
    if n == 1 or threads == 1:
        return [fn(b) for b in range(n)]
    from concurrent.futures import ThreadPoolExecutor

    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(max_workers=min(threads, n)) as pool:
            return list(pool.map(fn, range(n)))
    finally:
        torch.set_num_threads(threads)


def match_exact(feat_t: torch.Tensor, feat_r: torch.Tensor, patch: int = 3, chunk: int | None = None,
                max_elements: int | None = None, dtype: torch.dtype | None = None,
                per_image: bool | None = None, backend: str = "auto") -> Match:
    """Exact best match for every target position (see module docstring for S).

    ``feat_t`` (B, C, H, W), ``feat_r`` (B, C, Hr, Wr). Target positions are processed ``chunk`` at a time so
    a similarity block never exceeds ``max_elements`` floats (``chunk=None`` picks the largest such chunk;
    default 2**21 per image on CPU — small enough to stay in cache — and 2**24 per batch on GPU).
    ``dtype=torch.bfloat16`` runs the products in bf16 (AMX on CPU, tensor cores on GPU) and re-scores the
    chosen matches in fp32. ``per_image`` (default: on CPU) spreads images over CPU cores.
    ``backend``: ``"torch"`` (this function's chunked products), ``"triton"`` (the fused kernel of
    ``correspondence_triton``), or ``"auto"``: Triton for CUDA tensors when the package is installed, else
    torch. Returns a ``Match`` of shape (B, H, W).
    """
    _check(feat_t, feat_r, patch)
    if backend not in ("auto", "torch", "triton"):
        raise ValueError(f"backend must be auto, torch or triton; got {backend!r}")
    if backend != "torch":
        from chromalab.reference import correspondence_triton as fused

        if backend == "triton" or (feat_t.is_cuda and fused.available(feat_t)):
            return fused.match_exact_triton(feat_t, feat_r, patch, dtype=dtype)
    b, _, h, w = feat_t.shape
    nr = feat_r.shape[-2] * feat_r.shape[-1]
    per_image = feat_t.device.type == "cpu" if per_image is None else per_image
    if per_image:
        size = chunk or max(1, (max_elements or 2 ** 21) // max(1, nr))
        out = _map_images(lambda i: _exact_block(feat_t[i:i + 1], feat_r[i:i + 1], size, dtype), b)
        sim, index = torch.cat([o[0] for o in out]), torch.cat([o[1] for o in out])
    else:
        size = chunk or max(1, (max_elements or 2 ** 24) // max(1, b * nr))
        sim, index = _exact_block(feat_t, feat_r, size, dtype)
    return Match(index.view(b, h, w), sim.view(b, h, w))


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


def match_patchmatch(feat_t: torch.Tensor, feat_r: torch.Tensor, patch: int = 3, iters: int = 8,
                     seed: int = 0, init: torch.Tensor | None = None, random_candidates: int = 1) -> Match:
    """Approximate best match by PatchMatch (Barnes et al. 2009), every position updated in parallel.

    ``feat_t`` (B, C, H, W), ``feat_r`` (B, C, Hr, Wr); ``init`` an optional (B, H, W) long starting field
    (random otherwise). Each iteration: propagation from the 4 neighbours at distances 1 and 2^k (jump
    flooding, so good matches spread across the map in log steps despite the parallel update), then
    random search in windows halving from the reference size down to 1 px, plus ``random_candidates``
    fresh uniform guesses. Deterministic for a given ``seed``. Returns a ``Match`` (B, H, W) whose
    similarity never decreases with more iterations.
    """
    _check(feat_t, feat_r, patch)
    b, _, h, w = feat_t.shape
    hr, wr = feat_r.shape[-2:]
    dev = feat_t.device
    gen = torch.Generator(device=dev).manual_seed(seed)
    t, r = _rows(feat_t), _rows(feat_r)

    if init is None:
        vy = torch.randint(0, hr, (b, h, w), generator=gen, device=dev)
        vx = torch.randint(0, wr, (b, h, w), generator=gen, device=dev)
    else:
        vy, vx = init.div(wr, rounding_mode="floor"), init.remainder(wr)
    best = _gather_similarity(t, r, (vy * wr + vx).view(b, -1)).view(b, h, w)

    def consider(cy: torch.Tensor, cx: torch.Tensor) -> None:
        nonlocal vy, vx, best
        cy, cx = cy.clamp(0, hr - 1), cx.clamp(0, wr - 1)
        s = _gather_similarity(t, r, (cy * wr + cx).view(b, -1)).view(b, h, w)
        better = s > best
        vy, vx, best = torch.where(better, cy, vy), torch.where(better, cx, vx), torch.where(better, s, best)

    def shifted(a: torch.Tensor, dy: int, dx: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, H, W) value of ``a`` at p - (dy, dx), edge-replicated."""
        ys = (torch.arange(h, device=dev) - dy).clamp(0, h - 1)
        xs = (torch.arange(w, device=dev) - dx).clamp(0, w - 1)
        return a[:, ys][:, :, xs]

    radius0 = max(hr, wr)
    steps = [2 ** k for k in range(int(math.log2(max(h, w, 2))), -1, -1)]
    for it in range(iters):
        # propagation: a neighbour at p - d matched q' suggests q' + d for p (jump distances shrink per iter)
        for dist in sorted({1, steps[it % len(steps)]}, reverse=True):
            for dy, dx in ((0, dist), (dist, 0), (0, -dist), (-dist, 0)):
                consider(shifted(vy, dy, dx) + dy, shifted(vx, dy, dx) + dx)
        # random search around the current match in shrinking windows
        radius = radius0
        while radius >= 1:
            oy = torch.randint(-radius, radius + 1, (b, h, w), generator=gen, device=dev)
            ox = torch.randint(-radius, radius + 1, (b, h, w), generator=gen, device=dev)
            consider(vy + oy, vx + ox)
            radius //= 2
        for _ in range(random_candidates):
            consider(torch.randint(0, hr, (b, h, w), generator=gen, device=dev),
                     torch.randint(0, wr, (b, h, w), generator=gen, device=dev))
    return Match(vy * wr + vx, best)


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


def match_both(feat_t: torch.Tensor, feat_r: torch.Tensor, method: str = "exact", tol: float = 1.0,
               **kwargs) -> Matches:
    """Match in both directions with ``method`` ("exact" or "patchmatch"; ``kwargs`` go to it) and the
    cycle-consistency mask. Shapes: forward (B, H, W), backward (B, Hr, Wr), consistent (B, H, W)."""
    fn = {"exact": match_exact, "patchmatch": match_patchmatch}.get(method)
    if fn is None:
        raise ValueError(f"unknown correspondence method {method!r}; use 'exact' or 'patchmatch'")
    fwd = fn(feat_t, feat_r, **kwargs)
    bwd = fn(feat_r, feat_t, **kwargs)
    return Matches(fwd, bwd, cycle_consistent(fwd.index, bwd.index, feat_r.shape[-1], tol))


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
