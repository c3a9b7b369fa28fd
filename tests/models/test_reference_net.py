"""The reference-guided network: guide shapes, recovering colours by correspondence alone, saving."""

from __future__ import annotations

import pytest
import torch

from chromalab.core import lab
from chromalab.models.io import load_model, save_model
from chromalab.models.registry import config_from_dict, config_to_dict, get_config
from chromalab.ops.distort import DistortConfig, make_reference
from tests.conftest import sample_rgb


def _photo(name: str, size: int = 96):
    return lab.rgb_to_network(lab.image_to_tensor(sample_rgb(name, size) / 255.0))


def test_guide_and_output_shapes(pretrained_net):
    l_norm, ab = _photo("coffee", 40)
    ref_l, ref_ab = _photo("chelsea", 48)
    for match in ("exact", "patchmatch", "identity", "none"):
        guide = pretrained_net.guide(l_norm, ref_l, ref_ab, match=match)
        assert guide.shape == (1, 4, *l_norm.shape[-2:])
        out = pretrained_net(l_norm, guide=guide)
        assert out.shape == (1, 2, *l_norm.shape[-2:]) and out.abs().max() <= 1
    assert pretrained_net.guide(l_norm, None, None).abs().sum() == 0
    with pytest.raises(ValueError, match="match must be one of"):
        pretrained_net.guide(l_norm, ref_l, ref_ab, match="nearest")


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_warped_copy_recovers_its_own_colours(pretrained_net, name):
    """Correspondence + warp alone (no training): a moved copy gives the photo back its own colours."""
    l_norm, ab = _photo(name)
    moved = DistortConfig(hue=0, saturation=0)  # geometric distortion + L jitter; the colours themselves kept
    ref_l, ref_ab = make_reference(l_norm, ab, moved, torch.Generator().manual_seed(1))
    laid_over = (ref_ab - ab).abs().mean()          # the moved copy used in place (no correspondence)
    for match in ("exact", "patchmatch") if name == "chelsea" else ("exact",):
        warped = pretrained_net.guide(l_norm, ref_l, ref_ab, match=match)[:, :2]
        err = (warped - ab).abs().mean()
        assert err < 0.35 * ab.abs().mean(), (match, float(err))   # far closer than no colour at all
        assert err < 0.6 * laid_over, (match, float(err))           # and than not searching
    exact = pretrained_net.guide(l_norm, ref_l, ref_ab, match="exact")
    assert exact[:, 2].mean() > 0.5 and exact[:, 3].mean() > 0.7  # high similarity, mostly cycle-consistent


def test_two_references_give_different_guides(pretrained_net):
    l_norm, _ = _photo("astronaut", 64)
    g1 = pretrained_net.guide(l_norm, *_photo("coffee", 64))
    g2 = pretrained_net.guide(l_norm, *_photo("chelsea", 64))
    assert (g1[:, :2] - g2[:, :2]).abs().mean() > 0.02


def test_package_features_are_not_saved_but_reload(tmp_path):
    cfg = get_config("reference-unet", width=4, depth=2)
    assert config_from_dict(config_to_dict(cfg)) == cfg
    net = cfg.build().eval()
    assert not any(k.startswith("features.") for k in net.state_dict())
    save_model(net, cfg, tmp_path)
    again, _ = load_model(tmp_path)
    l_norm, ab = _photo("coffee", 48)
    ref = _photo("chelsea", 48)
    torch.testing.assert_close(again(l_norm, *ref), net(l_norm, *ref))


def test_trained_feature_weights_are_saved(tmp_path):
    from chromalab.models.backbones.resnet34 import SimilarityResNetConfig
    cfg = get_config("reference-unet", width=4, depth=2,
                     features=SimilarityResNetConfig(in_channels=1, num_classes=3, width=4, blocks=(1, 1, 1, 1)))
    net = cfg.build().eval()
    assert any(k.startswith("features.") for k in net.state_dict())
    save_model(net, cfg, tmp_path)
    again, _ = load_model(tmp_path)
    l_norm, _ = _photo("coffee", 48)
    ref = _photo("chelsea", 48)
    torch.testing.assert_close(again(l_norm, *ref), net(l_norm, *ref))


def test_ablation_ignores_the_reference():
    net = get_config("reference-unet-nowarp", width=4, depth=2).build().eval()
    l_norm, _ = _photo("coffee", 48)
    torch.testing.assert_close(net(l_norm, *_photo("chelsea", 48)), net(l_norm, *_photo("rocket", 48)))
