"""The NumPy twins of ``ops.flow`` and ``ops.histogram`` (the temporal step without torch) equal the torch ones."""

import numpy as np
import pytest
import torch

from chromalab.ops import flow, flownp, histogram


def test_backward_warp_equals_torch():
    rng = np.random.default_rng(0)
    src = rng.random((3, 17, 23), dtype=np.float32) * 100 - 50
    fl = (rng.random((2, 17, 23), dtype=np.float32) - 0.5) * 12  # some samples leave the frame
    want, want_inside = flow.backward_warp(torch.from_numpy(src)[None], torch.from_numpy(fl)[None])
    got, inside = flownp.backward_warp(src, fl)
    assert got.shape == src.shape and got.dtype == np.float32 and inside.shape == (17, 23)
    np.testing.assert_allclose(got, want[0].numpy(), atol=2e-4)
    np.testing.assert_array_equal(inside, want_inside[0, 0].numpy())
    assert 0 < inside.mean() < 1


def test_integer_shift_moves_pixels_exactly():
    src = np.arange(30.0, dtype=np.float32).reshape(1, 5, 6)
    fl = np.zeros((2, 5, 6), np.float32)
    fl[0] = 2
    warped, inside = flownp.backward_warp(src, fl)
    np.testing.assert_array_equal(warped[0, :, :4], src[0, :, 2:])
    np.testing.assert_array_equal(warped[0, :, 4:], src[0, :, 5:6].repeat(2, 1))  # clamped border
    assert inside[:, :4].all() and not inside[:, 4:].any()


def test_occlusion_mask_equals_torch():
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:20, 0:30].astype(np.float32)
    fw = np.stack([1.5 + 0.02 * xx, -0.7 + 0.01 * yy])
    fw[0, :, 18:] += 3.0  # a motion boundary
    bw = -fw + (rng.random((2, 20, 30), dtype=np.float32) - 0.5) * 1.6  # some pixels fail the round trip
    want = flow.occlusion_mask(torch.from_numpy(fw)[None], torch.from_numpy(bw)[None])[0, 0].numpy()
    got = flownp.occlusion_mask(fw, bw)
    assert got.shape == (20, 30) and 0 < got.mean() < 1
    assert (got != want).mean() < 0.005  # equal but for ties at the thresholds (float rounding)


def test_histogram_and_js_divergence_equal_torch():
    rng = np.random.default_rng(2)
    a, b = rng.random((40, 50), dtype=np.float32), rng.random((40, 50), dtype=np.float32) ** 2
    for x in (a, b):
        np.testing.assert_allclose(flownp.histogram(x, 64),
                                   histogram.channel_histograms(torch.from_numpy(x)[None], 64)[0].numpy())
    p, q = flownp.histogram(a, 64), flownp.histogram(b, 64)
    want = histogram.js_divergence(torch.from_numpy(p), torch.from_numpy(q))
    assert float(flownp.js_divergence(p, q)) == pytest.approx(float(want), abs=1e-12)
    assert float(flownp.js_divergence(p, p)) == 0.0


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        flownp.backward_warp(np.zeros((1, 4, 5), np.float32), np.zeros((2, 4, 4), np.float32))
