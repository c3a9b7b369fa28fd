"""The pretrained-encoder U-Net's module: a decoder ensemble trained on its own losses, a slower encoder.

Plain L1 on ab makes an uncertain network predict the median colour, a timid brown; the recipe's chroma term
asks for the right amount of colour, as do the terms of ``training.colour_losses`` (colourfulness gap,
boosted targets, faded crops left out, semantic KL). ``warm_start`` starts the decoders (and the encoder)
from a trained model folder. Freezing the encoder is the ``FreezeEncoder`` callback's job.
"""

from __future__ import annotations

from typing import Any

import torch

from chromalab.models.io import load_model
from chromalab.training.colour_losses import SemanticKL, boost_targets, colourful_mask, colourfulness_gap
from chromalab.training.module import ColorizationModule, chroma_gap_loss, log_validation

SEMANTIC_CROPS = 8


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
        if self.recipe.warm_start:
            warm_start_weights(self.net, self.recipe.warm_start)
        self.semantic = SemanticKL() if self.recipe.semantic_weight else None

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
        rest = [p for p in self.net.parameters() if id(p) not in enc_ids and p.requires_grad]
        enc = [p for p in self.net.encoder.parameters() if p.requires_grad]
        groups = [{"params": rest, "lr": self.recipe.lr}]
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

    def validation_step(self, batch, batch_idx):
        pred = self.net(batch[0]).float()
        self.log("val/chroma_gap", chroma_gap_loss(pred, batch[1]), batch_size=len(pred))
        log_validation(self, batch, pred)
