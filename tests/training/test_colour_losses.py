"""Issue 15's anti-timid training terms: colourfulness gap, boosted targets, faded crops dropped, semantic KL."""

import dataclasses

import pytest
import torch

from chromalab.core import lab
from chromalab.models.backbones.lite0 import EfficientNetLiteConfig
from chromalab.models.effnet_unet import EffnetUnetConfig
from chromalab.models.io import save_model
from chromalab.training.colour_losses import SemanticKL, boost_targets, colourful_mask, colourfulness_gap
from chromalab.training.effnet_module import EffnetColorizationModule, warm_start_weights
from chromalab.training.recipe import RECIPES, TrainRecipe
from tests.conftest import sample_rgb


def batch(n: int = 2, size: int = 32):
    rgb = torch.stack([lab.image_to_tensor(sample_rgb(k, 2 * size).astype("float32") / 255)[0, :, :size, :size]
                       for k in ("coffee", "astronaut", "chelsea", "rocket")[:n]])
    return lab.rgb_to_network(rgb)


def test_colourfulness_gap_is_zero_on_the_truth_and_pushes_grey_towards_colour():
    l_norm, ab = batch()
    assert float(colourfulness_gap(l_norm, ab, ab)) == pytest.approx(0, abs=1e-4)
    grey = torch.full_like(ab, 0.01, requires_grad=True)
    gap = colourfulness_gap(l_norm, grey, ab)
    assert float(gap.detach()) > 0.05
    gap.backward()
    assert torch.isfinite(grey.grad).all() and grey.grad.abs().sum() > 0


def test_boosted_targets_stay_in_range_and_faded_crops_are_dropped():
    l_norm, ab = batch()
    assert torch.equal(boost_targets(ab, 1.0), ab)
    boosted = boost_targets(ab * 3, 1.2)
    assert boosted.abs().max() <= 1.0
    faded = torch.cat([ab[:1], ab[1:] * 0.01])  # the second crop nearly grey (sepia-like)
    assert colourful_mask(l_norm, faded, 15.0).tolist() == [True, False]
    assert colourful_mask(l_norm, faded * 0, 15.0).all()  # nothing colourful: keep everything


def test_semantic_kl_is_zero_for_the_truth_and_positive_otherwise():
    kl = SemanticKL()  # the ImageNet Lite0 (installed weights package; nothing downloaded)
    l_norm, ab = batch()
    assert float(kl(l_norm, ab, ab)) == pytest.approx(0, abs=1e-5)
    pred = torch.zeros_like(ab, requires_grad=True)
    loss = kl(l_norm, pred, ab)
    loss.backward()
    assert float(loss.detach()) > 0 and torch.isfinite(pred.grad).all()


def test_candidate_recipes_are_registered_with_one_budget():
    names = ["i15-l1", "i15-cf", "i15-sat", "i15-semantic", "i15-combo"]
    budgets = {(RECIPES[n].size, RECIPES[n].epochs, RECIPES[n].lr, RECIPES[n].warm_start) for n in names}
    assert len(budgets) == 1
    assert RECIPES["i15-sat"].target_saturation == 1.2 and RECIPES["i15-sat"].min_colourfulness == 15.0
    r = TrainRecipe.from_dict(RECIPES["i15-combo"].to_dict())
    assert r == RECIPES["i15-combo"]


def test_training_step_with_every_term_and_a_warm_start(tmp_path):
    cfg = dataclasses.replace(EffnetUnetConfig().tiny(), decoders=2)
    src = cfg.build()
    save_model(src, cfg, tmp_path / "src")
    recipe = TrainRecipe(colourfulness_weight=0.5, target_saturation=1.2, min_colourfulness=15.0,
                         semantic_weight=0.05, warm_start=str(tmp_path / "src"))
    module = EffnetColorizationModule(cfg, recipe)
    for k, v in module.net.state_dict().items():
        assert torch.equal(v, src.state_dict()[k]), k
    module.semantic = SemanticKL(EfficientNetLiteConfig(pretrained=False, in_channels=3).build())
    module.log = lambda *a, **k: None
    loss = module.training_step(batch(4), 0)
    loss.backward()
    assert torch.isfinite(loss) and any(p.grad is not None for p in module.net.decoders.parameters())
    assert warm_start_weights(module.net, str(tmp_path / "src")) == []
