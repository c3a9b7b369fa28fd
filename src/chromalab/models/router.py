"""The portrait/landscape router of ``--model auto``: a logistic classifier on frozen ImageNet features.

Input: network L ``(B, 1, H, W)`` in [-1, 1] (``router_input`` makes it from a photo's L); output: the
portrait logit ``(B,)``. Fitted by ``chromalab.training.router.fit_router``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from chromalab.core import lab
from chromalab.models.backbones.lite0 import SKIP_CHANNELS, STRIDE, Lite0Encoder, l_to_encoder_input
from chromalab.models.blocks import pad_to_multiple
from chromalab.models.config import config_type

ROUTER_SIZE = 224  # the router sees the photo scaled so its longer side is this


@config_type
@dataclass(frozen=True)
class PortraitRouterConfig:
    """Logistic classifier (portrait vs landscape) on mean-pooled Lite0 encoder features (/16 and /32)."""

    family: ClassVar[str] = "router"
    pretrained: bool = True

    def build(self, pretrained: bool = True) -> nn.Module:
        return PortraitRouter(self, pretrained)


class PortraitRouter(nn.Module):
    """``l_norm (B, 1, H, W)`` in [-1, 1] → portrait logit ``(B,)``. The encoder stays frozen."""

    def __init__(self, cfg: PortraitRouterConfig, pretrained: bool = True):
        super().__init__()
        self.cfg = cfg
        self.stride = STRIDE
        self.encoder = Lite0Encoder(cfg.pretrained and pretrained).eval().requires_grad_(False)
        dim = SKIP_CHANNELS[-1] + SKIP_CHANNELS[-2]
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.linear = nn.Linear(dim, 1)

    @torch.no_grad()
    def features(self, l_norm: torch.Tensor) -> torch.Tensor:
        """Standardised pooled features ``(B, 432)``."""
        self.encoder.eval()
        x, _ = pad_to_multiple(l_norm, self.stride)
        feats = self.encoder(l_to_encoder_input(x))
        pooled = torch.cat([feats[-1].mean((2, 3)), feats[-2].mean((2, 3))], 1)
        return (pooled - self.mean) / self.std

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.linear(self.features(l_norm))[:, 0]


def router_input(L: torch.Tensor, size: int = ROUTER_SIZE) -> torch.Tensor:
    """``(1, 1, H, W)`` L in [0, 100] → network L at longer side ``size``."""
    h, w = L.shape[-2:]
    s = size / max(h, w)
    L = F.interpolate(L, size=(max(8, round(h * s)), max(8, round(w * s))), mode="area" if s < 1 else "bilinear")
    return lab.normalize_l(L)
