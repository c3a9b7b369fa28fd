"""The committed ONNX graphs of the per-pixel steps equal their torch modules (so a change to the torch code
that was not re-exported with ``make graphs`` fails here), on sizes unlike the export's examples."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.inference.onnx_steps import OnnxSteps, graphs_available
from chromalab.inference.steps import TorchSteps
from chromalab.ops.upsample import guided_upsample

pytest.importorskip("onnxruntime")
SIZES = [(37, 53, 9, 13), (64, 64, 64, 64), (5, 300, 3, 40), (120, 17, 31, 8)]  # (rows, width, h, w)


@pytest.fixture(scope="module")
def both():
    assert graphs_available(), "inference/graphs/*.onnx missing: run `make graphs`"
    return TorchSteps(), OnnxSteps()


def rng_inputs(rows, width, h, w, seed=0):
    g = np.random.default_rng(seed)
    L = (g.random((rows, width)) * 100).astype(np.float32)
    coef = np.concatenate([g.normal(0, 20, (1, 2, h, w)), g.normal(0, 25, (1, 2, h, w))], 1).astype(np.float32)
    return L, coef


@pytest.mark.parametrize("rows,width,h,w", SIZES)
def test_onnx_steps_equal_torch_steps(both, rows, width, h, w):
    ts, os_ = both
    rgb = np.random.default_rng(1).random((rows, width, 3), dtype=np.float32)
    np.testing.assert_allclose(os_.lightness(rgb), ts.lightness(rgb), atol=1e-3)
    L, coef = rng_inputs(rows, width, h, w)
    ab, L_low = coef[:, 2:], L[None, None, :h, :w].copy() if rows >= h and width >= w else coef[:, :1] + 50
    np.testing.assert_allclose(os_.coefficients(ab, L_low), ts.coefficients(ab, L_low), atol=1e-2)
    for y0, height in ((0, rows), (7, rows + 20)):
        got, want = os_.finish(L, coef, y0, height), ts.finish(L, coef, y0, height)
        assert got.shape == want.shape == (rows, width, 3) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-4)
        got, want = os_.finish(L, coef, y0, height, 1.5, -0.4), ts.finish(L, coef, y0, height, 1.5, -0.4)
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_finish_is_guided_upsampling_then_gamut_fitting(both):
    """The strip-wise finish equals the whole-photo torch pipeline it replaced: guided upsampling of ab, then
    ``lab_to_rgb_in_gamut``."""
    ts, _ = both
    g = np.random.default_rng(2)
    L = torch.from_numpy((g.random((1, 1, 90, 70)) * 100).astype(np.float32))
    L_low = F.interpolate(L, size=(30, 24), mode="area")
    ab = torch.from_numpy(g.normal(0, 30, (1, 2, 30, 24)).astype(np.float32))
    want = lab.lab_to_rgb_in_gamut(L, guided_upsample(ab, L_low / 100, L / 100))[0].permute(1, 2, 0).numpy()
    coef = ts.coefficients(ab.numpy(), L_low.numpy())
    got = np.concatenate([ts.finish(L[0, 0, y:y + 40].numpy(), coef, y, 90) for y in (0, 40, 80)])
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_finish_keeps_lightness_and_stays_in_gamut(both):
    _, os_ = both
    L, coef = rng_inputs(40, 50, 10, 10)
    rgb = os_.finish(L, coef * 3, 0, 40)  # strong chroma: many pixels need fitting
    assert rgb.min() >= 0 and rgb.max() <= 1
    L_out = lab.grey_l(torch.from_numpy(rgb).permute(2, 0, 1)[None])[0, 0].numpy()
    assert np.abs(L_out - L).max() < 0.5


@pytest.mark.parametrize("rows,width", [(37, 53), (5, 300)])
def test_adjust_step_equals_adjust_colour(both, rows, width):
    """The web page's saturation / vibrance on a colorized photo: the step (torch and ONNX, and through the
    pipeline's strips) equals ``ops.colour.adjust_colour``."""
    from chromalab.inference.pipeline import adjust_image
    from chromalab.ops.colour import adjust_colour

    ts, os_ = both
    rgb = np.random.default_rng(3).random((rows, width, 3), dtype=np.float32)
    for sat, vib in ((1.5, -0.4), (0.0, 0.0), (3.0, 1.0)):
        want = adjust_colour(rgb, sat, vib)
        np.testing.assert_allclose(ts.adjust(rgb, sat, vib), want, atol=1e-4)
        np.testing.assert_allclose(os_.adjust(rgb, sat, vib), want, atol=1e-4)
        np.testing.assert_allclose(adjust_image(rgb, steps=os_, saturation=sat, vibrance=vib), want, atol=1e-4)
    u8 = (rgb * 255).astype(np.uint8)
    np.testing.assert_allclose(adjust_image(u8, steps=os_, saturation=1.3, vibrance=0.2),
                               adjust_colour(u8.astype(np.float32) / 255, 1.3, 0.2), atol=1e-4)
    assert np.array_equal(adjust_image(u8, steps=os_), u8.astype(np.float32) / 255)
