"""The seed's PatchGAN discriminators ``d0``, ``d4`` and ``d8``, conditioned on L.

Input: network L ``(B, 1, H, W)`` and network ab ``(B, 2, H, W)``, both in [-1, 1] (concatenated, L ⊕ ab).
Output: real/fake *logits* (no sigmoid).

- ``d0`` (``grid=0``): a convolutional PatchGAN over the whole image → a map ``(B, 1, H/2**layers, W/2**layers)``;
  each logit judges one overlapping patch.
- ``d4`` / ``d8`` (``grid=4`` / ``8``): the image is cut into a ``grid × grid`` array of portions, the *same*
  conv stack is applied to every portion on its own (portions are moved into the batch dimension), each
  portion's patch map is averaged to one verdict, and the verdicts are put back in place → ``(B, 1, grid, grid)``.
  A portion never sees its neighbours, so the discriminator judges each part of the photo separately.

Normalisation is per sample (``group`` by default), never across the batch, so portions stay independent
and tiny portions (a 1×1 map after the last downsampling) are still allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from chromalab.models.blocks import norm_layer, pad_to_multiple

GRIDS = {"d0": 0, "d4": 4, "d8": 8}


def to_portions(x: torch.Tensor, grid: int) -> torch.Tensor:
    """``(B, C, H, W)`` → ``(B * grid * grid, C, H / grid, W / grid)``, portions in row-major order per image.

    H and W must be multiples of ``grid``.
    """
    b, c, h, w = x.shape
    if h % grid or w % grid:
        raise ValueError(f"image {h}x{w} does not split into a {grid}x{grid} grid")
    x = x.reshape(b, c, grid, h // grid, grid, w // grid)
    return x.permute(0, 2, 4, 1, 3, 5).reshape(b * grid * grid, c, h // grid, w // grid)


def from_portions(x: torch.Tensor, grid: int) -> torch.Tensor:
    """Inverse of ``to_portions``: ``(B * grid * grid, C, h, w)`` → ``(B, C, grid * h, grid * w)`` (tiled)."""
    n, c, h, w = x.shape
    b = n // (grid * grid)
    x = x.reshape(b, grid, grid, c, h, w)
    return x.permute(0, 3, 1, 4, 2, 5).reshape(b, c, grid * h, grid * w)


@dataclass(frozen=True)
class DiscriminatorConfig:
    """``grid``: 0 (whole image), 4 or 8; ``layers``: stride-2 4×4 convs; ``width``: channels of the first."""

    grid: int = 0
    width: int = 64
    layers: int = 3
    max_width: int = 512
    norm: str = "group"

    def build(self) -> PatchDiscriminator:
        return PatchDiscriminator(self)


def discriminator_config(name: str, **fields) -> DiscriminatorConfig:
    """``d0`` | ``d4`` | ``d8`` with the other fields given."""
    if name not in GRIDS:
        raise ValueError(f"unknown discriminator {name!r}; choose from {', '.join(GRIDS)}")
    return DiscriminatorConfig(grid=GRIDS[name], **fields)


class PatchDiscriminator(nn.Module):
    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        if cfg.norm == "batch":
            raise ValueError("batch norm would mix portions and images; use group, instance or none")
        self.cfg = cfg
        widths = [min(cfg.width * 2**i, cfg.max_width) for i in range(cfg.layers)]
        layers: list[nn.Module] = [nn.Conv2d(3, widths[0], 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        for cin, cout in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=cfg.norm == "none"), norm_layer(cfg.norm, cout),
                       nn.LeakyReLU(0.2, inplace=True)]
        layers.append(nn.Conv2d(widths[-1], 1, 3, 1, 1))
        self.stack = nn.Sequential(*layers)

    def forward(self, l_norm: torch.Tensor, ab_norm: torch.Tensor) -> torch.Tensor:
        """L ``(B, 1, H, W)`` and ab ``(B, 2, H, W)`` in [-1, 1] → logits (see the module docstring for shapes).

        Sizes that are not a multiple of ``grid * 2**layers`` are reflect-padded on the bottom/right.
        """
        x = torch.cat([l_norm, ab_norm.to(l_norm.dtype)], 1)
        step = 2**self.cfg.layers
        if self.cfg.grid == 0:
            return self.stack(pad_to_multiple(x, step)[0])
        grid = self.cfg.grid
        x, _ = pad_to_multiple(x, grid * step)
        verdicts = self.stack(to_portions(x, grid)).mean((2, 3), keepdim=True)  # (B*g*g, 1, 1, 1)
        return from_portions(verdicts, grid)
