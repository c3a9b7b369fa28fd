import numpy as np
import pytest
import torch
from skimage.color import lab2rgb

from chromalab.core import lab
from chromalab.models.backbones.lite0 import SKIP_CHANNELS, l_to_encoder_input, one_channel_stem
from chromalab.models.backbones.lite0 import imagenet_weights_path as pretrained_weights_path
from chromalab.models.effnet_unet import EffnetUnetConfig, combine_decoders
from chromalab.models.registry import get_config
from tests.conftest import sample_rgb


def test_encoder_input_is_the_grey_srgb_value_tf_lite_normalised():
    l_norm = torch.linspace(-1, 1, 11).reshape(1, 1, 1, 11)
    got = l_to_encoder_input(l_norm)[0, 0, 0].numpy()
    L = (l_norm.flatten().numpy() + 1) * 50
    # slow reference: scikit-image's Lab → sRGB of (L, 0, 0), then (255 x - 127) / 128
    grey = np.array([lab2rgb(np.array([[[v, 0.0, 0.0]]]))[0, 0, 0] for v in L])
    assert np.allclose(got, (255 * grey - 127) / 128, atol=2e-3)
    assert got[0] == pytest.approx(-127 / 128, abs=1e-3) and got[-1] == pytest.approx(1.0, abs=1e-3)


def test_one_channel_stem_equals_rgb_stem_on_grey_input():
    from efficientnet_lite_pytorch import EfficientNet

    torch.manual_seed(0)
    stem = EfficientNet.from_name("efficientnet-lite0")._conv_stem
    x = torch.randn(2, 1, 32, 40)
    assert torch.allclose(one_channel_stem(stem)(x), stem(x.repeat(1, 3, 1, 1)), atol=1e-5)


def test_pretrained_weights_really_load_into_the_encoder():
    state = torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True)
    net = EffnetUnetConfig(decoder=(8, 8, 8, 8, 4)).build()
    enc = net.encoder.net
    assert torch.equal(enc._conv_stem.weight, state["_conv_stem.weight"].sum(1, keepdim=True))
    assert torch.equal(enc._blocks[7]._project_conv.weight, state["_blocks.7._project_conv.weight"])
    random = EffnetUnetConfig(pretrained=False, decoder=(8, 8, 8, 8, 4)).build()
    assert not torch.equal(random.encoder.net._conv_stem.weight, enc._conv_stem.weight)


