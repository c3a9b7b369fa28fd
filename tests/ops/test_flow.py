import math

import torch

from chromalab.ops.flow import backward_warp, occlusion_mask


def slow_warp(src, flow):
    """Per-pixel bilinear sampling at p + flow(p), coordinates clamped to the frame."""
    b, c, h, w = src.shape
    out = torch.zeros_like(src)
    for n in range(b):
        for y in range(h):
            for x in range(w):
                sx = min(max(x + float(flow[n, 0, y, x]), 0.0), w - 1.0)
                sy = min(max(y + float(flow[n, 1, y, x]), 0.0), h - 1.0)
                x0, y0 = int(math.floor(sx)), int(math.floor(sy))
                x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
                fx, fy = sx - x0, sy - y0
                out[n, :, y, x] = ((1 - fx) * (1 - fy) * src[n, :, y0, x0] + fx * (1 - fy) * src[n, :, y0, x1]
                                   + (1 - fx) * fy * src[n, :, y1, x0] + fx * fy * src[n, :, y1, x1])
    return out


def test_backward_warp_equals_slow_bilinear_reference():
    g = torch.Generator().manual_seed(0)
    src = torch.rand(2, 3, 7, 9, generator=g, dtype=torch.float64)
    flow = (torch.rand(2, 2, 7, 9, generator=g, dtype=torch.float64) - 0.5) * 6
    warped, inside = backward_warp(src, flow)
    torch.testing.assert_close(warped, slow_warp(src, flow), atol=1e-9, rtol=0)
    ys, xs = torch.meshgrid(torch.arange(7.0, dtype=torch.float64), torch.arange(9.0, dtype=torch.float64),
                            indexing="ij")
    x, y = xs + flow[:, 0], ys + flow[:, 1]
    assert torch.equal(inside[:, 0] > 0, (x >= 0) & (x <= 8) & (y >= 0) & (y <= 6))


def test_integer_shift_moves_pixels_exactly():
    src = torch.arange(30.0).view(1, 1, 5, 6)
    flow = torch.zeros(1, 2, 5, 6)
    flow[:, 0] = 2  # every pixel is found 2 px to the right in the source
    warped, inside = backward_warp(src, flow)
    assert torch.equal(warped[..., :4], src[..., 2:]) and inside[..., 4:].sum() == 0


def slow_occlusion(fw, bw):
    h, w = fw.shape[-2:]
    back, inside = backward_warp(bw, fw)
    out = torch.zeros(1, 1, h, w, dtype=fw.dtype)
    for y in range(h):
        for x in range(w):
            f, g = fw[0, :, y, x], back[0, :, y, x]
            ok = float(((f + g) ** 2).sum()) <= 0.01 * float((f ** 2).sum() + (g ** 2).sum()) + 0.5
            grad = 0.0
            if x + 1 < w:
                grad += float(((fw[0, :, y, x + 1] - f) ** 2).sum())
            if y + 1 < h:
                grad += float(((fw[0, :, y + 1, x] - f) ** 2).sum())
            ok = ok and grad <= 0.01 * float((f ** 2).sum()) + 0.002
            out[0, 0, y, x] = float(ok) * float(inside[0, 0, y, x])
    return out


def test_occlusion_mask_equals_slow_reference():
    g = torch.Generator().manual_seed(1)
    fw = torch.zeros(1, 2, 8, 10, dtype=torch.float64)
    fw[:, 0, :, 5:] = 2.0  # right half moves: a motion boundary at x = 4/5
    bw = -fw.clone()
    bw[:, :, 2:4, 2:4] += torch.rand(1, 2, 2, 2, generator=g, dtype=torch.float64) * 4  # inconsistent patch
    torch.testing.assert_close(occlusion_mask(fw, bw), slow_occlusion(fw, bw))


def test_consistent_translation_is_trusted_inside_the_frame():
    fw = torch.zeros(1, 2, 6, 8)
    fw[:, 0] = 1.0
    mask = occlusion_mask(fw, -fw)
    assert mask[..., :7].min() == 1 and mask[..., 7].max() == 0
