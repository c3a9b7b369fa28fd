"""The timid-colour project: its names live outside the library and are registered when it is imported."""

import json
import subprocess
import sys
from pathlib import Path

import projects.timid_colour as project
import pytest
import torch
from typer.testing import CliRunner

from chromalab.cli.app import app
from chromalab.models.io import load_model, read_meta, save_model
from chromalab.models.registry import apply_overrides, config_from_dict, get_config, names, recipe_of
from chromalab.training.recipe import ALWAYS, DEFAULT_EFFNET, RECIPES, SHIPPED_DEFAULT, TrainRecipe
from chromalab.training.train import train

ROOT = Path(__file__).resolve().parents[2]


def test_the_library_alone_knows_none_of_the_projects_names():
    theirs = [*project.VARIANTS, *project.CANDIDATES]
    code = ("from chromalab.models.registry import names; from chromalab.training.recipe import RECIPES; "
            f"print(sorted(n for n in [*names(), *RECIPES] if n in {theirs!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_importing_the_project_registers_its_variants_and_recipes():
    assert set(project.VARIANTS) <= set(names()) and set(project.CANDIDATES) <= set(RECIPES)
    for name, (config, recipe) in project.VARIANTS.items():
        assert get_config(name) == config and recipe_of(name) == recipe and recipe in RECIPES
    assert RECIPES["i15-sat"] is project.CANDIDATES["i15-sat"]
    res = CliRunner().invoke(app, ["models", "--family", "effnet"])
    assert res.exit_code == 0, res.output
    assert "unet-effnet-lite0-bins" in res.output and "i15-frames-sat" in res.output


def test_the_ensemble_variant_is_the_shipped_default_so_it_warm_starts_from_it():
    assert get_config(project.ENSEMBLE) == config_from_dict(read_meta(SHIPPED_DEFAULT)["model"])
    assert get_config(project.ADVERSARIAL).generator == get_config(project.ENSEMBLE)


def test_candidate_recipes_share_one_budget():
    first = ["i15-l1", "i15-cf", "i15-sat", "i15-semantic", "i15-combo"]
    budgets = {(RECIPES[n].size, RECIPES[n].epochs, RECIPES[n].lr, RECIPES[n].warm_start) for n in first}
    assert budgets == {(96, 4, 5e-4, SHIPPED_DEFAULT)}
    assert RECIPES["i15-sat"].target_saturation == 1.2 and RECIPES["i15-sat"].min_colourfulness == 15.0
    assert TrainRecipe.from_dict(json.loads(json.dumps(RECIPES["i15-combo"].to_dict()))) == RECIPES["i15-combo"]


def test_frames_recipes_are_the_default_recipe_with_one_difference_each():
    """i15-frames changes only the epochs (more photos per epoch, same steps); i15-frames-sat adds only the
    data side of i15-sat, so the pair measures the frames and the saturated targets separately."""
    frames, sat = RECIPES["i15-frames"], RECIPES["i15-frames-sat"]
    assert frames == DEFAULT_EFFNET.replace(epochs=86) and frames.warm_start == ""
    assert sat.replace(target_saturation=1.0, min_colourfulness=0.0) == frames
    assert (sat.target_saturation, sat.min_colourfulness) == (1.2, 15.0)


def test_adversarial_candidate_pairs_the_default_with_a_patchgan_on_the_candidates_budget():
    r, base = RECIPES["i15-adv"], RECIPES["i15-l1"]
    assert (r.size, r.batch, r.lr, r.warm_start, r.frozen_encoder_epochs) == \
        (base.size, base.batch, base.lr, base.warm_start, ALWAYS)
    assert 0 < r.adversarial_weight <= 0.05 and r.l1_weight == 1.0
    cfg = get_config(r.variant)
    assert cfg.family == "gan" and cfg.discriminator == "d0"


TINY_EFFNET_GAN = {"generator.pretrained": "false", "generator.decoder": "8,8,8,8,4", "generator.decoders": "2",
                   "generator.global_features": "4", "d_width": 4, "d_layers": 2}


def test_adversarial_training_step_warm_starts_and_changes_the_decoders_not_the_frozen_encoder(photo_dir, tmp_path):
    from safetensors.torch import load_file

    cfg = apply_overrides(get_config(project.ADVERSARIAL), TINY_EFFNET_GAN)
    torch.manual_seed(3)
    src = cfg.generator.build()
    save_model(src, cfg.generator, tmp_path / "src")
    recipe = RECIPES["i15-adv"].replace(warm_start=str(tmp_path / "src"), size=32, batch=4, epochs=1,
                                        precision="32-true")
    out = train(None, photo_dir, tmp_path / "run", recipe=recipe, overrides=TINY_EFFNET_GAN, progress=False,
                limit_train_batches=1)
    meta = json.loads((out / "config.json").read_text())
    assert meta["variant"] == project.ADVERSARIAL and meta["model"]["generator"]["kind"] == "EffnetUnetConfig"
    trained, init = load_file(str(out / "last.safetensors")), src.state_dict()
    enc = [k for k in trained if k.startswith("encoder.")]
    dec = [k for k in trained if k.startswith("decoders.") and k.endswith("weight")]
    assert enc and all(torch.equal(trained[k], init[k]) for k in enc)  # running statistics included
    assert all(any(not torch.equal(trained[k], init[k]) for k in dec if k.startswith(f"decoders.{i}."))
               for i in (0, 1))
    model, _ = load_model(out)
    assert type(model).__name__ == "EffnetUnet"  # the generator alone is saved, and loads like the default


@pytest.mark.parametrize("script", ["vividness_sweep", "leave_photos_out"])
def test_scripts_run_as_modules_of_the_project(script):
    out = subprocess.run([sys.executable, "-m", f"projects.timid_colour.{script}", "--help"], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0 and "usage" in out.stdout.lower(), out.stderr
