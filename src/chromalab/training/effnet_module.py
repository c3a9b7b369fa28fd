"""The Lightning module of the pretrained-encoder colorizer: L1 plus an optional chroma-gap term.

Plain L1 on ab makes an uncertain network predict the median colour, a timid brown. The chroma term
``chroma_weight * |mean chroma(pred) - mean chroma(truth)|`` per photo asks for the right *amount* of
colour without dictating its hue. Loss weights, the encoder's learning-rate scale and the decoder-only
warm-up come from the model config (``EffnetUnetConfig``).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from chromalab.training.module import log_validation


def mean_chroma(ab: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Per-photo mean chroma ``(B,)`` of network ab ``(B, 2, H, W)`` (network units, [0, √2])."""
    return (ab.float().pow(2).sum(1) + eps).sqrt().mean((1, 2))


def chroma_gap_loss(pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``|mean chroma(pred) - mean chroma(truth)|`` per photo (a scalar ≥ 0)."""
    return (mean_chroma(pred_ab) - mean_chroma(true_ab)).abs().mean()


def colorization_loss(pred_ab: torch.Tensor, true_ab: torch.Tensor, l1_weight: float = 1.0,
                      chroma_weight: float = 0.0, mse_weight: float = 0.0) -> dict[str, torch.Tensor]:
    """``{"loss", "l1", "mse", "chroma"}`` for ab ``(B, 2, H, W)`` in network units."""
    pred_ab = pred_ab.float()
    l1 = F.l1_loss(pred_ab, true_ab)
    mse = F.mse_loss(pred_ab, true_ab)
    chroma = chroma_gap_loss(pred_ab, true_ab)
    loss = l1_weight * l1 + mse_weight * mse + chroma_weight * chroma
    return {"loss": loss, "l1": l1, "mse": mse, "chroma": chroma}


class EffnetColorizationModule(L.LightningModule):
    """Trains an ``EffnetUnet``; validation logs ``val/mae`` through ``log_validation``."""

    def __init__(self, config: Any, lr: float = 2e-4):
        super().__init__()
        self.config = config
        self.net = config.build()
        self.lr = lr
        self.weight_decay = config.weight_decay
        self.val_samples: list[torch.Tensor] = []

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.net(l_norm)

    def configure_optimizers(self):
        enc = list(self.net.encoder.parameters())
        enc_ids = {id(p) for p in enc}
        rest = [p for p in self.net.parameters() if id(p) not in enc_ids]
        return torch.optim.AdamW([{"params": rest, "lr": self.lr},
                                  {"params": enc, "lr": self.lr * self.config.encoder_lr_scale}],
                                 lr=self.lr, betas=(0.9, 0.99), weight_decay=self.weight_decay)

    def encoder_frozen(self) -> bool:
        return self.current_epoch < self.config.freeze_encoder_epochs

    def on_train_epoch_start(self):
        frozen = self.encoder_frozen()
        self.net.encoder.requires_grad_(not frozen)
        self.net.encoder.train(not frozen)  # frozen: keep the pretrained batch-norm statistics too

    def training_step(self, batch, batch_idx):
        l_norm, ab = batch
        if self.encoder_frozen() and self.net.encoder.training:
            self.net.encoder.eval()
        each = [colorization_loss(pred, ab, self.config.l1_weight, self.config.chroma_weight,
                                  self.config.mse_weight) for pred in self.net.forward_each(l_norm)]
        # Each decoder of an ensemble learns on its own loss (not the average's), so they stay independent.
        parts = {k: torch.stack([e[k] for e in each]).mean() for k in each[0]}
        n = len(l_norm)
        self.log("train/loss", parts["loss"], prog_bar=True, on_step=True, on_epoch=True, batch_size=n)
        self.log("train/l1", parts["l1"], on_step=False, on_epoch=True, batch_size=n)
        self.log("train/chroma_gap", parts["chroma"], on_step=False, on_epoch=True, batch_size=n)
        return parts["loss"]

    def on_validation_epoch_start(self):
        self.val_samples = []

    def validation_step(self, batch, batch_idx):
        pred = self.net(batch[0]).float()
        self.log("val/chroma_gap", chroma_gap_loss(pred, batch[1]), batch_size=len(pred))
        log_validation(self, batch, pred)
