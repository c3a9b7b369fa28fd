import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromalab.evaluation.metrics import all_metrics, colourfulness, mae, summarize


def rand_img(seed, shape=(16, 16, 3)):
    return np.random.default_rng(seed).random(shape)


def test_identical_images_are_perfect():
    x = rand_img(0)
    m = all_metrics(x, x)
    assert m["mae"] == 0 and m["psnr"] == float("inf") and m["ssim"] == pytest.approx(1)
    assert m["delta_e2000"] == pytest.approx(0, abs=1e-6) and m["colourfulness_gap"] == 0
    assert m.get("agreement", 1.0) == 1.0  # a photo agrees with itself


def test_mae_is_the_mean_absolute_difference():
    a, b = rand_img(1), rand_img(2)
    slow = sum(abs(float(a[i, j, c]) - float(b[i, j, c])) for i in range(16) for j in range(16) for c in range(3))
    assert mae(a, b) == pytest.approx(slow / (16 * 16 * 3))


def test_colourfulness_zero_for_grey_and_grows_with_saturation():
    grey = np.repeat(rand_img(3, (16, 16, 1)), 3, 2)
    assert colourfulness(grey) == pytest.approx(0, abs=1e-9)
    vivid = rand_img(4)
    assert colourfulness(vivid) > colourfulness(0.5 * vivid + 0.5 * vivid.mean(2, keepdims=True)) > 0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 1000), st.floats(0.01, 0.3))
def test_worse_prediction_never_scores_better(seed, noise):
    truth = rand_img(seed)
    a = np.clip(truth + noise * 0.5, 0, 1)
    b = np.clip(truth + noise, 0, 1)
    ma, mb = all_metrics(a, truth, semantic=False), all_metrics(b, truth, semantic=False)
    assert ma["mae"] <= mb["mae"] + 1e-12 and ma["psnr"] >= mb["psnr"] - 1e-9


def test_summary_gives_min_mean_max():
    s = summarize([{"mae": 0.1}, {"mae": 0.3}])
    assert s["mae"] == pytest.approx({"min": 0.1, "mean": 0.2, "max": 0.3})
