"""Conditional GANs: a generator (L → ab) × one of the ``d0``/``d4``/``d8`` PatchGANs.

The seed's twelve pair each of its four autoencoders with each discriminator; any generator config works,
e.g. the shipped default's architecture (``EffnetUnetConfig``, frozen ImageNet encoder) with ``d0`` for a short
adversarial fine-tune (``projects/timid_colour``).

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
from chromalab.models.config import config_type
from chromalab.models.discriminator import GRIDS, DiscriminatorConfig, discriminator_config
from chromalab.models.effnet_unet import EffnetUnetConfig


@config_type
@dataclass(frozen=True)
class GanConfig:
    """A generator (an ``AutoencoderConfig`` or an ``EffnetUnetConfig``) and the PatchGAN it is trained against."""

    family: ClassVar[str] = "gan"
    legacy_fields: ClassVar[dict[str, str]] = {"loss_weights": "recipe", "lr_g": "recipe", "lr_d": "recipe",
                                               "warm_start": "recipe"}
    generator: AutoencoderConfig | EffnetUnetConfig = field(default_factory=AutoencoderConfig)
    discriminator: str = "d8"
    d_width: int = 64
    d_layers: int = 3
    d_norm: str = "group"

    def __post_init__(self):
        if self.discriminator not in GRIDS:
            raise ValueError(f"unknown discriminator {self.discriminator!r}; choose from {', '.join(GRIDS)}")

    def build(self, pretrained: bool = True) -> nn.Module:
        """The generator (what is saved, loaded and used to colorize); ``pretrained=False``: an ImageNet encoder's
        weights file is not read (saved weights follow)."""
        return self.generator.build(pretrained=pretrained)

    def discriminator_config(self) -> DiscriminatorConfig:
        return discriminator_config(self.discriminator, width=self.d_width, layers=self.d_layers, norm=self.d_norm)

    def build_discriminator(self) -> nn.Module:
        return self.discriminator_config().build()

    def tiny(self) -> GanConfig:
        """A small version for tests (an EfficientNet generator keeps its encoder, randomly initialised)."""
        if isinstance(self.generator, EffnetUnetConfig):
            gen = dataclasses.replace(self.generator.tiny(), decoders=self.generator.decoders,
                                      global_features=self.generator.global_features and 4)
        else:
            gen = dataclasses.replace(self.generator, width=4, depth=2)
        return dataclasses.replace(self, generator=gen, d_width=4, d_layers=2)
