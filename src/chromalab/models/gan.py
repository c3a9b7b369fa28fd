"""The seed's conditional GANs: each of the four autoencoders as generator × the ``d0``/``d4``/``d8`` PatchGANs.

``GanConfig.build()`` returns the *generator* (L ``(B, 1, H, W)`` in [-1, 1] → ab ``(B, 2, H, W)`` in [-1, 1]),
so a trained GAN run loads, colorizes and evaluates like any other model; the discriminator exists only while
training (``build_discriminator()``, trained by ``training/gan_module.py``).

Registered names (``models/zoo.py``) say everything: ``gan-<generator>-<discriminator>-w<adversarial weight>``,
e.g. ``gan-unet-learned-d8-w20`` = U-Net generator with learned upsampling, 8×8-portion discriminator, trained
with the recipe ``gan-w20`` (loss weights [adversarial 20, L1 80]). The loss weights and learning rates are the
recipe's (``training/recipe.py``), not the architecture's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from torch import nn

from chromalab.models.autoencoder import AutoencoderConfig
from chromalab.models.discriminator import GRIDS, DiscriminatorConfig, discriminator_config
from chromalab.models.registry import config_type


@config_type
@dataclass(frozen=True)
class GanConfig:
    """A generator (an ``AutoencoderConfig``) and the PatchGAN discriminator it is trained against."""

    family: ClassVar[str] = "gan"
    legacy_fields: ClassVar[dict[str, str]] = {"loss_weights": "recipe", "lr_g": "recipe", "lr_d": "recipe",
                                               "warm_start": "recipe"}
    generator: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    discriminator: str = "d8"
    d_width: int = 64
    d_layers: int = 3
    d_norm: str = "group"

    def __post_init__(self):
        if self.discriminator not in GRIDS:
            raise ValueError(f"unknown discriminator {self.discriminator!r}; choose from {', '.join(GRIDS)}")

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
