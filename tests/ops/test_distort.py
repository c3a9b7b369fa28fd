"""Training references made from the target itself."""

from __future__ import annotations

import torch

from chromalab.core import lab
from chromalab.ops.distort import DistortConfig, make_reference, random_grid
from tests.conftest import sample_rgb


def _photo():
    return lab.rgb_to_network(lab.image_to_tensor(sample_rgb("astronaut", 48) / 255.0))


def test_reference_is_a_moved_copy_in_range_and_reproducible():
    l_norm, ab = _photo()
    batch_l, batch_ab = l_norm.repeat(3, 1, 1, 1), ab.repeat(3, 1, 1, 1)
    r1 = make_reference(batch_l, batch_ab, gen=torch.Generator().manual_seed(0))
    r2 = make_reference(batch_l, batch_ab, gen=torch.Generator().manual_seed(0))
    assert r1[0].shape == batch_l.shape and r1[1].shape == batch_ab.shape
    assert torch.equal(r1[0], r2[0]) and torch.equal(r1[1], r2[1])
    assert r1[0].abs().max() <= 1 and r1[1].abs().max() <= 1
    assert (r1[0] - batch_l).abs().mean() > 0.05          # pixels moved
    assert (r1[0][0] - r1[0][1]).abs().mean() > 0.01      # each image distorted its own way


def test_no_distortion_is_identity():
    l_norm, ab = _photo()
    none = DistortConfig(rotate=0, scale=(1, 1), translate=0, tps=0, flip=0, brightness=0, contrast=0,
                         saturation=0, hue=0)
    rl, rab = make_reference(l_norm, ab, none, torch.Generator().manual_seed(0))
    torch.testing.assert_close(rl, l_norm, atol=1e-5, rtol=0)
    torch.testing.assert_close(rab, ab, atol=1e-5, rtol=0)


def test_flip_only_mirrors():
    g = random_grid(1, 4, 6, DistortConfig(rotate=0, scale=(1, 1), translate=0, tps=0, flip=1.0),
                    torch.Generator().manual_seed(0))
    x = torch.arange(24.0).view(1, 1, 4, 6)
    out = torch.nn.functional.grid_sample(x, g, align_corners=False)
    torch.testing.assert_close(out, x.flip(-1))
