import torch
import torch.nn.functional as F

from chromalab.ops.upsample import bilinear_upsample, box_filter, guided_filter, guided_upsample


def slow_box(x, r):
    """Obvious reference: mean over the clipped window, pixel by pixel."""
    B, C, H, W = x.shape
    out = torch.empty_like(x)
    for i in range(H):
        for j in range(W):
            win = x[:, :, max(0, i - r):i + r + 1, max(0, j - r):j + r + 1]
            out[:, :, i, j] = win.mean((2, 3))
    return out


def test_box_filter_matches_slow_reference():
    x = torch.randn(2, 3, 9, 13, dtype=torch.float64)
    for r in (0, 1, 3, 7):
        assert torch.allclose(box_filter(x, r), slow_box(x, r))


def test_guided_filter_preserves_constant_and_linear_signal():
    guide = torch.rand(1, 1, 20, 20, dtype=torch.float64)
    src = 3 * guide + 0.5
    assert torch.allclose(guided_filter(guide, src, r=2, eps=1e-8), src, atol=1e-4)


def edge_scene(size=128, edge=53):
    """L with a sharp vertical edge at a column that does not fall on a low-resolution pixel border."""
    L = torch.full((1, 1, size, size), 30.0)
    L[..., edge:] = 70.0
    ab = torch.zeros(1, 2, size, size)
    ab[:, 0, :, :edge] = 40.0
    ab[:, 1, :, edge:] = -40.0
    return L, ab


def test_guided_upsampling_aligns_colour_edges_with_luminance_edges():
    L, ab = edge_scene()
    low = (16, 16)
    L_low = F.interpolate(L, size=low, mode="area")
    ab_low = F.interpolate(ab, size=low, mode="area")
    guided = guided_upsample(ab_low, L_low / 100, L / 100, r=1, eps=1e-4)
    plain = bilinear_upsample(ab_low, L.shape[-2:])
    band = slice(53 - 12, 53 + 12)  # where bleeding happens
    err_guided = (guided - ab)[..., band].abs().mean()
    err_plain = (plain - ab)[..., band].abs().mean()
    assert err_guided < 0.5 * err_plain
    # colour gradient peaks where the luminance edge is
    grad = (guided[:, 0, :, 1:] - guided[:, 0, :, :-1]).abs().mean((0, 1))
    assert abs(int(grad.argmax()) - 52) <= 1


def test_bilinear_rows_equals_the_slice_of_the_full_upsampling():
    from chromalab.ops.upsample import bilinear_rows

    x = torch.randn(1, 4, 7, 9)
    for height, width in ((7, 9), (23, 31), (100, 41), (5, 6)):  # same size, up, tall, down
        full = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
        for y0, rows in ((0, height), (0, 1), (height // 3, height - height // 3), (height - 1, 1)):
            part = bilinear_rows(x, y0, rows, height, width)
            assert part.shape == (1, 4, rows, width)
            assert torch.allclose(part, full[:, :, y0:y0 + rows], atol=1e-5)
