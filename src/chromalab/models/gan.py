"""The seed's conditional GANs: each of the four autoencoders as generator × the ``d0``/``d4``/``d8`` PatchGANs.

``GanConfig.build()`` returns the *generator* (L ``(B, 1, H, W)`` in [-1, 1] → ab ``(B, 2, H, W)`` in [-1, 1]),
so a trained GAN run loads, colorizes and evaluates like any other model; the discriminator exists only while
training (``build_discriminator()``, trained by ``training/gan_module.py``).

Registered names say everything: ``gan-<generator>-<discriminator>-w<adversarial weight>``, e.g.
``gan-unet-learned-d8-w20`` = U-Net generator with learned upsampling, 8×8-portion discriminator, loss
weights [adversarial 20, L1 80]. The 12 seed combinations use the seed's default weights [20, 80]; the
default-best (``DEFAULT_BEST``, chosen before measuring: the pix2pix-style U-Net with learned upsampling and
the finest discriminator grid; ``BEST_GENERATOR``/``BEST_DISCRIMINATOR`` change it) also comes with the weights
[1, 99], [35, 65] (the seed's other weights) and [50, 50]. Any other weights: ``--set loss_weights=[10,90]``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from torch import nn

from chromalab.models.autoencoder import AutoencoderConfig
from chromalab.models.discriminator import GRIDS, DiscriminatorConfig, discriminator_config
from chromalab.models.registry import config_type, register


@config_type
@dataclass(frozen=True)
class GanConfig:
    """A generator (an ``AutoencoderConfig``) trained against a PatchGAN discriminator.

    ``loss_weights``: [adversarial, L1] weights of the generator loss. ``lr_g`` / ``lr_d``: learning rates of
    generator and discriminator (the GAN's own; the ``--lr`` of ``chromalab train`` is not used).
    ``warm_start``: a trained run folder whose generator weights G starts from ("" = from scratch).
    """

    family: ClassVar[str] = "gan"
    generator: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    discriminator: str = "d8"
    d_width: int = 64
    d_layers: int = 3
    d_norm: str = "group"
    loss_weights: tuple[float, float] = (20.0, 80.0)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    warm_start: str = ""

    def __post_init__(self):
        if self.discriminator not in GRIDS:
            raise ValueError(f"unknown discriminator {self.discriminator!r}; choose from {', '.join(GRIDS)}")
        if len(self.loss_weights) != 2:
            raise ValueError(f"loss_weights must be [adversarial, L1], got {list(self.loss_weights)}")
        object.__setattr__(self, "loss_weights", tuple(float(w) for w in self.loss_weights))

    def build(self, pretrained: bool = True) -> nn.Module:
        """The generator (what is saved, loaded and used to colorize)."""
        return self.generator.build()

    def discriminator_config(self) -> DiscriminatorConfig:
        return discriminator_config(self.discriminator, width=self.d_width, layers=self.d_layers, norm=self.d_norm)

    def build_discriminator(self) -> nn.Module:
        return self.discriminator_config().build()

    def tiny(self) -> GanConfig:
        """A few-thousand-parameter version for tests."""
        return dataclasses.replace(self, generator=dataclasses.replace(self.generator, width=4, depth=2),
                                   d_width=4, d_layers=2)


GENERATORS = ("unet-learned", "unet-interp", "plain-learned", "plain-interp")  # the seed's four autoencoders
DISCRIMINATORS = tuple(GRIDS)  # d0, d4, d8
SEED_WEIGHTS = (20.0, 80.0)
OTHER_WEIGHTS = ((1.0, 99.0), (35.0, 65.0), (50.0, 50.0))  # [1, 99] and [35, 65] from the seed; [50, 50] ours


def gan_name(generator: str, discriminator: str, weights: tuple[float, float] = SEED_WEIGHTS) -> str:
    return f"gan-{generator}-{discriminator}-w{weights[0]:g}"


SEED_GANS = [gan_name(g, d) for g in GENERATORS for d in DISCRIMINATORS]
_configs = {gan_name(g, d): GanConfig(generator=AutoencoderConfig(skips=g.startswith("unet"), upsample=g.split("-")[1]),
                                      discriminator=d) for g in GENERATORS for d in DISCRIMINATORS}
for _name, _cfg in _configs.items():
    register(_name, _cfg)

BEST_GENERATOR, BEST_DISCRIMINATOR = "unet-learned", "d8"  # the default-best, chosen a priori (see docs/gan.md)
DEFAULT_BEST = gan_name(BEST_GENERATOR, BEST_DISCRIMINATOR)
WEIGHT_VARIANTS = [gan_name(BEST_GENERATOR, BEST_DISCRIMINATOR, w) for w in OTHER_WEIGHTS]
for _w, _name in zip(OTHER_WEIGHTS, WEIGHT_VARIANTS, strict=True):
    register(_name, dataclasses.replace(_configs[DEFAULT_BEST], loss_weights=_w))
