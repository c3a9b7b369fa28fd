"""The pretrained-encoder U-Net's module: a decoder ensemble trained on its own losses, a slower encoder.

Plain L1 on ab makes an uncertain network predict the median colour, a timid brown; the recipe's chroma term
asks for the right amount of colour. Freezing the encoder is the ``FreezeEncoder`` callback's job.
"""

from __future__ import annotations

from typing import Any

import torch

from chromalab.training.module import ColorizationModule, chroma_gap_loss, log_validation


class EffnetColorizationModule(ColorizationModule):
    """Trains an ``EffnetUnet``; validation also logs ``val/chroma_gap``."""

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
        each = [self.losses(pred, ab) for pred in self.net.forward_each(l_norm)]
        # Each decoder of an ensemble learns on its own loss (not the average's), so they stay independent.
        parts = {k: torch.stack([e[k] for e in each]).mean() for k in each[0]}
        self.log_losses(parts, len(l_norm))
        self.log("train/chroma_gap", parts["chroma"], on_step=False, on_epoch=True, batch_size=len(l_norm))
        return parts["loss"]

    def validation_step(self, batch, batch_idx):
        pred = self.net(batch[0]).float()
        self.log("val/chroma_gap", chroma_gap_loss(pred, batch[1]), batch_size=len(pred))
        log_validation(self, batch, pred)
