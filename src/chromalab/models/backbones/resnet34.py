"""ResNet34 (He et al. 2016), written here, as a classifier whose inner layers serve as similarity features.

Input: ``(B, in_channels, H, W)`` in [-1, 1] — network L (``in_channels=1``) or sRGB mapped to [-1, 1]
(``in_channels=3``). ``forward`` gives class logits ``(B, num_classes)``; ``features`` gives the four
stage outputs at strides 4, 8, 16, 32 (``(B, width*2**i, H/2**(i+2), W/2**(i+2))``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from chromalab.models.config import config_type


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual connection (1x1 projection when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + self.shortcut(x))


@config_type
@dataclass(frozen=True)
class SimilarityResNetConfig:
    """``blocks`` per stage ((3, 4, 6, 3) = ResNet34); ``width`` channels of the first stage."""

    family: ClassVar[str] = "similarity"
    colorizer: ClassVar[bool] = False  # a feature network / classifier, not an L → ab colorizer
    in_channels: int = 3
    num_classes: int = 1000
    width: int = 64
    blocks: tuple[int, ...] = (3, 4, 6, 3)

    def build(self, pretrained: bool = True) -> nn.Module:
        return ResNet(self)

    def tiny(self) -> SimilarityResNetConfig:
        return SimilarityResNetConfig(in_channels=self.in_channels, num_classes=5, width=4, blocks=(1, 1, 1, 1))


class ResNet(nn.Module):
    def __init__(self, cfg: SimilarityResNetConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        self.stem = nn.Sequential(nn.Conv2d(cfg.in_channels, w, 7, 2, 3, bias=False), nn.BatchNorm2d(w),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        stages = []
        cin = w
        for i, n in enumerate(cfg.blocks):
            cout = w * 2**i
            stages.append(nn.Sequential(*[BasicBlock(cin if j == 0 else cout, cout, 2 if (j == 0 and i > 0) else 1)
                                          for j in range(n)]))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.fc = nn.Linear(cin, cfg.num_classes)
        self.channels = tuple(w * 2**i for i in range(len(cfg.blocks)))
        self.strides = tuple(4 * 2**i for i in range(len(cfg.blocks)))

    def features(self, x: torch.Tensor, upto: int = 3) -> list[torch.Tensor]:
        """Stage outputs 0..``upto`` (strides 4, 8, 16, 32); later stages are not run."""
        x = self.stem(x)
        out = []
        for stage in self.stages[:upto + 1]:
            x = stage(x)
            out.append(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x)[-1].mean((2, 3)))
