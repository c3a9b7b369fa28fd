"""The Lightning module for regression colorizers (autoencoders and friends): L1 on network ab."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from chromalab.core import lab


class ColorizationModule(L.LightningModule):
    """Trains ``config.build()`` (L → ab) with an L1 loss; validation logs ``val/mae`` (RGB, [0, 1])."""

    def __init__(self, config: Any, lr: float = 2e-4, weight_decay: float = 0.0):
        super().__init__()
        self.config = config
        self.net = config.build()
        self.lr = lr
        self.weight_decay = weight_decay
        self.val_samples: list[torch.Tensor] = []

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.net(l_norm)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.net.parameters(), lr=self.lr, betas=(0.5, 0.999),
                                 weight_decay=self.weight_decay)

    def training_step(self, batch, batch_idx):
        l_norm, ab = batch
        loss = F.l1_loss(self.net(l_norm).float(), ab)
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=True, batch_size=len(l_norm))
        return loss

    def on_validation_epoch_start(self):
        self.val_samples = []

    def validation_step(self, batch, batch_idx):
        log_validation(self, batch, self.net(batch[0]).float())


def log_validation(module: L.LightningModule, batch, pred_ab: torch.Tensor) -> None:
    """Log ``val/l1`` and ``val/mae`` (the seed metric, RGB in [0, 1]) and keep samples for the grid."""
    l_norm, ab = batch
    n = len(l_norm)
    module.log("val/l1", F.l1_loss(pred_ab, ab), prog_bar=True, batch_size=n, sync_dist=True)
    with torch.autocast(device_type=l_norm.device.type, enabled=False):
        pred_rgb = lab.network_to_rgb(l_norm.float(), pred_ab.float())
        true_rgb = lab.lab_to_rgb(torch.cat([lab.denormalize_l(l_norm.float()), lab.denormalize_ab(ab.float())], 1))
    module.log("val/mae", (pred_rgb - true_rgb).abs().mean(), prog_bar=True, batch_size=n, sync_dist=True)
    samples = getattr(module, "val_samples", None)
    if samples is not None and sum(len(s) for s in samples) < 8:
        grey = lab.grey_rgb(lab.denormalize_l(l_norm.float()))
        samples.append(torch.stack([grey, pred_rgb, true_rgb], 1)[: 8].detach().cpu())
