import json

import pytest
import torch

from chromalab.inference.colorizer import Colorizer
from chromalab.models.io import load_model
from chromalab.models.registry import get_config
from chromalab.training.gan_module import GanModule
from chromalab.training.recipe import recipe_for
from chromalab.training.train import train

TINY_GAN = {"generator.width": 4, "generator.depth": 2, "d_width": 4, "d_layers": 2}


def tiny_module(name="gan-unet-learned-d4-w20", **recipe_fields):
    torch.manual_seed(0)
    return GanModule(get_config(name).tiny(), recipe_for(name).replace(**recipe_fields))


def batch(n=4, size=32):
    torch.manual_seed(1)
    return torch.rand(n, 1, size, size) * 2 - 1, torch.tanh(torch.randn(n, 2, size, size))


def snapshot(module):
    return {k: p.detach().clone() for k, p in module.named_parameters()}


def changed(before, module):
    return {k for k, p in module.named_parameters() if not torch.equal(before[k], p)}


@pytest.mark.parametrize("name", ["gan-unet-learned-d4-w20", "gan-plain-interp-d0-w20", "gan-unet-interp-d8-w20"])
def test_d_step_changes_only_the_discriminator_and_g_step_only_the_generator(name):
    module = tiny_module(name)
    d_params = {f"disc.{k}" for k, _ in module.disc.named_parameters()}
    g_params = {f"net.{k}" for k, _ in module.net.named_parameters()}
    before = snapshot(module)
    stats = module.d_step(batch())
    assert changed(before, module) == d_params
    assert set(stats) == {"d_loss", "d_acc_real", "d_acc_fake"} and 0 <= stats["d_acc_real"] <= 1
    before = snapshot(module)
    stats = module.g_step(batch())
    assert changed(before, module) == g_params
    assert all(p.requires_grad for p in module.disc.parameters())  # D is unfrozen again after the G step


def test_generator_loss_uses_the_configured_weights():
    for weights in [(3.0, 7.0), (0.0, 1.0)]:
        stats = tiny_module(adversarial_weight=weights[0], l1_weight=weights[1]).g_step(batch())
        expected = weights[0] * stats["g_adv"] + weights[1] * stats["g_l1"]
        assert torch.allclose(stats["g_loss"], expected)


def test_discriminator_learns_to_tell_real_from_fake():
    module = tiny_module(lr_d=3e-3)
    accs = [module.d_step(batch()) for _ in range(30)]
    assert accs[-1]["d_loss"] < accs[0]["d_loss"]
    assert (accs[-1]["d_acc_real"] + accs[-1]["d_acc_fake"]) / 2 > 0.75


def test_train_makes_a_gan_run_that_colorizes_like_any_model(photo_dir, tmp_path):
    out = train("gan-unet-learned-d8-w20", photo_dir, tmp_path / "gan", size=32, batch=4, epochs=2,
                overrides=TINY_GAN, progress=False)
    meta = json.loads((out / "config.json").read_text())
    assert meta["model"]["kind"] == "GanConfig" and meta["training"]["status"] == "finished"
    history = json.loads((out / "history.json").read_text())["epochs"]
    for key in ("train/d_loss", "train/g_loss", "train/g_adv", "train/g_l1", "train/d_acc_real",
                "train/d_acc_fake", "val/mae"):
        assert key in history[-1], key
    model, _ = load_model(out)
    assert type(model).__name__ == "Autoencoder"  # the generator alone is saved
    rgb = Colorizer.load(out).colorize(torch.rand(40, 48, 3).numpy())
    assert rgb.shape == (40, 48, 3)
    # resuming restores both optimisers and continues
    train(None, None, out, epochs=3, resume=True, progress=False)
    assert json.loads((out / "config.json").read_text())["training"]["epochs_done"] == 3


def test_warm_start_copies_a_trained_autoencoder_into_the_generator(tiny_run):
    module = tiny_module("gan-unet-learned-d0-w20", warm_start=str(tiny_run))
    trained, _ = load_model(tiny_run)
    for k, v in trained.state_dict().items():
        assert torch.equal(module.net.state_dict()[k], v), k
    with pytest.raises(ValueError, match="differs"):
        tiny_module("gan-plain-interp-d0-w20", warm_start=str(tiny_run))


# The shipped default's architecture as a generator against the whole-image PatchGAN
TINY_EFFNET_GAN = {"generator.pretrained": "false", "generator.decoder": "8,8,8,8,4", "generator.decoders": "2",
                   "generator.global_features": "4", "d_width": 4, "d_layers": 2}


def effnet_gan_config():
    from chromalab.models.gan import GanConfig
    from chromalab.models.registry import apply_overrides

    return apply_overrides(GanConfig(generator=get_config("unet-effnet-lite0-global"), discriminator="d0"),
                           TINY_EFFNET_GAN)


def tiny_effnet_module():
    from chromalab.training.recipe import ALWAYS, TrainRecipe

    torch.manual_seed(0)
    module = GanModule(effnet_gan_config(), TrainRecipe(adversarial_weight=0.01, frozen_encoder_epochs=ALWAYS))
    module.net.encoder.requires_grad_(False)  # what FreezeEncoder does before the optimisers are made
    return module


def test_effnet_generator_every_decoder_is_a_fake_and_the_steps_update_their_own_parameters_only():
    module = tiny_effnet_module()
    l_norm, ab = batch(3, 32)
    l_k, fake, ab_k = module.fakes(l_norm, ab)
    assert fake.shape == (2 * 3, 2, 32, 32) and torch.equal(l_k[3:], l_norm) and torch.equal(ab_k[:3], ab)
    d_params = {f"disc.{k}" for k, _ in module.disc.named_parameters()}
    enc = {f"net.encoder.{k}" for k, _ in module.net.encoder.named_parameters()}
    g_params = {f"net.{k}" for k, _ in module.net.named_parameters()} - enc
    before = snapshot(module)
    module.d_step((l_norm, ab))
    assert changed(before, module) == d_params
    before = snapshot(module)
    stats = module.g_step((l_norm, ab))
    assert changed(before, module) == g_params  # both decoders and the global branch; never the encoder
    assert torch.allclose(stats["g_loss"], module.w_adv * stats["g_adv"] + module.w_l1 * stats["g_l1"])
