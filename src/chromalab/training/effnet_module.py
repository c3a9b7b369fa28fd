"""The pretrained-encoder U-Net's module: a decoder ensemble trained on its own losses, a slower encoder.

Plain L1 on ab makes an uncertain network predict the median colour, a timid brown; the recipe's chroma term
asks for the right amount of colour, as do the terms of ``training.colour_losses`` (colourfulness gap,
boosted targets, faded crops left out, semantic KL). A model with ``ab_bins`` (a classification head over
quantized ab) learns by the rebalanced cross-entropy (``bins_weight``) on every ``BINS_STRIDE``-th pixel;
the bins' prior and rebalancing weights are computed from the training crops when training starts and kept
in the model's buffers. ``warm_start`` starts the decoders (and the encoder)
from a trained model folder. Freezing the encoder is the ``FreezeEncoder`` callback's job.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from chromalab.core import lab
from chromalab.models.io import load_model
from chromalab.ops import ab_bins
from chromalab.training.colour_losses import (
    SemanticKL,
    boost_targets,
    colourful_mask,
    colourfulness_gap,
    rebalanced_cross_entropy,
)
from chromalab.training.module import ColorizationModule, chroma_gap_loss, log_validation

log = logging.getLogger(__name__)
SEMANTIC_CROPS = 8
BINS_STRIDE = 2  # ab-bins models: the loss is computed on every 2nd pixel of each axis (a quarter of them)
PRIOR_PASSES = 2  # passes over the training crops that count the bins' prior


def bin_counts(batches, centres: torch.Tensor, step: float) -> torch.Tensor:
    """``(Q,)`` float64 counts of the truth's nearest bins over ``batches`` of ``(l_norm, ab_norm)``."""
    counts = torch.zeros(len(centres), dtype=torch.float64)
    for _, ab in batches:
        idx = ab_bins.nearest_bin(lab.denormalize_ab(ab.float()), centres.cpu(), step)
        counts += torch.bincount(idx.flatten().cpu(), minlength=len(centres)).double()
    return counts


def warm_start_weights(net: torch.nn.Module, model_dir: str) -> list[str]:
    """Copy a trained model folder's weights into ``net`` where names and shapes agree (a new head, such as
    a classification head over ab bins, keeps its fresh weights); returns the names left as they were."""
    trained = load_model(model_dir)[0].state_dict()
    own = net.state_dict()
    same = {k: v for k, v in trained.items() if k in own and own[k].shape == v.shape}
    net.load_state_dict(same, strict=False)
    return sorted(set(own) - set(same))


