"""Correspondence checked against a brute-force loop over the definition in the module docstring."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from chromalab.ops.correspondence import (
    Match,
    cycle_consistent,
    match_both,
    match_exact,
    match_patchmatch,
    patch_similarity,
    warp,
)


def brute_force(feat_t: torch.Tensor, feat_r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Loop over every (p, q) pair, summing the 9 zero-padded offset dot products in float64."""
    t = F.normalize(feat_t.double(), dim=1, eps=1e-8)
    r = F.normalize(feat_r.double(), dim=1, eps=1e-8)
    b, _, h, w = t.shape
    hr, wr = r.shape[-2:]

    def at(f, n, y, x, hh, ww):
        return f[n, :, y, x] if 0 <= y < hh and 0 <= x < ww else torch.zeros(f.shape[1], dtype=f.dtype)

    index = torch.zeros(b, h, w, dtype=torch.long)
    sim = torch.zeros(b, h, w, dtype=torch.float64)
    for n in range(b):
        for y in range(h):
            for x in range(w):
                best, arg = -float("inf"), -1
                for v in range(hr):
                    for u in range(wr):
                        s = sum(float(at(t, n, y + oy, x + ox, h, w) @ at(r, n, v + oy, u + ox, hr, wr))
                                for oy in (-1, 0, 1) for ox in (-1, 0, 1)) / 9
                        if s > best:
                            best, arg = s, v * wr + u
                index[n, y, x], sim[n, y, x] = arg, best
    return index, sim


def smooth_features(seed: int, b: int, c: int, h: int, w: int) -> torch.Tensor:
    """Spatially smooth random features, like a CNN's: neighbouring positions are similar."""
    g = torch.Generator().manual_seed(seed)
    f = torch.randn(b, c, h + 4, w + 4, generator=g)
    return F.avg_pool2d(f, 3, 1)[:, :, 1:h + 1, 1:w + 1]


def test_exact_equals_brute_force():
    g = torch.Generator().manual_seed(0)
    ft = torch.randn(2, 5, 6, 7, generator=g)
    fr = torch.randn(2, 5, 5, 8, generator=g)
    want_idx, want_sim = brute_force(ft, fr)
    for chunk in (None, 1, 7, 1000):
        m = match_exact(ft, fr, chunk=chunk)
        assert isinstance(m, Match)
        assert m.index.shape == (2, 6, 7) and m.index.dtype == torch.long
        assert m.similarity.shape == (2, 6, 7) and m.similarity.dtype == torch.float32
        assert torch.equal(m.index, want_idx)
        torch.testing.assert_close(m.similarity.double(), want_sim, atol=1e-5, rtol=0)


def test_exact_first_maximum_across_argmax_groups():
    """A reference longer than one argmax group (padded to whole groups) with exact ties: one-hot
    features repeating every 3 columns make many patches score exactly the same, and the first in flat
    order must win, as in the brute-force loop."""
    g = torch.Generator().manual_seed(3)
    cols = torch.randint(0, 4, (11, 3), generator=g).repeat(1, 5)[:, :13]  # (11, 13), period 3 in x
    fr = F.one_hot(cols, 4).permute(2, 0, 1)[None].float()  # (1, 4, 11, 13): 143 positions, 3 groups
    ft = F.one_hot(torch.randint(0, 4, (4, 5), generator=g), 4).permute(2, 0, 1)[None].float()
    want_idx, _ = brute_force(ft, fr)
    for chunk in (None, 3):
        for dtype in (None, torch.bfloat16):
            assert torch.equal(match_exact(ft, fr, chunk=chunk, dtype=dtype).index, want_idx)


def test_exact_with_tiny_memory_budget_is_still_exact():
    ft, fr = smooth_features(1, 1, 4, 8, 8), smooth_features(2, 1, 4, 9, 9)
    a, b = match_exact(ft, fr), match_exact(ft, fr, max_elements=81)
    assert torch.equal(a.index, b.index)


