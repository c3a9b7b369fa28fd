"""Training recipes: named library objects that fully describe how a model was trained."""

import dataclasses
import json

import pytest

from chromalab.inference.settings import InferenceSettings, trained_work_size
from chromalab.inference.store import PACKAGE_MODELS
from chromalab.models.io import migrate_meta
from chromalab.models.registry import config_from_dict, get_config
from chromalab.training.recipe import ALWAYS, DEFAULT_EFFNET, RECIPES, TrainRecipe, get_recipe, recipe_for
from chromalab.training.train import train


def test_recipes_round_trip_and_coerce_set_strings():
    for name, recipe in RECIPES.items():
        assert TrainRecipe.from_dict(json.loads(json.dumps(recipe.to_dict()))) == recipe, name
    r = get_recipe("default").replace(lr="1e-3", frozen_encoder_epochs="-1", betas="[0.9,0.99]")
    assert r.lr == 1e-3 and r.frozen_encoder_epochs == ALWAYS and r.betas == (0.9, 0.99) and r.encoder_frozen(99)
    with pytest.raises(KeyError, match="no field"):
        r.replace(nonsense=1)
    with pytest.raises(KeyError, match="unknown recipe"):
        get_recipe("nope")


def test_legacy_training_fields_become_the_recipe():
    effnet = TrainRecipe.from_dict({"l1_weight": 1.0, "freeze_encoder_epochs": 100000, "weight_decay": 0.05})
    assert effnet.frozen_encoder_epochs == ALWAYS and effnet.weight_decay == 0.05
    gan = TrainRecipe.from_dict({"loss_weights": [35, 65], "lr_g": 1e-4, "lr_d": 3e-4})
    assert (gan.adversarial_weight, gan.l1_weight, gan.lr, gan.lr_d) == (35, 65, 1e-4, 3e-4)


def test_the_shipped_default_names_its_recipe_and_its_variant_is_its_architecture():
    meta = json.loads((PACKAGE_MODELS / "default" / "config.json").read_text())
    assert TrainRecipe.from_dict(meta["recipe"]) == DEFAULT_EFFNET
    assert meta["variant"] == DEFAULT_EFFNET.variant == "unet-effnet-lite0-global"
    assert recipe_for(DEFAULT_EFFNET.variant) == DEFAULT_EFFNET  # `train --variant` alone gives the recipe too
    shipped = config_from_dict(meta["model"])
    assert shipped.decoders == 3  # the ensemble is an export fact: three runs' decoders joined
    assert dataclasses.replace(shipped, decoders=1) == get_config(DEFAULT_EFFNET.variant)
    assert InferenceSettings.from_meta(meta) == InferenceSettings(work_size=256, flip_average=False, chroma_scale=0.9)
    assert "flip_average" not in meta["model"]


def test_older_recipe_sections_migrate_architecture_and_inference_out():
    old = {"model": {"kind": "EffnetUnetConfig"}, "inference": {"chroma_scale": 0.9},
           "recipe": {"lr": 5e-4, "model": {"decoder": [96, 64, 48, 32, 16]},
                      "inference": {"work_size": 256, "chroma_scale": 1.0}}}
    meta = migrate_meta(old)
    assert meta["recipe"] == {"lr": 5e-4} and meta["inference"] == {"work_size": 256, "chroma_scale": 0.9}
    assert TrainRecipe.from_dict(old["recipe"]).lr == 5e-4  # unknown keys are ignored


def test_variants_train_with_their_registered_recipe():
    assert recipe_for("gan-unet-learned-d8-w35").adversarial_weight == 35
    assert recipe_for("unet-effnet-lite0") == get_recipe("effnet")
    assert recipe_for("ae-unet-learned") == get_recipe("default")


def test_train_with_a_recipe_object_writes_recipe_and_architecture(photo_dir, tmp_path):
    recipe = TrainRecipe(variant="ae-unet-learned", size=32, batch=4, epochs=1, lr=3e-3)
    out = train(None, photo_dir, tmp_path / "run", recipe=recipe, progress=False,
                overrides={"weight_decay": "0.01", "width": "4", "depth": "2"})
    meta = json.loads((out / "config.json").read_text())
    assert meta["variant"] == "ae-unet-learned" and meta["model"]["width"] == 4 and meta["model"]["depth"] == 2
    assert meta["recipe"]["lr"] == 3e-3 and meta["recipe"]["weight_decay"] == 0.01  # --set reaches the recipe
    assert "inference" not in meta  # how it runs is InferenceSettings': work size from the training crops
    assert InferenceSettings.from_meta(meta).work_size == trained_work_size(32) == 256


def test_wise_alpha_is_a_share_between_0_and_1():
    from chromalab.training.recipe import FINETUNE_DEFAULT

    assert TrainRecipe().wise_alpha == 1.0  # training keeps its own weights unless a recipe says otherwise
    assert TrainRecipe.from_dict(FINETUNE_DEFAULT.to_dict()) == FINETUNE_DEFAULT
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="wise_alpha"):
            TrainRecipe(wise_alpha=bad)
