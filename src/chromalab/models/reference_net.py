"""The reference-guided colorizer: features → correspondence → warped reference colour → U-Net → ab.

Pipeline for a target ``l_norm`` (B, 1, H, W) and a reference ``ref_l`` (B, 1, Hr, Wr), ``ref_ab``
(B, 2, Hr, Wr), all in [-1, 1]:

1. a frozen feature network (``features``) gives multi-scale features of the target's L and of the
   reference's L; the stages in ``levels`` are resized to the grid of stage ``grid`` (stride 4·2^grid),
   each L2-normalised and concatenated (so their cosines are averaged);
2. ``match`` finds, for every target grid cell, the reference cell with the most similar 3x3 feature patch
   (``exact`` or ``patchmatch``, both directions; ``identity`` skips the search and lays the resized
   reference over the target; ``none`` gives no guide at all — the seed's ablation);
3. the reference's ab is warped through the match field at pixel resolution;
4. a U-Net sees [L, warped ab, similarity, cycle consistency] (B, 5, H, W) and predicts ab (B, 2, H, W) in
   [-1, 1] (tanh). Without a reference the guide is zeros, so the network is also an L → ab colorizer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from chromalab.models.backbones.lite0 import EfficientNetLiteConfig
from chromalab.models.config import config_type
from chromalab.models.unet import UNet
from chromalab.ops.correspondence import match_both, patch_similarity, upsample_index, warp

MATCH_MODES = ("exact", "patchmatch", "identity", "none")
GUIDE_CHANNELS = 4  # warped a, warped b, similarity, cycle consistency



@config_type
@dataclass(frozen=True)
class ReferenceUNetConfig:
    """Reference-guided U-Net. ``features``: a feature-network config (``similarity`` family). How training
    references are made and where trained feature weights come from are the recipe's (``TrainRecipe``)."""

    family: ClassVar[str] = "reference"
    legacy_fields: ClassVar[dict[str, str]] = {"features_weights": "recipe", "p_unrelated": "recipe",
                                               "distort": "recipe"}
    features: Any = EfficientNetLiteConfig()
    match: str = "exact"
    levels: tuple[int, ...] = (0, 1, 2)
    grid: int = 0
    patchmatch_iters: int = 8
    width: int = 32
    depth: int = 3
    norm: str = "batch"

    def build(self, pretrained: bool = True) -> nn.Module:
        """The feature network's package weights are always read: run folders do not store them."""
        return ReferenceGuidedNet(self)

    def tiny(self) -> ReferenceUNetConfig:
        return dataclasses.replace(self, features=self.features.tiny(), width=4, depth=2)


def _drop_package_features(module: nn.Module, state: dict, prefix: str, local_metadata: Any) -> None:
    """state_dict hook: pretrained feature weights come from their pinned package, not from run folders."""
    for key in [k for k in state if k.startswith(prefix + "features.")]:
        del state[key]


def _allow_missing_package_features(module: nn.Module, incompatible: Any) -> None:
    """load_state_dict hook: the feature weights are not expected in saved files (rebuilt from the package)."""
    own = tuple("features." + k for k in module.features.state_dict())
    incompatible.missing_keys[:] = [k for k in incompatible.missing_keys if not k.endswith(own)]


class ReferenceGuidedNet(nn.Module):
    def __init__(self, cfg: ReferenceUNetConfig):
        super().__init__()
        if cfg.match not in MATCH_MODES:
            raise ValueError(f"match must be one of {', '.join(MATCH_MODES)}; got {cfg.match!r}")
        self.cfg = cfg
        self.features = cfg.features.build()
        self.features.requires_grad_(False)
        self.features.eval()
        self.unet = UNet(1 + GUIDE_CHANNELS, 2, cfg.width, cfg.depth, norm=cfg.norm, stem_convs=2)
        self.stride = self.features.strides[cfg.grid]
        if getattr(cfg.features, "from_package", False):
            self.register_state_dict_post_hook(_drop_package_features)
            self.register_load_state_dict_post_hook(_allow_missing_package_features)

    def train(self, mode: bool = True) -> ReferenceGuidedNet:
        super().train(mode)
        self.features.eval()  # frozen: batch-norm statistics stay those it was trained with
        return self

    @torch.no_grad()
    def match_features(self, l_norm: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) network L → (B, C, Hg, Wg) matching features on the grid of stage ``cfg.grid``."""
        x = l_norm if self.features.cfg.in_channels == 1 else l_norm.repeat(1, self.features.cfg.in_channels, 1, 1)
        feats = self.features.features(x, upto=max(*self.cfg.levels, self.cfg.grid))
        size = feats[self.cfg.grid].shape[-2:]
        parts = [F.normalize(F.interpolate(feats[i], size=size, mode="bilinear", align_corners=False)
                             if feats[i].shape[-2:] != size else feats[i], dim=1, eps=1e-8)
                 for i in self.cfg.levels]
        return torch.cat(parts, 1) / len(parts) ** 0.5

    @torch.no_grad()
    def guide(self, l_norm: torch.Tensor, ref_l: torch.Tensor | None, ref_ab: torch.Tensor | None,
              seed: int = 0, match: str | None = None) -> torch.Tensor:
        """The U-Net's extra input (B, 4, H, W): warped reference ab (2), similarity in [-1, 1] (1) and
        cycle consistency in {0, 1} (1). Zeros without a reference or with ``match="none"``. ``match``
        overrides ``cfg.match`` (e.g. ``identity`` to measure what the correspondence search adds)."""
        match = match or self.cfg.match
        if match not in MATCH_MODES:
            raise ValueError(f"match must be one of {', '.join(MATCH_MODES)}; got {match!r}")
        b, _, h, w = l_norm.shape
        if ref_l is None or ref_ab is None or match == "none":
            return l_norm.new_zeros(b, GUIDE_CHANNELS, h, w)
        if match == "identity":
            ref_l = F.interpolate(ref_l, size=(h, w), mode="bilinear", align_corners=False)
            ref_ab = F.interpolate(ref_ab, size=(h, w), mode="bilinear", align_corners=False)
        ft, fr = self.match_features(l_norm), self.match_features(ref_l)
        grid_t, grid_r = ft.shape[-2:], fr.shape[-2:]
        if match == "identity":
            index = torch.arange(grid_t.numel(), device=l_norm.device).view(1, *grid_t).expand(b, -1, -1)
            sim = patch_similarity(ft, fr, index)
            consistent = torch.ones_like(sim)
        else:
            kw = {"iters": self.cfg.patchmatch_iters, "seed": seed} if match == "patchmatch" else {}
            both = match_both(ft, fr, method=match, **kw)
            index, sim, consistent = both.forward.index, both.forward.similarity, both.consistent.float()
        pixel_index = upsample_index(index, tuple(grid_r), self.stride, (h, w), tuple(ref_ab.shape[-2:]))
        warped = warp(ref_ab, pixel_index)
        maps = torch.stack([sim, consistent], 1)
        maps = F.interpolate(maps, size=(h, w), mode="bilinear", align_corners=False)
        return torch.cat([warped, maps], 1)

    def forward(self, l_norm: torch.Tensor, ref_l: torch.Tensor | None = None, ref_ab: torch.Tensor | None = None,
                guide: torch.Tensor | None = None) -> torch.Tensor:
        """ab (B, 2, H, W) in [-1, 1] for ``l_norm`` (B, 1, H, W), guided by a reference (or a precomputed
        ``guide``); with neither, the guide is zeros."""
        if guide is None:
            guide = self.guide(l_norm, ref_l, ref_ab)
        return self.unet(torch.cat([l_norm, guide.to(l_norm.dtype)], 1))
