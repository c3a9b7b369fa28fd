"""Feature networks (family ``similarity``): shapes, the L stem of EfficientNet-Lite0, classifier training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from chromalab.models.backbones.lite0 import EfficientNetLiteConfig
from chromalab.models.registry import get_config, names


def test_similarity_networks_are_registered():
    assert {"similarity-resnet34-rgb", "similarity-resnet34-l", "similarity-efficientnet-lite0-l"} <= set(
        names("similarity"))


@pytest.mark.parametrize("name", names("similarity"))
def test_feature_network_shapes_and_learning(name):
    torch.manual_seed(0)
    cfg = get_config(name).tiny()
    assert cfg.colorizer is False
    net = cfg.build()
    x = torch.rand(2, cfg.in_channels, 40, 56) * 2 - 1
    feats = net.features(x)
    assert len(feats) == 4 and tuple(net.strides) == (4, 8, 16, 32)
    for f, c, s in zip(feats, net.channels, net.strides, strict=True):
        assert f.shape == (2, c, -(-40 // s), -(-56 // s))
    logits = net(x)
    assert logits.ndim == 2 and logits.shape[0] == 2
    if not hasattr(cfg, "num_classes"):
        return  # pretrained, used frozen: `chromalab similarity train` trains only the ResNets
    target = torch.tensor([0, 1])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    losses = []
    for _ in range(5):
        loss = F.cross_entropy(net(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_resnet34_is_resnet34():
    net = get_config("similarity-resnet34-rgb").build()
    assert sum(p.numel() for p in net.parameters()) == 21_797_672  # torchvision's resnet34: 21,797,672
    assert [len(s) for s in net.stages] == [3, 4, 6, 3]
    assert net.stem[0].in_channels == 3 and get_config("similarity-resnet34-l").build().stem[0].in_channels == 1


def test_efficientnet_l_stem_equals_rgb_network_on_grey():
    """Summing the RGB stem weights: one L channel gives what the RGB network gives for (L, L, L)."""
    rgb_net = EfficientNetLiteConfig(pretrained=True, in_channels=3).build().eval()
    l_net = EfficientNetLiteConfig(pretrained=True, in_channels=1).build().eval()
    x = torch.rand(1, 1, 64, 48) * 2 - 1
    with torch.no_grad():
        for a, b in zip(l_net.features(x), rgb_net.features(x.repeat(1, 3, 1, 1)), strict=True):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_efficientnet_imagenet_weights_recognise_a_cat():
    """The pretrained weights are really ImageNet's: the L network still sees chelsea as a cat."""
    from tests.conftest import sample_rgb

    img = np.asarray(Image.fromarray(sample_rgb("chelsea", 300)).convert("L").resize((224, 224)), np.float32)
    x = torch.from_numpy(img / 127.5 - 1)[None, None]
    with torch.no_grad():
        top = get_config("similarity-efficientnet-lite0-l").build().eval()(x).argmax(1).item()
    assert 281 <= top <= 285  # ImageNet's domestic cats (tabby, tiger, Persian, Siamese, Egyptian)


def _stripes(kind: int, seed: int, size: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    period = rng.integers(4, 9)
    y, x = np.mgrid[0:size, 0:size]
    wave = np.sin(2 * np.pi * (x if kind == 0 else y) / period + rng.random() * 6)
    base = (wave[..., None] * 0.4 + 0.5) * rng.uniform(0.6, 1.0, 3)
    return (np.clip(base, 0, 1) * 255).astype(np.uint8)


def test_similarity_training_learns_classes(tmp_path):
    """Vertical vs horizontal stripes (visible in L): the L ResNet must beat chance on held-out photos."""
    from chromalab.training.similarity import train_similarity

    data = tmp_path / "labelled"
    for kind, name in enumerate(("vertical", "horizontal")):
        (data / name).mkdir(parents=True)
        for i in range(40):
            Image.fromarray(_stripes(kind, i + 100 * kind)).save(data / name / f"{i}.png")
    res = train_similarity("similarity-resnet34-l", data, tmp_path / "run", size=32, batch=16, epochs=6, lr=3e-3,
                           overrides={"width": 8, "blocks": "1,1,1,1"}, progress=False)
    assert res["classes"] == ["horizontal", "vertical"]
    assert res["val_accuracy"] >= 0.8
    from chromalab.models.io import load_model
    net, meta = load_model(tmp_path / "run")
    assert meta["training"]["best"]["val/accuracy"] == res["val_accuracy"] and net.fc.out_features == 2
