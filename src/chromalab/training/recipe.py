"""Training recipes: how a model is trained, declared apart from what it is (its architecture config).

A ``TrainRecipe`` holds training only: the optimiser settings, loss weights, the encoder's freeze policy and
learning-rate scale, the data settings (crop size, batch, epochs, precision), and the variant it trains by
default. The architecture is the variant's (``models/zoo.py``); how the trained model runs is
``inference.settings.InferenceSettings``. ``RECIPES`` names the recipes that produced shipped models and the
families' defaults, so ``chromalab train --recipe NAME`` retrains them exactly (minGPT-style: the recipe is an
object in the library, not a list of flags in a shell script); research projects add theirs with
``register_recipe`` (``projects/``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chromalab.models.registry import coerce, recipe_of
from chromalab.ops.distort import DistortConfig

ALWAYS = -1  # frozen_encoder_epochs: the encoder never unfreezes


@dataclass(frozen=True)
class TrainRecipe:
    """How to train.

    ``lr`` / ``betas`` / ``weight_decay``: AdamW (the GAN uses ``lr`` for G and ``lr_d`` for D through its
    own config). Loss weights on network ab: ``l1_weight``, ``mse_weight``, ``chroma_weight`` (per-photo
    mean-chroma gap: asks for the right amount of colour without dictating its hue). ``encoder_lr_scale``:
    a pretrained encoder learns this much slower. ``frozen_encoder_epochs``: the pretrained encoder (batch-
    norm statistics included) stays frozen for that many epochs (0: never frozen; ``ALWAYS``: throughout).
    Anti-timid terms (``training.colour_losses``): ``colourfulness_weight`` (per-photo
    |CF(pred) − CF(truth)| / 100, Hasler–Süsstrunk on RGB), ``target_saturation`` (ab targets × this, BigColor's
    ×1.2), ``min_colourfulness`` (training crops whose truth CF is below it — faded, sepia — are left out of
    the loss; 15 after BigColor / DDColor), ``semantic_weight`` (KL between a frozen ImageNet classifier's
    output on the truth and on the prediction, ChromaGAN; the classifier is the encoder's own Lite0, never
    the evaluation's Lite1), ``bins_weight`` (cross-entropy of a classification head over quantized ab,
    Zhang et al.; ``rebalance_lambda`` its class rebalancing).
    GANs: ``adversarial_weight`` on the generator's loss, ``lr_d`` for the discriminator (``lr`` is G's).
    ``warm_start``: a trained run folder whose weights the generator starts from ("" = from scratch);
    ``fresh_lr_scale``: parameters the warm start leaves fresh (a new head) learn at ``lr`` × this.
    ``wise_alpha``: weight-space ensembling with the warm start (WiSE-FT, Wortsman et al. 2022), applied where a
    fine-tune writes its model (``runs.finetune``): the saved weights are (1 − α)·warm start + α·trained; 1 keeps
    the trained weights, 0 gives back the warm start's.
    Reference-guided colorizers: ``features_weights`` (a similarity run whose weights the feature network
    starts from), ``p_unrelated`` (fraction of training references taken from another photo of the batch, so
    the network learns to distrust poor matches), ``distort`` (how training references are made).
    ``variant``: the zoo name trained by default (``None``: the caller's).
    """

    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 0.0
    l1_weight: float = 1.0
    mse_weight: float = 0.0
    chroma_weight: float = 0.0
    encoder_lr_scale: float = 1.0
    frozen_encoder_epochs: int = 0
    colourfulness_weight: float = 0.0
    target_saturation: float = 1.0
    min_colourfulness: float = 0.0
    semantic_weight: float = 0.0
    bins_weight: float = 0.0
    rebalance_lambda: float = 0.5
    adversarial_weight: float = 0.0
    lr_d: float = 2e-4
    warm_start: str = ""
    fresh_lr_scale: float = 1.0
    wise_alpha: float = 1.0
    features_weights: str = ""
    p_unrelated: float = 0.2
    distort: DistortConfig = DistortConfig()
    size: int = 128
    batch: int = 16
    epochs: int = 10
    precision: str | None = None
    variant: str | None = None

    def __post_init__(self):
        if self.frozen_encoder_epochs < ALWAYS:
            raise ValueError(f"frozen_encoder_epochs must be ≥ 0 or ALWAYS ({ALWAYS}); "
                             f"got {self.frozen_encoder_epochs}")
        if not 0.0 <= self.wise_alpha <= 1.0:
            raise ValueError(f"wise_alpha must be in [0, 1]; got {self.wise_alpha}")
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        if isinstance(self.distort, dict):
            fields = {k: tuple(v) if isinstance(v, list) else v for k, v in self.distort.items() if k != "kind"}
            object.__setattr__(self, "distort", DistortConfig(**fields))

    def encoder_frozen(self, epoch: int) -> bool:
        return self.frozen_encoder_epochs == ALWAYS or epoch < self.frozen_encoder_epochs

    def replace(self, **changes: Any) -> TrainRecipe:
        """A copy with fields replaced; string values (``--set``-style) are coerced to the field's type."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise KeyError(f"TrainRecipe has no field {', '.join(unknown)}; fields: {', '.join(fields)}")
        out = {}
        for k, v in changes.items():
            cur = getattr(self, k)
            out[k] = coerce(v, cur) if isinstance(v, str) and cur is not None and not isinstance(cur, str) else v
        return dataclasses.replace(self, **out)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainRecipe:
        """Inverse of ``to_dict``; also reads the ``recipe`` section that ``models.io.migrate_meta`` makes
        from model configs written before recipes existed (``freeze_encoder_epochs`` ≥ 100000 = always).
        Keys that are not training fields (older recipes held ``model`` and ``inference``) are ignored."""
        data = dict(data)
        if "loss_weights" in data:  # GAN configs held [adversarial, L1] and their own learning rates
            adv, l1 = data.pop("loss_weights")
            data.setdefault("adversarial_weight", adv)
            data.setdefault("l1_weight", l1)
        if "lr_g" in data:
            data.setdefault("lr", data.pop("lr_g"))
        if "freeze_encoder_epochs" in data:
            n = int(data.pop("freeze_encoder_epochs"))
            data.setdefault("frozen_encoder_epochs", ALWAYS if n >= 100_000 else n)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# The recipe of the shipped default (src/chromalab/weights/default): three runs (seeds 0, 1, 2) of the frozen-
# encoder U-Net whose decoders are joined into one ensemble by `chromalab export`; see docs/default-model.md.
DEFAULT_EFFNET = TrainRecipe(
    variant="unet-effnet-lite0-global", lr=5e-4, betas=(0.9, 0.99), weight_decay=0.05, l1_weight=1.0,
    encoder_lr_scale=0.3, frozen_encoder_epochs=ALWAYS, size=128, batch=16, epochs=120, precision="bf16-mixed")
DEFAULT_SEEDS = (0, 1, 2)
SHIPPED_DEFAULT = str(Path(__file__).resolve().parents[1] / "weights" / "default")  # for warm starts


def _gan(adversarial: float, l1: float) -> TrainRecipe:
    """The seed's GAN training: Adam(0.5, 0.999) at 2e-4 for G and D, generator loss [adversarial, L1]."""
    return TrainRecipe(lr=2e-4, lr_d=2e-4, adversarial_weight=adversarial, l1_weight=l1)


# Fine-tuning a model folder on a user's few dozen colour photos on two CPU cores (`chromalab finetune`, which
# fills in variant, architecture, warm start and inference settings from the model it starts from): the
# encoder stays frozen, only the decoders (and their global-feature projections) learn, at a lower rate than
# from scratch and without weight decay pulling them away from where they start; every batch-norm layer keeps
# the source's statistics (`finetune` adds the `FreezeNorm` callback: one scene's batch statistics made
# held-out MAE worse at every step); held-out photos stop it early (`runs.finetune.PATIENCE`). The frozen
# norms were measured on the video benchmark's held-out frames (docs/finetune.md); the rate was only compared
# with 5e-4, once, before the norms were frozen. The written weights are half source, half best epoch
# (`wise_alpha` 0.5, WiSE-FT): on the benchmark's unseen frames and on the other photos it beat the best epoch
# alone on every measured number, but it does not pass the benchmark's rule (the fine-tune still takes colour
# away, on the other photos most); docs/finetune.md has the α sweep.
FINETUNE_DEFAULT = TrainRecipe(
    lr=2e-4, betas=(0.9, 0.99), weight_decay=0.0, l1_weight=1.0, frozen_encoder_epochs=ALWAYS, size=128,
    batch=16, epochs=40, precision="bf16-mixed", wise_alpha=0.5)

RECIPES: dict[str, TrainRecipe] = {
    "default": TrainRecipe(),  # AdamW(0.5, 0.999) 2e-4 + L1: the autoencoders, and any variant without a recipe
    "effnet": TrainRecipe(betas=(0.9, 0.99), weight_decay=1e-4, encoder_lr_scale=0.3),  # unet-effnet-lite0
    "default-effnet-lite0": DEFAULT_EFFNET,
    "finetune-default": FINETUNE_DEFAULT,
    "gan-w20": _gan(20, 80),
    "gan-w1": _gan(1, 99),
    "gan-w35": _gan(35, 65),
    "gan-w50": _gan(50, 50),
    "reference": TrainRecipe(p_unrelated=0.2),
    # similarity networks as classifiers (data: one sub-folder per class)
    "similarity": TrainRecipe(lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4, size=96, epochs=10),
}


def register_recipe(name: str, recipe: TrainRecipe) -> TrainRecipe:
    """Add a named recipe (a research project's candidates, for instance); a name may be declared only once."""
    if name in RECIPES:
        raise ValueError(f"recipe {name!r} is already registered")
    RECIPES[name] = recipe
    return recipe


def get_recipe(name: str) -> TrainRecipe:
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; recipes: {', '.join(RECIPES)}")
    return RECIPES[name]


def recipe_for(variant: str | None) -> TrainRecipe:
    """The recipe ``variant`` was registered with (``models/zoo.py``), else ``default``."""
    return RECIPES[(recipe_of(variant) if variant else None) or "default"]
