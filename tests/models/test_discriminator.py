import pytest
import torch

from chromalab.models.discriminator import DiscriminatorConfig, discriminator_config, from_portions, to_portions


def portions_by_slicing(x, grid):
    """The obvious reference: slice every image into grid x grid portions, row by row."""
    b, c, h, w = x.shape
    ph, pw = h // grid, w // grid
    return torch.stack([x[i, :, r * ph:(r + 1) * ph, q * pw:(q + 1) * pw]
                        for i in range(b) for r in range(grid) for q in range(grid)])


@pytest.mark.parametrize("grid", [1, 2, 4])
def test_portions_match_slicing_and_tile_back(grid):
    x = torch.randn(2, 3, 8, 12)
    p = to_portions(x, grid)
    assert torch.equal(p, portions_by_slicing(x, grid))
    assert torch.equal(from_portions(p, grid), x)


def test_portions_need_a_divisible_size():
    with pytest.raises(ValueError, match="grid"):
        to_portions(torch.zeros(1, 1, 10, 8), 4)


@pytest.mark.parametrize(("name", "size", "shape"), [
    ("d0", (64, 64), (8, 8)),  # a patch map: one logit per 2**layers pixels
    ("d0", (64, 96), (8, 12)),
    ("d4", (64, 64), (4, 4)),  # one verdict per portion
    ("d4", (36, 44), (4, 4)),  # sizes that do not divide are padded
    ("d8", (64, 64), (8, 8)),
    ("d8", (64, 128), (8, 8)),
])
def test_output_shape_matches_the_grid(name, size, shape):
    disc = discriminator_config(name, width=4, layers=3).build()
    out = disc(torch.rand(2, 1, *size) * 2 - 1, torch.rand(2, 2, *size) * 2 - 1)
    assert out.shape == (2, 1, *shape)


@pytest.mark.parametrize("name", ["d4", "d8"])
@pytest.mark.parametrize("train_mode", [True, False])
def test_portions_are_judged_independently(name, train_mode):
    torch.manual_seed(0)
    disc = discriminator_config(name, width=8, layers=2).build().train(train_mode)
    grid = disc.cfg.grid
    l_norm, ab = torch.rand(2, 1, 64, 64) * 2 - 1, torch.rand(2, 2, 64, 64) * 2 - 1
    before = disc(l_norm, ab)
    side = 64 // grid
    r, q = 1, grid - 2
    changed = ab.clone()
    changed[1, :, r * side:(r + 1) * side, q * side:(q + 1) * side] = -changed[1, :, r * side:(r + 1) * side,
                                                                              q * side:(q + 1) * side]
    diff = (disc(l_norm, changed) - before).abs()[:, 0] > 1e-6
    expected = torch.zeros_like(diff)
    expected[1, r, q] = True
    assert torch.equal(diff, expected)


def test_the_whole_image_discriminator_sees_across_portion_borders():
    # the contrast to the test above: d0's patches overlap, so a change in one region moves several outputs
    torch.manual_seed(0)
    disc = discriminator_config("d0", width=8, layers=3).build()
    l_norm, ab = torch.rand(1, 1, 64, 64) * 2 - 1, torch.rand(1, 2, 64, 64) * 2 - 1
    changed = ab.clone()
    changed[..., 16:32, 16:32] *= -1
    moved = ((disc(l_norm, changed) - disc(l_norm, ab)).abs() > 1e-6).sum()
    assert moved > (16 // 8) ** 2


def test_batch_norm_and_unknown_names_are_refused():
    with pytest.raises(ValueError, match="batch norm"):
        DiscriminatorConfig(grid=4, norm="batch").build()
    with pytest.raises(ValueError, match="d16"):
        discriminator_config("d16")
