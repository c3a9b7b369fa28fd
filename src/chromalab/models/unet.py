"""The one U-Net of chromalab: ``(B, cin, H, W)`` → ``(B, cout, H, W)`` in [-1, 1] (tanh), any H, W.

The seed's autoencoders (``autoencoder.py``: with or without skips, learned or interpolated upsampling) and
the reference-guided colorizer's network (``reference_net.py``: L + guide channels in, a two-conv stem) are
both this class; the input is reflect-padded to a multiple of ``2**depth`` and the output cropped back.
"""

from __future__ import annotations

import torch
from torch import nn

from chromalab.models.blocks import ConvBlock, Up, pad_to_multiple


class UNet(nn.Module):
    """``depth`` stride-2 stages of widths ``min(width * 2**i, max_width)``; ``skips``: U-Net concatenation
    of encoder features (else a plain encoder-decoder); ``upsample``: ``learned`` or ``interp``;
    ``stem_convs``: 3x3 conv blocks before the first stage."""

    def __init__(self, cin: int, cout: int = 2, width: int = 32, depth: int = 4, max_width: int = 256,
                 norm: str = "batch", skips: bool = True, upsample: str = "learned", stem_convs: int = 1):
        super().__init__()
        self.depth, self.skips = depth, skips
        widths = [min(width * 2**i, max_width) for i in range(depth + 1)]
        # one block is kept unwrapped so state-dict keys stay those of saved models (stem.0 = its conv)
        stem = [ConvBlock(cin, widths[0], norm=norm)] + [ConvBlock(widths[0], widths[0], norm=norm)
                                                         for _ in range(stem_convs - 1)]
        self.stem = stem[0] if stem_convs == 1 else nn.Sequential(*stem)
        self.down = nn.ModuleList(
            nn.Sequential(ConvBlock(widths[i], widths[i + 1], stride=2, norm=norm),
                          ConvBlock(widths[i + 1], widths[i + 1], norm=norm))
            for i in range(depth))
        self.up = nn.ModuleList(Up(widths[i + 1], widths[i], upsample, norm) for i in reversed(range(depth)))
        self.fuse = nn.ModuleList(ConvBlock(widths[i] * (2 if skips else 1), widths[i], norm=norm)
                                  for i in reversed(range(depth)))
        self.head = nn.Conv2d(widths[0], cout, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, (h, w) = pad_to_multiple(x, 2**self.depth)
        x = self.stem(x)
        feats = [x]
        for down in self.down:
            x = down(x)
            feats.append(x)
        for i, (up, fuse) in enumerate(zip(self.up, self.fuse, strict=True)):
            x = up(x)
            if self.skips:
                x = torch.cat([x, feats[-2 - i]], 1)
            x = fuse(x)
        return torch.tanh(self.head(x))[..., :h, :w]
