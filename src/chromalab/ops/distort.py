"""Making a reference from the target itself: spatially distorted, colour-jittered copies (training recipe).

The network must *find* the colours in the reference (the pixels moved) rather than copy them in place.
Everything works on network Lab tensors: ``l_norm`` (B, 1, H, W) in [-1, 1], ``ab_norm`` (B, 2, H, W) in
[-1, 1]; all randomness comes from the ``torch.Generator`` passed in, so a seed gives the same references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from kornia.geometry.transform import get_tps_transform, warp_points_tps


@dataclass(frozen=True)
class DistortConfig:
    """How strongly references are distorted.

    ``rotate`` degrees, ``scale`` (min, max) zoom (> 1 crops in), ``translate`` fraction of the size,
    ``tps`` std of thin-plate-spline control-point jitter (normalised units, on a 4x4 grid), ``flip``
    probability of a horizontal flip; colour jitter: ``brightness`` (added to L/50), ``contrast`` (L
    scaled about its mean by 1 ± this), ``saturation`` (ab scaled by 1 ± this), ``hue`` degrees of ab rotation.
    """

    rotate: float = 15.0
    scale: tuple[float, float] = (1.0, 1.4)
    translate: float = 0.1
    tps: float = 0.06
    flip: float = 0.5
    brightness: float = 0.1
    contrast: float = 0.15
    saturation: float = 0.15
    hue: float = 8.0


def _uniform(gen: torch.Generator, n: int, lo: float, hi: float, device) -> torch.Tensor:
    return torch.rand(n, generator=gen, device=device) * (hi - lo) + lo


def random_grid(b: int, h: int, w: int, cfg: DistortConfig, gen: torch.Generator,
                device: torch.device | str = "cpu") -> torch.Tensor:
    """A random sampling grid (B, H, W, 2) for ``grid_sample`` (align_corners=False): TPS jitter, then
    a similarity transform (rotation, zoom, translation) and an optional horizontal flip."""
    ys = (torch.arange(h, device=device) * 2 + 1) / h - 1
    xs = (torch.arange(w, device=device) * 2 + 1) / w - 1
    base = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1).reshape(1, h * w, 2).expand(b, -1, -1)
    pts = base
    if cfg.tps > 0:
        c = torch.linspace(-1, 1, 4, device=device)
        ctrl = torch.stack(torch.meshgrid(c, c, indexing="xy"), -1).reshape(1, 16, 2).expand(b, -1, -1)
        moved = ctrl + torch.randn(b, 16, 2, generator=gen, device=device) * cfg.tps
        kernel_w, affine_w = get_tps_transform(ctrl, moved)
        pts = warp_points_tps(base, ctrl, kernel_w, affine_w)
    ang = _uniform(gen, b, -cfg.rotate, cfg.rotate, device) * math.pi / 180
    zoom = _uniform(gen, b, cfg.scale[0], cfg.scale[1], device)
    tx = _uniform(gen, b, -cfg.translate, cfg.translate, device) * 2
    ty = _uniform(gen, b, -cfg.translate, cfg.translate, device) * 2
    flip = torch.where(torch.rand(b, generator=gen, device=device) < cfg.flip, -1.0, 1.0)
    cos, sin = torch.cos(ang) / zoom, torch.sin(ang) / zoom
    x, y = pts[..., 0] * flip[:, None], pts[..., 1]
    # keep aspect: rotate in pixel units, not in the normalised square
    ar = w / h
    gx = cos[:, None] * x - sin[:, None] * y / ar + tx[:, None]
    gy = sin[:, None] * x * ar + cos[:, None] * y + ty[:, None]
    return torch.stack([gx, gy], -1).view(b, h, w, 2)


def jitter_colour(l_norm: torch.Tensor, ab_norm: torch.Tensor, cfg: DistortConfig, gen: torch.Generator
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Brightness/contrast of L and saturation/hue of ab, per image; outputs stay in [-1, 1]."""
    b, dev = l_norm.shape[0], l_norm.device
    v = lambda lo, hi: _uniform(gen, b, lo, hi, dev).view(b, 1, 1, 1)  # noqa: E731
    mean = l_norm.mean((1, 2, 3), keepdim=True)
    lj = (l_norm - mean) * v(1 - cfg.contrast, 1 + cfg.contrast) + mean + v(-cfg.brightness, cfg.brightness)
    sat = v(1 - cfg.saturation, 1 + cfg.saturation)
    hue = v(-cfg.hue, cfg.hue) * math.pi / 180
    a, bb = ab_norm[:, :1], ab_norm[:, 1:]
    abj = torch.cat([a * torch.cos(hue) - bb * torch.sin(hue), a * torch.sin(hue) + bb * torch.cos(hue)], 1) * sat
    return lj.clamp(-1, 1), abj.clamp(-1, 1)


def make_reference(l_norm: torch.Tensor, ab_norm: torch.Tensor, cfg: DistortConfig = DistortConfig(),
                   gen: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A distorted, colour-jittered copy of each image: (ref_l (B, 1, H, W), ref_ab (B, 2, H, W)) in [-1, 1].

    Areas the warp pulls in from outside the image are filled by border replication.
    """
    gen = gen or torch.Generator(device=l_norm.device).manual_seed(int(torch.randint(0, 2**31, (1,))))
    b, _, h, w = l_norm.shape
    grid = random_grid(b, h, w, cfg, gen, l_norm.device)
    lab = F.grid_sample(torch.cat([l_norm, ab_norm], 1), grid, mode="bilinear", padding_mode="border",
                        align_corners=False)
    return jitter_colour(lab[:, :1], lab[:, 1:], cfg, gen)