def test_patch_similarity_matches_exact():
    ft, fr = smooth_features(3, 2, 6, 7, 9), smooth_features(4, 2, 6, 8, 6)
    m = match_exact(ft, fr)
    torch.testing.assert_close(patch_similarity(ft, fr, m.index), m.similarity)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_patchmatch_reaches_95_percent_of_exact(seed):
    ft, fr = smooth_features(seed, 2, 8, 16, 16), smooth_features(seed + 10, 2, 8, 14, 18)
    exact = match_exact(ft, fr)
    pm = match_patchmatch(ft, fr, iters=6, seed=seed)
    assert pm.index.shape == (2, 16, 16) and pm.index.dtype == torch.long
    assert int(pm.index.min()) >= 0 and int(pm.index.max()) < 14 * 18
    # reported similarity is the true similarity of the reported field
    torch.testing.assert_close(pm.similarity, patch_similarity(ft, fr, pm.index))
    assert float(pm.similarity.mean()) >= 0.95 * float(exact.similarity.mean())
    # never better than exact
    assert (pm.similarity <= exact.similarity + 1e-5).all()


def test_patchmatch_small_against_brute_force_and_deterministic():
    ft, fr = smooth_features(5, 1, 4, 6, 6), smooth_features(6, 1, 4, 7, 5)
    _, want_sim = brute_force(ft, fr)
    pm = match_patchmatch(ft, fr, iters=4, seed=3)
    assert float(pm.similarity.mean()) >= 0.95 * float(want_sim.mean())
    again = match_patchmatch(ft, fr, iters=4, seed=3)
    assert torch.equal(pm.index, again.index)


def test_patchmatch_finds_shifted_copy():
    """Reference = target shifted by (2, 3): interior positions must find exactly that shift."""
    big = smooth_features(7, 1, 8, 24, 24)
    ft, fr = big[:, :, 2:18, 3:19], big[:, :, :20, :22]
    pm = match_patchmatch(ft, fr, iters=8, seed=0)
    ys, xs = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    want = (ys + 2) * 22 + (xs + 3)
    inner = (slice(1, -1), slice(1, -1))
    assert (pm.index[0][inner] == want[inner]).float().mean() > 0.98


def test_both_directions_and_cycle_consistency():
    big = smooth_features(8, 1, 8, 20, 20)
    ft, fr = big[:, :, 2:14, 2:14], big[:, :, :16, :16]
    both = match_both(ft, fr, method="exact")
    assert both.forward.index.shape == (1, 12, 12)
    assert both.backward.index.shape == (1, 16, 16)
    assert both.consistent.shape == (1, 12, 12) and both.consistent.dtype == torch.bool
    assert both.consistent[0, 1:-1, 1:-1].all()        # identical content: every interior cycle closes
    pm = match_both(ft, fr, method="patchmatch", iters=6, seed=0)
    assert pm.consistent.float().mean() > 0.8
    with pytest.raises(ValueError, match="unknown correspondence method"):
        match_both(ft, fr, method="magic")


def test_cycle_consistent_detects_broken_cycle():
    fwd = torch.tensor([[[0, 1], [2, 3]]])
    back = torch.tensor([[[0, 1], [2, 3]]])
    assert cycle_consistent(fwd, back, 2, tol=0).all()
    back_far = torch.tensor([[[3, 3], [3, 3]]])
    assert not cycle_consistent(fwd, back_far, 2, tol=0)[0, 0, 0]


def test_warp_gathers_reference_values():
    ab = torch.arange(2 * 2 * 3 * 4, dtype=torch.float32).view(2, 2, 3, 4)
    index = torch.tensor([[[0, 11], [5, 5]], [[1, 2], [3, 4]]])
    out = warp(ab, index)
    assert out.shape == (2, 2, 2, 2)
    for n in range(2):
        for y in range(2):
            for x in range(2):
                q = int(index[n, y, x])
                assert torch.equal(out[n, :, y, x], ab[n, :, q // 4, q % 4])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="channels"):
        match_exact(torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4, 4))
    with pytest.raises(ValueError, match="patch"):
        match_patchmatch(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), patch=5)