class EffnetColorizationModule(ColorizationModule):
    """Trains an ``EffnetUnet``; validation also logs ``val/chroma_gap``."""

    def __init__(self, config: Any, recipe: Any = None):
        super().__init__(config, recipe)
        self.fresh: set[str] = set()  # parameters a warm start left fresh (they learn at lr × fresh_lr_scale)
        if self.recipe.warm_start:
            self.fresh = set(warm_start_weights(self.net, self.recipe.warm_start))
        self.semantic = SemanticKL() if self.recipe.semantic_weight else None
        self.bins = float(getattr(self.config, "ab_bins", 0.0) or 0.0)

    def on_train_start(self):
        """ab-bins models: the training split's smoothed bin prior and the rebalancing weights (once: a
        resumed or warm-started bins model keeps its own)."""
        if self.bins and float(self.net.bin_prior.sum()) == 0:
            self.fit_bin_prior(self.trainer.train_dataloader)

    def fit_bin_prior(self, batches, passes: int = PRIOR_PASSES) -> None:
        """Set the model's bin prior (smoothed frequencies of the truth's nearest bins over ``passes`` passes
        of ``batches`` of ``(l_norm, ab_norm)``) and its rebalancing weights (λ: ``rebalance_lambda``)."""
        counts = sum(bin_counts(batches, self.net.bin_centres, self.bins) for _ in range(passes))
        prior = ab_bins.smoothed_prior(counts, self.net.bin_centres.cpu())
        self.net.bin_prior.copy_(prior)
        self.net.bin_weights.copy_(ab_bins.rebalance_weights(prior, self.recipe.rebalance_lambda))
        log.info("ab bins: %d bins, prior from %d pixels; weights %.2f–%.2f", len(prior), int(counts.sum()),
                 float(self.net.bin_weights.min()), float(self.net.bin_weights.max()))

    def all_losses(self, l_norm: torch.Tensor, pred: torch.Tensor, target: torch.Tensor,
                   truth: torch.Tensor) -> dict[str, torch.Tensor]:
        """The recipe's losses on one decoder's ab (``target``: the possibly boosted truth)."""
        r = self.recipe
        parts = self.losses(pred, target)
        if r.colourfulness_weight:
            parts["cf_gap"] = colourfulness_gap(l_norm, pred, target)
            parts["loss"] = parts["loss"] + r.colourfulness_weight * parts["cf_gap"]
        return parts

    def semantic_loss(self, l_norm: torch.Tensor, preds: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """KL of the frozen Lite0 classifier on the decoders' mean ab against the truth, on at most
        ``SEMANTIC_CROPS`` crops: one classifier backward per step instead of one per decoder (on two CPU
        cores it costs more than the rest of the step)."""
        n = SEMANTIC_CROPS
        return self.semantic(l_norm[:n], preds[:, :n].mean(0), truth[:n])

    def param_groups(self) -> list[dict[str, Any]]:
        enc_ids = {id(p) for p in self.net.encoder.parameters()}
        named = [(n, p) for n, p in self.net.named_parameters() if id(p) not in enc_ids and p.requires_grad]
        rest = [p for n, p in named if n not in self.fresh]
        fresh = [p for n, p in named if n in self.fresh]
        enc = [p for p in self.net.encoder.parameters() if p.requires_grad]
        groups = [{"params": rest, "lr": self.recipe.lr}]
        if fresh:
            groups.append({"params": fresh, "lr": self.recipe.lr * self.recipe.fresh_lr_scale})
        if enc:
            groups.append({"params": enc, "lr": self.recipe.lr * self.recipe.encoder_lr_scale})
        return groups

    def training_step(self, batch, batch_idx):
        l_norm, ab = batch
        r = self.recipe
        if r.min_colourfulness > 0:
            keep = colourful_mask(l_norm, ab, r.min_colourfulness)
            l_norm, ab = l_norm[keep], ab[keep]
        target = boost_targets(ab, r.target_saturation)
        if self.bins:
            return self.bins_step(l_norm, ab, target)
        preds = self.net.forward_each(l_norm)
        each = [self.all_losses(l_norm, pred, target, ab) for pred in preds]
        # Each decoder of an ensemble learns on its own loss (not the average's), so they stay independent.
        parts = {k: torch.stack([e[k] for e in each]).mean() for k in each[0]}
        if self.semantic is not None:
            parts["semantic"] = self.semantic_loss(l_norm, preds, ab)
            parts["loss"] = parts["loss"] + r.semantic_weight * parts["semantic"]
        self.log_losses(parts, len(l_norm))
        self.log("train/chroma_gap", parts["chroma"], on_step=False, on_epoch=True, batch_size=len(l_norm))
        for k in ("cf_gap", "semantic"):
            if k in parts:
                self.log(f"train/{k}", parts[k], on_step=False, on_epoch=True, batch_size=len(l_norm))
        return parts["loss"]

    def bins_step(self, l_norm: torch.Tensor, ab: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """ab-bins models: ``bins_weight`` × rebalanced cross-entropy, plus the recipe's other terms on the
        annealed-mean ab, all on every ``BINS_STRIDE``-th pixel."""
        r, s = self.recipe, BINS_STRIDE
        l_sub, ab_sub, target_sub = l_norm[..., ::s, ::s], ab[..., ::s, ::s], target[..., ::s, ::s]
        logits = self.net.logits_each(l_norm, stride=s)
        each = []
        for z in logits:
            pred = self.net.logits_to_ab(z)
            parts = self.all_losses(l_sub, pred, target_sub, ab_sub)
            parts["bins_ce"] = rebalanced_cross_entropy(z, target_sub, self.net.bin_centres, self.net.bin_weights,
                                                        self.bins)
            parts["loss"] = parts["loss"] + r.bins_weight * parts["bins_ce"]
            each.append(parts)
        parts = {k: torch.stack([e[k] for e in each]).mean() for k in each[0]}
        if self.semantic is not None:
            parts["semantic"] = self.semantic(l_sub[:SEMANTIC_CROPS],
                                              torch.stack([self.net.logits_to_ab(z[:SEMANTIC_CROPS]) for z in logits]
                                                          ).mean(0), ab_sub[:SEMANTIC_CROPS])
            parts["loss"] = parts["loss"] + r.semantic_weight * parts["semantic"]
        self.log_losses(parts, len(l_norm))
        for k in ("bins_ce", "cf_gap", "semantic"):
            if k in parts:
                self.log(f"train/{k}", parts[k], on_step=False, on_epoch=True, batch_size=len(l_norm))
        return parts["loss"]

    def validation_step(self, batch, batch_idx):
        pred = self.net(batch[0]).float()
        self.log("val/chroma_gap", chroma_gap_loss(pred, batch[1]), batch_size=len(pred))
        log_validation(self, batch, pred)
