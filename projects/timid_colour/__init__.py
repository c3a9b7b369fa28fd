"""Colour that is bold enough and semantically right: the candidates tried against the shipped default.

Importing this package registers its model variants (``chromalab.models.registry.register``) and training
recipes (``chromalab.training.recipe.register_recipe``), so every chromalab command knows them::

    python -m projects.timid_colour train --recipe i15-sat --data ../shared/data/photos --out runs/i15-sat
    python -m projects.timid_colour models

(``python -m projects.timid_colour ARGS`` is ``chromalab ARGS`` after this import; run it from the repository
root; in Python, ``import projects.timid_colour`` before ``chromalab.train(..., recipe="i15-sat")``). The
experiment diary, with the decision rule and every measured row, is ``DIARY.md``; its sweep and
leave-photos-out scripts are beside it. ``i15`` is the number of the issue that asked for this work.

Every candidate but the two at the end fine-tunes the shipped default (warm start from its folder, all three
decoders, encoder frozen) on one small budget: 96-px crops, 4 epochs (20 steps on the 83 training photos of
``../shared/data/photos``), differing from ``i15-l1`` (plain L1, the control) only by its anti-timid terms.
"""

from __future__ import annotations

from chromalab.models.effnet_unet import EffnetUnetConfig
from chromalab.models.gan import GanConfig
from chromalab.models.registry import get_config, register
from chromalab.training.recipe import DEFAULT_EFFNET, SHIPPED_DEFAULT, register_recipe

_GLOBAL = get_config("unet-effnet-lite0-global")  # the shipped default's architecture (one decoder)
ENSEMBLE = "unet-effnet-lite0-global-x3"  # the shipped default as exported: three decoders, one encoder
BINS = "unet-effnet-lite0-bins"
ADVERSARIAL = "gan-effnet-lite0-d0"

VARIANTS = {
    ENSEMBLE: (EffnetUnetConfig(decoder=_GLOBAL.decoder, decoders=3, global_features=_GLOBAL.global_features),
               "i15-l1"),
    # (1) a classification head over in-gamut ab bins of spacing 10 on each decoder
    BINS: (EffnetUnetConfig(decoder=_GLOBAL.decoder, decoders=3, global_features=_GLOBAL.global_features,
                            ab_bins=10.0), "i15-bins"),
    # (5) the default's ensemble as a generator against the whole-image PatchGAN d0
    ADVERSARIAL: (GanConfig(generator=EffnetUnetConfig(decoder=_GLOBAL.decoder, decoders=3,
                                                       global_features=_GLOBAL.global_features),
                            discriminator="d0"), "i15-adv"),
}

BASE = DEFAULT_EFFNET.replace(variant=ENSEMBLE, warm_start=SHIPPED_DEFAULT, lr=5e-4, size=96, epochs=4)
CANDIDATES = {
    "i15-l1": BASE,
    "i15-cf": BASE.replace(colourfulness_weight=0.5),  # (2) |CF(pred) − CF(truth)|
    "i15-sat": BASE.replace(target_saturation=1.2, min_colourfulness=15.0),  # (3) BigColor's data side
    "i15-semantic": BASE.replace(semantic_weight=0.05),  # (4) ChromaGAN's KL, Lite0 classifier
    "i15-combo": BASE.replace(colourfulness_weight=0.5, target_saturation=1.2, min_colourfulness=15.0,
                               semantic_weight=0.05),
    # (1) Zhang et al.'s classification over ab bins with class rebalancing (λ 0.5), decoded by the annealed
    # mean (temperature: an inference setting). Each decoder's new 1x1 head starts fresh, so it learns at
    # 10 × lr and gets a longer budget (128-px crops, epochs until `--max-minutes`).
    "i15-bins": BASE.replace(variant=BINS, l1_weight=0.0, bins_weight=1.0, rebalance_lambda=0.5, size=128,
                              fresh_lr_scale=10.0, epochs=200),
    # (5) a short adversarial fine-tune (pix2pix-style): generator loss L1 + 0.01 × BCE against a fresh
    # PatchGAN; D starts from scratch, so 40 epochs = 200 steps (its L1 control: `--recipe i15-l1 --epochs 40`)
    "i15-adv": BASE.replace(variant=ADVERSARIAL, adversarial_weight=0.01, lr_d=2e-4, epochs=40),
    # The default's own recipe and budget (three seeds from scratch) on the photos plus 40 video frames
    # (`chromalab data build ../shared/data/videos/* --fps 2`: 123 photos, 7 steps an epoch, so 86 epochs ≈ the
    # default's 120 × 5 steps); alone (the data's control) and with BigColor's data side.
    "i15-frames": DEFAULT_EFFNET.replace(epochs=86),
    "i15-frames-sat": DEFAULT_EFFNET.replace(epochs=86, target_saturation=1.2, min_colourfulness=15.0),
}


def _register() -> None:
    for name, (config, recipe) in VARIANTS.items():
        register(name, config, recipe=recipe)
    for name, recipe in CANDIDATES.items():
        register_recipe(name, recipe)


_register()
