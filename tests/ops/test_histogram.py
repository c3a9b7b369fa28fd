import math

import numpy as np
import torch

from chromalab.ops.histogram import channel_histograms, js_divergence


def test_channel_histograms_equal_numpy_histogram():
    img = torch.rand(3, 11, 13, generator=torch.Generator().manual_seed(0))
    img[0, 0, 0], img[1, 0, 0] = 1.0, 0.0
    hist = channel_histograms(img, bins=16)
    for c in range(3):
        ref, _ = np.histogram(img[c].numpy(), bins=16, range=(0, 1))
        np.testing.assert_allclose(hist[c].numpy(), ref / ref.sum())


def slow_js(p, q):
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    kl = lambda a: sum(x * math.log(x / y) for x, y in zip(a, m, strict=True) if x > 0)  # noqa: E731
    return (kl(p) + kl(q)) / 2


def test_js_divergence_equals_slow_reference_and_bounds():
    p = torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]], dtype=torch.float64)
    q = torch.tensor([[0.0, 0.0, 0.5, 0.5], [0.4, 0.3, 0.2, 0.1]], dtype=torch.float64)
    got = js_divergence(p, q)
    for i in range(2):
        assert math.isclose(float(got[i]), slow_js(p[i].tolist(), q[i].tolist()), rel_tol=1e-12)
    assert math.isclose(float(got[0]), math.log(2))  # disjoint supports: the maximum
    assert float(js_divergence(p, p).abs().max()) == 0
