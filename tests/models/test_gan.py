import json

import pytest
import torch

from chromalab.models.autoencoder import Autoencoder, AutoencoderConfig
from chromalab.models.discriminator import PatchDiscriminator
from chromalab.models.gan import DEFAULT_BEST, SEED_GANS, WEIGHT_VARIANTS, GanConfig
from chromalab.models.io import load_model, save_model
from chromalab.models.registry import apply_overrides, config_from_dict, config_to_dict, get_config, names


def test_the_fifteen_seed_gans_are_registered():
    gans = names("gan")
    assert len(gans) == 15 and set(SEED_GANS) | set(WEIGHT_VARIANTS) == set(gans)
    assert len(SEED_GANS) == 12 and len(WEIGHT_VARIANTS) == 3 and DEFAULT_BEST in SEED_GANS
    cfg = get_config("gan-plain-interp-d4-w20")
    assert cfg.generator == get_config("ae-plain-interp") and cfg.discriminator == "d4"
    assert cfg.loss_weights == (20.0, 80.0)
    weights = {get_config(n).loss_weights for n in WEIGHT_VARIANTS}
    assert weights == {(1.0, 99.0), (35.0, 65.0), (50.0, 50.0)}
    assert {get_config(n).generator for n in WEIGHT_VARIANTS} == {get_config(DEFAULT_BEST).generator}


def test_build_gives_the_generator_and_build_discriminator_the_critic():
    cfg = get_config("gan-unet-interp-d8-w20").tiny()
    g, d = cfg.build(), cfg.build_discriminator()
    assert isinstance(g, Autoencoder) and isinstance(d, PatchDiscriminator) and d.cfg.grid == 8
    x = torch.rand(1, 1, 32, 32) * 2 - 1
    assert g(x).shape == (1, 2, 32, 32) and d(x, g(x)).shape == (1, 1, 8, 8)


def test_overrides_reach_weights_and_the_nested_generator():
    cfg = apply_overrides(get_config(DEFAULT_BEST), {"loss_weights": "[10,90]", "generator.width": "8",
                                                     "discriminator": "d0", "lr_d": "1e-4"})
    assert cfg.loss_weights == (10.0, 90.0) and cfg.generator.width == 8 and cfg.discriminator == "d0"
    assert cfg.lr_d == 1e-4
    with pytest.raises(ValueError, match="d3"):
        apply_overrides(cfg, {"discriminator": "d3"})
    with pytest.raises(ValueError, match="adversarial, L1"):
        apply_overrides(cfg, {"loss_weights": "[1,2,3]"})


def test_gan_config_round_trips_and_a_saved_gan_loads_as_its_generator(tmp_path):
    cfg = get_config("gan-plain-learned-d0-w20").tiny()
    again = config_from_dict(json.loads(json.dumps(config_to_dict(cfg))))
    assert again == cfg and isinstance(again.generator, AutoencoderConfig)
    g = cfg.build().eval()
    save_model(g, cfg, tmp_path)
    loaded, meta = load_model(tmp_path)
    x = torch.rand(1, 1, 16, 16)
    assert torch.equal(loaded(x), g(x)) and meta["model"]["kind"] == "GanConfig"


def test_default_config_is_valid():
    assert GanConfig().discriminator == "d8" and GanConfig().loss_weights == (20.0, 80.0)
