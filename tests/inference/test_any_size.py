"""Every photo of at least 1x1 pixels colorizes at its own size, on both runtimes, with the shipped default:
tiny photos, thin strips and extreme panoramas (whose working copy has a side of 8) included."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chromalab.inference import pipeline
from chromalab.inference.load import load_colorizer
from chromalab.inference.runtime import ONNX, TORCH
from tests.conftest import sample_rgb

pytest.importorskip("onnxruntime")

THIN = [(1, 1), (1, 2), (2, 1), (16, 16), (31, 31), (7, 13), (1, 500), (500, 1), (8, 4000), (4000, 8), (20, 798),
        (250, 4000)]


@pytest.fixture(scope="module", params=[ONNX, TORCH])
def default(request):
    col = load_colorizer("default", runtime=request.param)
    assert col.runtime == request.param
    return col


def photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A grey uint8 photo with some structure (a gradient plus noise), any size."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 128 + 80 * np.sin(xx / 7.0 + yy / 11.0)
    return np.clip(base + rng.normal(0, 20, (h, w)), 0, 255).astype(np.uint8)


def check(col, h: int, w: int) -> None:
    grey = photo(h, w)
    out = col.colorize(grey)
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    # the output keeps the input's lightness: its grey version is the input (within rounding and gamut fit)
    L_in = pipeline.image_lightness(grey, col.steps)
    L_out = pipeline.image_lightness(out, col.steps)
    assert float(np.abs(L_in - L_out).max()) < 2.0


sizes = st.one_of(
    st.tuples(st.integers(1, 300), st.integers(1, 300)),
    st.tuples(st.integers(1, 4), st.integers(300, 5000)),  # 1xN strips and panoramas
    st.tuples(st.integers(300, 5000), st.integers(1, 4)),  # Nx1
)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(size=sizes)
@example(size=(1, 1))
@example(size=(16, 16))
@example(size=(8, 4000))
@example(size=(4000, 8))
@example(size=(1, 5000))
def test_any_size_colorizes_at_its_own_size(default, size):
    check(default, *size)


@pytest.mark.parametrize("size", THIN)
def test_tiny_and_thin_photos_seen_in_the_wild(default, size):
    check(default, *size)


def test_runtimes_agree_on_tiny_photos():
    cols = {rt: load_colorizer("default", runtime=rt) for rt in (ONNX, TORCH)}
    for h, w in [(1, 1), (7, 13), (16, 16), (3, 900)]:
        out = {rt: c.colorize(photo(h, w)).astype(np.float32) for rt, c in cols.items()}
        assert float(np.abs(out[ONNX] - out[TORCH]).mean()) < 2.0  # 8-bit levels


def test_pad_to_min_side_mirrors_any_size_and_leaves_large_arrays_alone():
    x = np.arange(6, dtype=np.float32).reshape(1, 1, 2, 3)
    y = pipeline.pad_to_min_side(x, 5)
    assert y.shape == (1, 1, 5, 5)
    np.testing.assert_array_equal(y[..., :2, :3], x)  # the original in the top-left corner
    np.testing.assert_array_equal(y[0, 0, 0], [0, 1, 2, 1, 0])  # mirrored, repeating as far as needed
    one = pipeline.pad_to_min_side(np.full((1, 1, 1, 1), 7.0, np.float32), 4)
    assert one.shape == (1, 1, 4, 4) and np.all(one == 7.0)
    big = np.zeros((1, 1, pipeline.NETWORK_MIN_SIDE, 70), np.float32)
    assert pipeline.pad_to_min_side(big) is big


def test_predict_crops_back_to_the_working_copy(default):
    L = np.full((1, 1, 3, 200), 50.0, np.float32)
    ab = default.predict(L)
    assert ab.shape == (1, 2, 3, 200) and ab.flags.c_contiguous and np.isfinite(ab).all()


def test_reference_model_takes_tiny_photos(tiny_reference_run):
    col = load_colorizer(tiny_reference_run)
    ref = sample_rgb("coffee", 48).astype(np.float32) / 255.0
    for h, w in [(1, 1), (5, 300)]:
        assert col.colorize(photo(h, w), reference=ref).shape == (h, w, 3)
