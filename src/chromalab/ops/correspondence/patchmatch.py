"""PatchMatch: approximate matching by random init, propagation and random search."""

from __future__ import annotations

import math

import torch

from chromalab.ops.correspondence.common import Match, _check, _gather_similarity, _rows


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

