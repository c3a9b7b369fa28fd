import json

import pytest
import torch

from chromalab.models.autoencoder import Autoencoder, AutoencoderConfig
from chromalab.models.discriminator import PatchDiscriminator
from chromalab.models.gan import GanConfig
from chromalab.models.io import load_model, save_model
from chromalab.models.registry import apply_overrides, config_from_dict, config_to_dict, get_config, names
from chromalab.models.zoo import DEFAULT_BEST_GAN as DEFAULT_BEST
from chromalab.models.zoo import GAN_WEIGHT_VARIANTS as WEIGHT_VARIANTS
from chromalab.models.zoo import SEED_GANS
from chromalab.training.recipe import recipe_for


def test_the_fifteen_seed_gans_are_registered():
    seed = {n for n in names("gan") if n.startswith(("gan-unet-", "gan-plain-"))}  # projects may add others
    assert len(seed) == 15 and set(SEED_GANS) | set(WEIGHT_VARIANTS) == seed
    assert len(SEED_GANS) == 12 and len(WEIGHT_VARIANTS) == 3 and DEFAULT_BEST in SEED_GANS
    cfg = get_config("gan-plain-interp-d4-w20")
    assert cfg.generator == get_config("ae-plain-interp") and cfg.discriminator == "d4"
    weights_of = lambda n: (recipe_for(n).adversarial_weight, recipe_for(n).l1_weight)  # noqa: E731
    assert weights_of("gan-plain-interp-d4-w20") == (20.0, 80.0)
    weights = {weights_of(n) for n in WEIGHT_VARIANTS}
    assert weights == {(1.0, 99.0), (35.0, 65.0), (50.0, 50.0)}
    assert {get_config(n).generator for n in WEIGHT_VARIANTS} == {get_config(DEFAULT_BEST).generator}


def test_build_gives_the_generator_and_build_discriminator_the_critic():
    cfg = get_config("gan-unet-interp-d8-w20").tiny()
    g, d = cfg.build(), cfg.build_discriminator()
    assert isinstance(g, Autoencoder) and isinstance(d, PatchDiscriminator) and d.cfg.grid == 8
    x = torch.rand(1, 1, 32, 32) * 2 - 1
    assert g(x).shape == (1, 2, 32, 32) and d(x, g(x)).shape == (1, 1, 8, 8)


def test_overrides_reach_weights_and_the_nested_generator():
    cfg = apply_overrides(get_config(DEFAULT_BEST), {"generator.width": "8", "discriminator": "d0"})
    recipe = recipe_for(DEFAULT_BEST).replace(adversarial_weight="10", l1_weight="90", lr_d="1e-4")
    assert (recipe.adversarial_weight, recipe.l1_weight) == (10.0, 90.0)
    assert cfg.generator.width == 8 and cfg.discriminator == "d0"
    assert recipe.lr_d == 1e-4
    with pytest.raises(ValueError, match="d3"):
        apply_overrides(cfg, {"discriminator": "d3"})
    with pytest.raises(KeyError, match="loss_weights"):
        recipe.replace(loss_weights="[1,2,3]")


def test_a_gan_run_saved_before_recipes_loads_and_its_weights_become_the_recipe(tmp_path):
    from chromalab.models.io import read_meta
    from chromalab.training.recipe import TrainRecipe

    cfg = get_config("gan-plain-learned-d0-w20").tiny()
    save_model(cfg.build(), cfg, tmp_path)
    data = json.loads((tmp_path / "config.json").read_text())
    data["model"].update(loss_weights=[35.0, 65.0], lr_g=1e-4, lr_d=3e-4, warm_start="")
    (tmp_path / "config.json").write_text(json.dumps(data))
    meta = read_meta(tmp_path)
    recipe = TrainRecipe.from_dict(meta["recipe"])
    assert (recipe.adversarial_weight, recipe.l1_weight, recipe.lr, recipe.lr_d) == (35.0, 65.0, 1e-4, 3e-4)
    assert load_model(tmp_path)[0](torch.rand(1, 1, 16, 16)).shape == (1, 2, 16, 16)


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
    assert GanConfig().discriminator == "d8" and recipe_for(DEFAULT_BEST).adversarial_weight == 20.0
