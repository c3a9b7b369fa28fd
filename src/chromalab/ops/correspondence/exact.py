"""Exact matching: chunked matrix products with a fused two-stage argmax (CPU and CUDA via PyTorch)."""

from __future__ import annotations

import torch

from chromalab.ops.correspondence.common import PATCH, Match, _check, _padded, _patch_rows, _rescore

_GROUP = 64  # reference rows per group in the two-stage argmax of _exact_block


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
        from chromalab.ops.correspondence import triton as fused

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

