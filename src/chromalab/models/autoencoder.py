"""The seed's four autoencoders: U-Net or plain, learned or interpolated upsampling.

Input: network L ``(B, 1, H, W)`` in [-1, 1]; output: network ab ``(B, 2, H, W)`` in [-1, 1] (tanh).
Any H, W: the input is reflect-padded to a multiple of ``2**depth`` and the output cropped back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from chromalab.models.config import config_type
from chromalab.models.unet import UNet


@config_type
@dataclass(frozen=True)
class AutoencoderConfig:
    """``skips``: U-Net skip connections; ``upsample``: ``learned`` (ConvTranspose) or ``interp``."""

    family: ClassVar[str] = "ae"
    skips: bool = True
    upsample: str = "learned"
    width: int = 32
    depth: int = 4
    max_width: int = 256
    norm: str = "batch"

    def build(self, pretrained: bool = True) -> nn.Module:
        return Autoencoder(self)


class Autoencoder(UNet):
    """One of the seed's autoencoders: the U-Net of ``unet.py`` on network L, with ``cfg``'s choices."""

    def __init__(self, cfg: AutoencoderConfig):
        super().__init__(1, 2, cfg.width, cfg.depth, cfg.max_width, cfg.norm, skips=cfg.skips,
                         upsample=cfg.upsample)
        self.cfg = cfg
