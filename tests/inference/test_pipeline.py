"""The NumPy orchestration of ``chromalab.inference.pipeline``: working copy, grey table, strips."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from chromalab.inference import pipeline
from chromalab.inference.steps import TorchSteps


@pytest.mark.parametrize("shape,size", [((2, 1, 50, 70), (20, 28)), ((1, 3, 64, 64), (32, 32)),
                                        ((1, 1, 13, 300), (8, 256)), ((1, 1, 9, 9), (9, 9))])
def test_area_downsample_equals_torch_area_interpolation(shape, size):
    x = np.random.default_rng(0).random(shape, dtype=np.float32) * 100
    want = F.interpolate(torch.from_numpy(x), size=size, mode="area").numpy()
    got = pipeline.area_downsample(x, size)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-3)


def test_work_shape():
    assert pipeline.work_shape(100, 80, 256) is None
    assert pipeline.work_shape(1024, 512, 256) == (256, 128)
    assert pipeline.work_shape(4000, 20, 256) == (256, 8)  # sides at least 8


def test_grey_photos_take_the_table_and_equal_the_lightness_step():
    steps = TorchSteps()
    g = np.random.default_rng(1).integers(0, 256, (30, 41), dtype=np.uint8)
    via_table = pipeline.image_lightness(g, steps)
    direct = steps.lightness(np.repeat(g[..., None], 3, 2).astype(np.float32) / 255)
    np.testing.assert_allclose(via_table, direct, atol=1e-4)
    rgb3 = np.repeat(g[..., None], 3, 2)
    assert pipeline.single_channel(rgb3) is not None
    np.testing.assert_array_equal(pipeline.image_lightness(rgb3, steps), via_table)
    colour = rgb3.copy()
    colour[0, 0, 1] ^= 1
    assert pipeline.single_channel(colour) is None


def test_strips_give_the_whole_photo_result(monkeypatch):
    steps = TorchSteps()
    g = np.random.default_rng(2)
    L = (g.random((70, 90)) * 100).astype(np.float32)
    predict = lambda low: np.stack([low[:, 0] * 0.3 - 10, 20 - low[:, 0] * 0.2], 1)  # noqa: E731
    whole = pipeline.colorize_lightness(L, steps=steps, predict=predict, work_size=32)
    monkeypatch.setattr(pipeline, "STRIP_PIXELS", 90 * 7)  # 7-row strips, the last one shorter
    strips = pipeline.colorize_lightness(L, steps=steps, predict=predict, work_size=32)
    np.testing.assert_allclose(strips, whole, atol=1e-5)
    u8 = pipeline.colorize_lightness(L, steps=steps, predict=predict, work_size=32, as_uint8=True)
    assert u8.dtype == np.uint8 and np.abs(u8.astype(int) - pipeline.to_uint8(whole)).max() == 0
