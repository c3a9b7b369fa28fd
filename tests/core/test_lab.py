import torch

from chromalab.core import lab


def test_rgb_lab_round_trip():
    rgb = torch.rand(2, 3, 8, 8)
    back = lab.lab_to_rgb(lab.rgb_to_lab(rgb))
    assert torch.allclose(back, rgb, atol=1e-4)


def test_network_scaling_inverts_and_bounds():
    rgb = torch.rand(1, 3, 16, 16)
    l_norm, ab_norm = lab.rgb_to_network(rgb)
    assert l_norm.min() >= -1 and l_norm.max() <= 1 and ab_norm.abs().max() <= 1
    assert torch.allclose(lab.network_to_rgb(l_norm, ab_norm), rgb, atol=1e-3)


def test_grey_has_zero_ab_and_matching_l():
    g = torch.rand(1, 1, 4, 4).repeat(1, 3, 1, 1)
    lab_img = lab.rgb_to_lab(g)
    assert lab_img[:, 1:].abs().max() < 1e-2
    assert torch.allclose(lab.grey_l(g), lab_img[:, :1])


def test_gamut_fit_keeps_lightness():
    L = torch.full((1, 1, 4, 4), 90.0)
    ab = torch.full((1, 2, 4, 4), 100.0)  # far outside sRGB at L=90
    rgb = lab.lab_to_rgb_in_gamut(L, ab)
    clipped = lab.lab_to_rgb(torch.cat([L, ab], 1))
    L_fit = lab.rgb_to_lab(rgb)[:, :1]
    L_clip = lab.rgb_to_lab(clipped)[:, :1]
    assert (L_fit - L).abs().max() < 0.5
    assert (L_clip - L).abs().max() > 2  # plain clipping would have changed L
    assert lab.chroma(lab.rgb_to_lab(rgb)[:, 1:]).mean() > 10  # and colour is kept, not dropped


def test_gamut_fit_leaves_in_gamut_pixels_alone():
    L = torch.full((2, 1, 3, 4), 60.0)
    ab = torch.zeros(2, 2, 3, 4)
    ab[0, :, 1, 2] = 120.0  # one pixel far out of gamut, the rest grey
    ab[1, 0] = 10.0  # a mild colour, in gamut
    rgb = lab.lab_to_rgb_in_gamut(L, ab)
    plain = lab.lab_to_rgb(torch.cat([L, ab], 1))
    mask = torch.ones(2, 3, 4, dtype=torch.bool)
    mask[0, 1, 2] = False
    assert torch.allclose(rgb.permute(0, 2, 3, 1)[mask], plain.permute(0, 2, 3, 1)[mask], atol=1e-5)
    assert (lab.rgb_to_lab(rgb)[0, 0, 1, 2] - 60.0).abs() < 0.5


def test_conversions_equal_kornias():
    """core.lab writes the colour maths itself (no kornia import on the colorize path); kornia is the reference."""
    import kornia.color as kc

    rgb = torch.rand(2, 3, 16, 16)
    rgb[0, :, 0, :4] = 0.0  # black and white edges
    rgb[0, :, 1, :4] = 1.0
    assert torch.allclose(lab.rgb_to_lab(rgb), kc.rgb_to_lab(rgb), atol=1e-3)
    lab_img = torch.cat([torch.rand(2, 1, 16, 16) * 100, (torch.rand(2, 2, 16, 16) - 0.5) * 220], 1)
    for clip in (True, False):
        assert torch.allclose(lab.lab_to_rgb(lab_img, clip=clip), kc.lab_to_rgb(lab_img, clip=clip), atol=1e-4)
    assert torch.allclose(lab.grey_l(rgb), kc.rgb_to_lab(rgb)[:, :1], atol=1e-3)


def test_gamut_fit_matches_bisection_in_srgb():
    """The fitted chroma is the largest in-gamut one to 1/256 (checked in sRGB, as the old code did)."""
    torch.manual_seed(0)
    L = torch.rand(1, 1, 32, 32) * 100
    ab = (torch.rand(1, 2, 32, 32) - 0.5) * 240
    rgb = lab.lab_to_rgb_in_gamut(L, ab)
    back = lab.rgb_to_lab(rgb)
    assert (back[:, :1] - L).abs().max() < 0.6
    s = lab.chroma(back[:, 1:]) / lab.chroma(ab).clamp(min=1e-6)
    more = lab.lab_to_rgb(torch.cat([L, ab * (s + 2 / 256).clamp(max=1)], 1), clip=False)
    out = ((more < -1e-4) | (more > 1 + 1e-4)).any(1, keepdim=True)
    assert bool(out[s < 0.99].all())  # any more chroma would leave the gamut