def test_pretrained_grey_stem_still_recognises_a_grey_cat():
    """The ImageNet classifier, fed L through the summed stem, calls grey chelsea a cat (classes 281–285)."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    net.load_state_dict(torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True))
    net._conv_stem = one_channel_stem(net._conv_stem)
    net.eval()
    rgb = lab.image_to_tensor(sample_rgb("chelsea", 224) / 255.0)
    l_norm, _ = lab.rgb_to_network(rgb)
    with torch.no_grad():
        top = int(net(l_to_encoder_input(l_norm)).argmax())
    assert 281 <= top <= 285


def test_skips_come_from_every_encoder_stage():
    cfg = get_config("unet-effnet-lite0").tiny()
    net = cfg.build()
    feats = net.encoder(torch.zeros(1, 1, 64, 64))
    assert [f.shape[1] for f in feats] == list(SKIP_CHANNELS)
    assert [f.shape[-1] for f in feats] == [32, 16, 8, 4, 2]
    fuse = net.decoders[0].fuse
    assert fuse[0][0][0].in_channels == SKIP_CHANNELS[-1] + SKIP_CHANNELS[-2]
    assert fuse[-1][0][0].in_channels == cfg.decoder[-2] + 1  # the input L itself at full resolution


def test_tiny_needs_no_pretrained_file_and_decoder_length_is_checked():
    assert get_config("unet-effnet-lite0").tiny().pretrained is False
    with pytest.raises(ValueError, match="5 widths"):
        EffnetUnetConfig(pretrained=False, decoder=(8, 8)).build()


def _tiny(**kw):
    cfg = get_config("unet-effnet-lite0").tiny()
    return EffnetUnetConfig(**{**cfg.__dict__, **kw})


def test_decoder_ensemble_averages_its_members_and_combines_from_separate_models():
    torch.manual_seed(0)
    a, b = _tiny().build().eval(), _tiny().build().eval()
    b.encoder.load_state_dict(a.encoder.state_dict())  # as if both were trained with the frozen encoder
    both = combine_decoders([a, b])
    assert both.cfg.decoders == 2 and len(both.decoders) == 2
    x = torch.rand(2, 1, 40, 56) * 2 - 1
    with torch.no_grad():
        assert not torch.allclose(a(x), b(x), atol=1e-4)
        assert torch.allclose(both(x), (a(x) + b(x)) / 2, atol=1e-6)
        assert both.forward_each(x).shape == (2, 2, 2, 40, 56)
    # rebuilt from its config alone, it holds the same weights
    again = both.cfg.build().eval()
    again.load_state_dict(both.state_dict())
    with torch.no_grad():
        assert torch.allclose(again(x), both(x), atol=1e-6)


def test_combine_refuses_models_whose_encoders_differ():
    torch.manual_seed(0)
    with pytest.raises(ValueError, match="encoders differ"):
        combine_decoders([_tiny().build(), _tiny().build()])


def test_single_decoder_weights_saved_before_ensembles_still_load():
    torch.manual_seed(0)
    net = _tiny().build().eval()
    legacy = {k.replace("decoders.0.", ""): v for k, v in net.state_dict().items()}
    assert any(k.startswith("fuse.") for k in legacy)
    again = _tiny().build().eval()
    again.load_state_dict(legacy)
    x = torch.rand(1, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(again(x), net(x))


def test_each_decoder_of_an_ensemble_learns_on_its_own_loss():
    from chromalab.training.effnet_module import EffnetColorizationModule
    from chromalab.training.recipe import TrainRecipe

    torch.manual_seed(0)
    module = EffnetColorizationModule(_tiny(decoders=2), TrainRecipe(lr=1e-2))
    x = torch.rand(2, 1, 32, 32) * 2 - 1
    ab = torch.rand(2, 2, 32, 32) * 0.4 - 0.2
    module.net.train()
    loss = module.training_step((x, ab), 0)
    loss.backward()
    grads = [sum(p.grad.abs().sum() for p in d.parameters()) for d in module.net.decoders]
    assert all(g > 0 for g in grads)


def test_export_of_several_runs_ships_one_ensemble(tmp_path):
    from chromalab.models.io import export_model, load_model, save_model

    torch.manual_seed(0)
    a, b = _tiny().build().eval(), _tiny().build().eval()
    b.encoder.load_state_dict(a.encoder.state_dict())
    for name, net, seed in (("a", a, 0), ("b", b, 1)):
        save_model(net, net.cfg, tmp_path / name, extra={"training": {"seed": seed, "data": "/somewhere"}})
    export_model([tmp_path / "a", tmp_path / "b"], tmp_path / "both", half=False)
    both, meta = load_model(tmp_path / "both")
    assert meta["model"]["decoders"] == 2
    assert [m["seed"] for m in meta["training"]["members"]] == [0, 1]
    assert "data" not in meta["training"]
    x = torch.rand(1, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(both(x), (a(x) + b(x)) / 2, atol=1e-6)


@pytest.mark.parametrize("global_features", [0, 8])
def test_global_features_carry_whole_photo_context(global_features):
    """Changing the far end of a wide photo reaches the other end's colours only through the global
    vector: the convolutional receptive field stops well short of 1500 px."""
    torch.manual_seed(0)
    # the pretrained encoder: a random one's activations all but vanish by stride 32
    net = _tiny(global_features=global_features, pretrained=True).build().eval()
    x = torch.rand(1, 1, 64, 2048) * 2 - 1
    y = x.clone()
    y[..., 1536:] = 1.0  # the far quarter turns white
    with torch.no_grad():
        near = (net(x)[..., :256] - net(y)[..., :256]).abs().max()
        if not global_features:
            assert near == 0  # bit for bit: nothing reaches that far
            return
        enc = net.encoder
        gx, gy = (enc.global_vector(enc(l_to_encoder_input(v))[-1]) for v in (x, y))
    assert (gx - gy).abs().max() > 0.1  # the whole-photo vector sees the change ...
    assert near > 0  # ... and carries it to the near end (weakly, at random decoder init)


def test_global_features_save_and_combine():
    torch.manual_seed(0)
    a = _tiny(global_features=8).build().eval()
    assert sum(k.startswith("encoder.net._conv_head") for k in a.state_dict()) == 1
    again = a.cfg.build().eval()
    again.load_state_dict(a.state_dict())
    x = torch.rand(1, 1, 40, 56) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(again(x), a(x), atol=1e-6)
    b = _tiny(global_features=0).build()
    b.encoder.net.load_state_dict(a.encoder.net.state_dict(), strict=False)
    with pytest.raises(ValueError, match="global_features"):
        combine_decoders([a, b])
