"""Quantized ab (issue 15, Zhang et al. 2016): gamut bins, soft encoding, prior, rebalancing, annealed mean."""

import pytest
import torch

from chromalab.core import lab
from chromalab.ops import ab_bins as B


@pytest.fixture(scope="module")
def centres():
    return B.gamut_bins(10.0)


def test_gamut_bins_are_grid_nodes_inside_the_srgb_gamut(centres):
    assert centres.dtype == torch.float32 and centres.shape[1] == 2
    assert 150 < len(centres) < 400  # a 10-unit grid over ±110: far fewer than its 529 nodes
    assert torch.equal(centres, centres.round(decimals=-1))  # multiples of 10
    assert (centres == 0).all(1).any()  # grey is in gamut
    assert not ((centres[:, 0] == -110) & (centres[:, 1] == -110)).any()  # no sRGB colour has a=b=-110
    # every bin has an L at which it is a displayable colour: brute force over L
    L = torch.linspace(0, 100, 401)[:, None].expand(-1, len(centres))
    rgb = torch.stack(lab.lab_to_linear(L, centres[:, 0].expand_as(L), centres[:, 1].expand_as(L)))
    assert ((rgb >= 0) & (rgb <= 1)).all(0).any(0).all()


def test_bad_grids_and_inputs_are_refused(centres):
    with pytest.raises(ValueError, match="multiple"):
        B.gamut_bins(7.0)
    with pytest.raises(ValueError, match="> 0"):
        B.gamut_bins(0.0)
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\)"):
        B.soft_encode(torch.zeros(1, 3, 4, 4), centres, 10.0)
    with pytest.raises(ValueError, match="k must be"):
        B.soft_encode(torch.zeros(1, 2, 4, 4), centres, 10.0, k=10)
    with pytest.raises(ValueError, match="temperature"):
        B.annealed_mean(torch.zeros(1, len(centres), 2, 2), centres, 0.0)
    with pytest.raises(ValueError, match="logits"):
        B.annealed_mean(torch.zeros(1, 5, 2, 2), centres, 1.0)
    with pytest.raises(ValueError, match="lam"):
        B.rebalance_weights(torch.full((4,), 0.25), 0.0)
    with pytest.raises(ValueError, match="sum to 1"):
        B.rebalance_weights(torch.ones(4), 0.5)


def test_nearest_bin_matches_brute_force(centres):
    torch.manual_seed(0)
    pick = torch.randint(len(centres), (3, 9, 11))  # real photos' ab lies within a bin's reach of a centre
    ab = (centres[pick] + (torch.rand(3, 9, 11, 2) - 0.5) * 14).permute(0, 3, 1, 2)
    got = B.nearest_bin(ab, centres, 10.0)
    d = torch.cdist(ab.permute(0, 2, 3, 1).reshape(-1, 2), centres)
    best = d.min(1).values
    # ties aside, the chosen bin is a nearest one
    assert torch.allclose(d.gather(1, got.reshape(-1, 1))[:, 0], best, atol=1e-4)
    far = B.nearest_bin(torch.full((1, 2, 1, 1), -300.0), centres, 10.0)  # far outside: still a bin
    assert 0 <= int(far) < len(centres)


def test_soft_encoding_weights_the_five_nearest_bins_like_a_gaussian(centres):
    ab = torch.tensor([12.0, -27.0]).reshape(1, 2, 1, 1)
    z = B.soft_encode(ab, centres, 10.0)
    assert z.shape == (1, len(centres), 1, 1) and z.dtype == torch.float32
    assert z.sum().item() == pytest.approx(1.0, abs=1e-6)
    d2 = (centres - ab.reshape(1, 2)).pow(2).sum(1)
    nearest = d2.topk(5, largest=False)
    expected = torch.softmax(-nearest.values / (2 * B.SIGMA ** 2), 0)
    assert torch.allclose(z[0, nearest.indices, 0, 0], expected, atol=1e-6)
    assert (z > 0).sum() == 5


def test_annealed_mean_goes_from_the_mean_to_the_mode(centres):
    logits = torch.zeros(1, len(centres), 1, 1)
    hot, warm = 17, 40
    logits[0, hot], logits[0, warm] = 3.0, 2.0
    mode = B.annealed_mean(logits, centres, 0.01)[0, :, 0, 0]
    assert torch.allclose(mode, centres[hot], atol=1e-3)
    p = torch.softmax(logits[0, :, 0, 0], 0)
    assert torch.allclose(B.annealed_mean(logits, centres, 1.0)[0, :, 0, 0], p @ centres, atol=1e-4)
    # lower temperature: further from grey's neighbourhood average, i.e. bolder
    assert B.annealed_mean(logits, centres, 0.38).norm() > B.annealed_mean(logits, centres, 1.0).norm()


def test_prior_is_smoothed_and_weights_favour_rare_colours(centres):
    counts = torch.zeros(len(centres))
    grey = int(((centres == 0).all(1)).nonzero())
    counts[grey], counts[0] = 90.0, 10.0
    prior = B.smoothed_prior(counts, centres)
    assert prior.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert prior[grey] < 0.9 and prior[grey] == prior.max()  # spread to the neighbours of grey
    w = B.rebalance_weights(prior, 0.5)
    assert (prior * w).sum().item() == pytest.approx(1.0, abs=1e-4)
    assert w[grey] == w.min() and w.max() > 1
    assert torch.allclose(B.rebalance_weights(prior, 1.0), torch.ones(len(centres)), atol=1e-5)
    # reference: the formula by hand for a three-bin prior
    p = torch.tensor([0.5, 0.3, 0.2])
    raw = 1 / (0.5 * p + 0.5 / 3)
    assert torch.allclose(B.rebalance_weights(p, 0.5), raw / (p * raw).sum(), atol=1e-6)
