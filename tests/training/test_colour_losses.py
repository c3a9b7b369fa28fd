"""Issue 15's anti-timid training terms: colourfulness gap, boosted targets, faded crops dropped, semantic KL."""

import dataclasses

import pytest
import torch

from chromalab.core import lab
from chromalab.models.backbones.lite0 import EfficientNetLiteConfig
from chromalab.models.effnet_unet import EffnetUnetConfig
from chromalab.models.io import save_model
from chromalab.training.colour_losses import (
    SemanticKL,
    boost_targets,
    colourful_mask,
    colourfulness_gap,
    rebalanced_cross_entropy,
)
from chromalab.training.effnet_module import EffnetColorizationModule, warm_start_weights
from chromalab.training.recipe import TrainRecipe
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


def test_rebalanced_cross_entropy_is_lowest_at_the_truths_bins_and_weights_rare_colours():
    from chromalab.ops import ab_bins

    centres = ab_bins.gamut_bins(10.0)
    _, ab = batch(2, 16)
    z = ab_bins.soft_encode(lab.denormalize_ab(ab), centres, 10.0)
    ones = torch.ones(len(centres))
    right = rebalanced_cross_entropy(torch.log(z + 1e-8), ab, centres, ones, 10.0)
    flat = rebalanced_cross_entropy(torch.zeros_like(z), ab, centres, ones, 10.0)
    assert 0 < right < flat and flat.item() == pytest.approx(float(torch.log(torch.tensor(len(centres)))), rel=1e-4)
    assert torch.allclose(rebalanced_cross_entropy(torch.zeros_like(z), ab, centres, 2 * ones, 10.0), 2 * flat)


def test_bins_training_step_warm_starts_all_but_the_new_head_and_learns_its_prior(tmp_path):
    plain = dataclasses.replace(EffnetUnetConfig().tiny(), decoders=2)
    save_model(plain.build(), plain, tmp_path / "src")
    cfg = dataclasses.replace(plain, ab_bins=10.0)
    recipe = TrainRecipe(l1_weight=0.0, bins_weight=1.0, rebalance_lambda=0.5, fresh_lr_scale=10.0,
                         warm_start=str(tmp_path / "src"))
    module = EffnetColorizationModule(cfg, recipe)
    assert {n for n in module.fresh if "head" in n} == {f"decoders.{k}.head.{p}" for k in (0, 1)
                                                        for p in ("weight", "bias")}
    groups = module.param_groups()
    assert sorted(g["lr"] for g in groups)[-1] == pytest.approx(recipe.lr * recipe.fresh_lr_scale)
    module.fit_bin_prior([batch(4, 32)])  # what on_train_start does with the training loader
    assert module.net.bin_prior.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert (module.net.bin_prior * module.net.bin_weights).sum().item() == pytest.approx(1.0, abs=1e-4)
    module.log = lambda *a, **k: None
    loss = module.training_step(batch(4, 32), 0)
    loss.backward()
    assert torch.isfinite(loss) and module.net.decoders[0].head.weight.grad is not None
