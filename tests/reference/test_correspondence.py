import pytest
import torch
import torch.nn.functional as F

from chromalab.reference import correspondence as corr
from chromalab.reference.correspondence import match_exact, match_patchmatch, warp

match, match_both, cycle_consistency = corr.match, corr.match_both, corr.cycle_consistency


def brute_force(ft, fr):
    """The definition, position by position: mean over the 3×3 offsets of normalised dot products."""
    t = F.normalize(ft, dim=1)
    r = F.normalize(fr, dim=1)
    B, C, H, W = t.shape
    Hr, Wr = r.shape[-2:]

    def at(f, b, y, x, h, w):
        return f[b, :, y, x] if 0 <= y < h and 0 <= x < w else torch.zeros(C, dtype=f.dtype)

    idx = torch.zeros(B, H, W, dtype=torch.long)
    best = torch.full((B, H, W), -2.0, dtype=torch.float64)
    for b in range(B):
        for y in range(H):
            for x in range(W):
                for yr in range(Hr):
                    for xr in range(Wr):
                        s = sum(float(at(t, b, y + dy, x + dx, H, W) @ at(r, b, yr + dy, xr + dx, Hr, Wr))
                                for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
                        if s > best[b, y, x] + 1e-12:
                            best[b, y, x] = s
                            idx[b, y, x] = yr * Wr + xr
    return idx, best


@pytest.fixture(scope="module")
def small():
    g = torch.Generator().manual_seed(0)
    ft = torch.randn(2, 5, 6, 7, generator=g, dtype=torch.float64)
    fr = torch.randn(2, 5, 5, 6, generator=g, dtype=torch.float64)
    return ft, fr, brute_force(ft, fr)


@pytest.mark.parametrize("chunk", [None, 1, 7])
@pytest.mark.parametrize("per_image", [True, False])
def test_exact_equals_brute_force(small, chunk, per_image):
    ft, fr, (idx, sim) = small
    m = match_exact(ft, fr, chunk=chunk, per_image=per_image)
    assert torch.equal(m.index, idx)
    assert torch.allclose(m.similarity.double(), sim, atol=1e-5)


def test_bf16_products_agree_with_fp32():
    g = torch.Generator().manual_seed(1)
    ft, fr = torch.randn(2, 32, 16, 16, generator=g), torch.randn(2, 32, 16, 16, generator=g)
    a, b = match_exact(ft, fr), match_exact(ft, fr, dtype=torch.bfloat16)
    c = match_exact(ft, fr, dtype=torch.bfloat16, per_image=False)
    assert torch.equal(b.index, c.index) and torch.allclose(b.similarity, c.similarity, atol=1e-6)
    agree = (a.index == b.index).float().mean()
    assert agree > 0.9  # random features have many near-ties; real features agree more (benchmark)
    assert (b.similarity <= a.similarity + 1e-5).all()  # fp32 re-scoring: never above the true best
    assert b.similarity.mean() > 0.99 * a.similarity.mean()


def test_patchmatch_reaches_95_percent_of_exact():
    g = torch.Generator().manual_seed(2)
    # smooth features (like a CNN's), so neighbouring positions agree and propagation has something to do
    ft = F.avg_pool2d(torch.randn(2, 16, 40, 40, generator=g), 5, 1, 2)
    fr = torch.roll(ft, shifts=(7, -5), dims=(2, 3)) + 0.05 * torch.randn(2, 16, 40, 40, generator=g)
    exact = match_exact(ft, fr)
    pm = match_patchmatch(ft, fr, iters=5, seed=0)
    assert pm.similarity.mean() >= 0.95 * exact.similarity.mean()


def test_patchmatch_scores_are_true_similarities(small):
    ft, fr, _ = small
    pm = match_patchmatch(ft.float(), fr.float(), iters=2)
    from chromalab.reference.correspondence import patch_similarity
    assert torch.allclose(pm.similarity, patch_similarity(ft.float(), fr.float(), pm.index), atol=1e-6)
    assert pm.index.min() >= 0 and pm.index.max() < 5 * 6


def test_a_shifted_copy_is_matched_to_its_source_and_colours_recovered():
    g = torch.Generator().manual_seed(3)
    feat = F.avg_pool2d(torch.randn(1, 8, 24, 24, generator=g), 3, 1, 1)
    ab = torch.randn(1, 2, 24, 24, generator=g)
    shifted_feat = torch.roll(feat, shifts=(3, 4), dims=(2, 3))
    m = match_exact(shifted_feat, feat)
    warped = warp(ab, m.index)
    inner = (slice(None), slice(None), slice(5, -2), slice(6, -2))  # away from the wrapped border
    assert torch.allclose(warped[inner], torch.roll(ab, shifts=(3, 4), dims=(2, 3))[inner])


def test_both_directions_and_cycle_consistency():
    g = torch.Generator().manual_seed(4)
    ft = torch.randn(1, 8, 10, 12, generator=g)
    t2r, r2t = match_both(ft, ft.clone())
    assert torch.equal(t2r.index.view(-1), torch.arange(120))
    assert cycle_consistency(t2r, r2t, width_t=12).all()
    with pytest.raises(ValueError, match="unknown correspondence"):
        match(ft, ft, method="nope")


def test_warp_gathers_by_flat_index():
    vals = torch.arange(2 * 3 * 4, dtype=torch.float32).view(1, 2, 3, 4)
    idx = torch.tensor([[[0, 11], [5, 6]]])
    out = warp(vals, idx)
    assert out.shape == (1, 2, 2, 2)
    assert out[0, 0].tolist() == [[0, 11], [5, 6]] and out[0, 1].tolist() == [[12, 23], [17, 18]]
