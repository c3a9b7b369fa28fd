"""The seed's four autoencoders: U-Net or plain, learned or interpolated upsampling.

Input: network L ``(B, 1, H, W)`` in [-1, 1]; output: network ab ``(B, 2, H, W)`` in [-1, 1] (tanh).
Any H, W: the input is reflect-padded to a multiple of ``2**depth`` and the output cropped back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from chromalab.models.blocks import ConvBlock, Up, pad_to_multiple
from chromalab.models.registry import config_type


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


class Autoencoder(nn.Module):
    def __init__(self, cfg: AutoencoderConfig):
        super().__init__()
        self.cfg = cfg
        widths = [min(cfg.width * 2**i, cfg.max_width) for i in range(cfg.depth + 1)]
        self.stem = ConvBlock(1, widths[0], norm=cfg.norm)
        self.down = nn.ModuleList(
            nn.Sequential(ConvBlock(widths[i], widths[i + 1], stride=2, norm=cfg.norm),
                          ConvBlock(widths[i + 1], widths[i + 1], norm=cfg.norm))
            for i in range(cfg.depth))
        self.up = nn.ModuleList()
        self.fuse = nn.ModuleList()
        for i in reversed(range(cfg.depth)):
            self.up.append(Up(widths[i + 1], widths[i], cfg.upsample, cfg.norm))
            cin = widths[i] * (2 if cfg.skips else 1)
            self.fuse.append(ConvBlock(cin, widths[i], norm=cfg.norm))
        self.head = nn.Conv2d(widths[0], 2, 3, 1, 1)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        x, (h, w) = pad_to_multiple(l_norm, 2**self.cfg.depth)
        x = self.stem(x)
        feats = [x]
        for down in self.down:
            x = down(x)
            feats.append(x)
        for i, (up, fuse) in enumerate(zip(self.up, self.fuse, strict=True)):
            x = up(x)
            if self.cfg.skips:
                x = torch.cat([x, feats[-2 - i]], 1)
            x = fuse(x)
        return torch.tanh(self.head(x))[..., :h, :w]
