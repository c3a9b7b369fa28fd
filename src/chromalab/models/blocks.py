"""Small building blocks shared by the generators."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def norm_layer(kind: str, channels: int) -> nn.Module:
    """``batch`` | ``instance`` | ``group`` | ``none``."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}")


class ConvBlock(nn.Sequential):
    """3x3 conv → norm → activation, optionally strided."""

    def __init__(self, cin: int, cout: int, stride: int = 1, norm: str = "batch", act: str = "relu"):
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, stride, 1, bias=norm == "none"), norm_layer(norm, cout)]
        layers.append(nn.LeakyReLU(0.2, inplace=True) if act == "lrelu" else nn.ReLU(inplace=True))
        super().__init__(*layers)


class Up(nn.Module):
    """Doubles the resolution: ``learned`` (ConvTranspose 4x4/2) or ``interp`` (bilinear + 3x3 conv)."""

    def __init__(self, cin: int, cout: int, mode: str, norm: str):
        super().__init__()
        if mode == "learned":
            self.up = nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=norm == "none")
        elif mode == "interp":
            self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                    nn.Conv2d(cin, cout, 3, 1, 1, bias=norm == "none"))
        else:
            raise ValueError(f"unknown upsampling {mode!r} (learned | interp)")
        self.post = nn.Sequential(norm_layer(norm, cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.post(self.up(x))


def pad_to_multiple(x, multiple: int):
    """Reflect-pad ``(B, C, H, W)`` on the bottom/right to a multiple; returns (padded, (H, W)).

    While tracing for ONNX export the sizes are traced tensors: the pad is then always applied (with the
    traced amounts, possibly 0) so the exported graph pads any height and width, not just the example's;
    exported graphs need sides larger than the pad (reflect mode)."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if torch.jit.is_tracing():
        return F.pad(x, (0, pw, 0, ph), mode="reflect"), (h, w)
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)
