"""The fast paths of match_exact agree with its plain fp32 batched path."""

import torch
import torch.nn.functional as F

from chromalab.ops.correspondence import match_exact, patch_similarity


def smooth(seed, shape=(3, 32, 16, 16)):
    g = torch.Generator().manual_seed(seed)
    return F.avg_pool2d(torch.randn(*shape, generator=g), 3, 1, 1)


def test_per_image_threads_equal_batched():
    ft, fr = smooth(0), smooth(1)
    torch.set_num_threads(2)
    a = match_exact(ft, fr, per_image=False)
    b = match_exact(ft, fr, per_image=True, chunk=37)
    assert torch.equal(a.index, b.index) and torch.allclose(a.similarity, b.similarity, atol=1e-6)


def test_bf16_products_agree_with_fp32_and_rescore_exactly():
    ft = smooth(2)
    fr = torch.roll(ft, shifts=(2, -3), dims=(2, 3)) + 0.05 * smooth(3)
    a = match_exact(ft, fr)
    b = match_exact(ft, fr, dtype=torch.bfloat16)
    assert (a.index == b.index).float().mean() >= 0.95
    assert torch.allclose(b.similarity, patch_similarity(ft, fr, b.index), atol=1e-6)  # fp32 re-scored
    assert (b.similarity <= a.similarity + 1e-6).all()  # never above the true best
