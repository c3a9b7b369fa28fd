"""The one base Lightning module of chromalab's colorizers, and its losses.

``ColorizationModule`` trains ``config.build()`` (network L → network ab) with the recipe's losses and AdamW
settings, and validates the same way for every family (``val/l1``, ``val/mae`` on RGB in [0, 1], a sample
grid). Families subclass it (``training.train.MODULES`` maps family → module): the pretrained-encoder U-Net
(decoder ensembles, a slower encoder), the GANs (explicit D and G steps), reference-guided colorizers.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.training.recipe import TrainRecipe


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


class ColorizationModule(L.LightningModule):
    """Trains ``config.build()`` (L → ab) with ``recipe``'s losses; validation logs ``val/mae`` (RGB, [0, 1])."""

    monitor = ("val/mae", "min")  # the run folder keeps the best epoch by this metric

    def __init__(self, config: Any, recipe: TrainRecipe | None = None):
        super().__init__()
        self.config = config
        self.recipe = recipe or TrainRecipe()
        self.net = self.build_net()
        self.val_samples: list[torch.Tensor] = []

    def build_net(self) -> torch.nn.Module:
        return self.config.build()

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.net(l_norm)

    def param_groups(self) -> list[dict[str, Any]]:
        """What the optimiser updates (frozen parameters are left out; a fine-tuning callback adds them)."""
        return [{"params": [p for p in self.net.parameters() if p.requires_grad]}]

    def configure_optimizers(self):
        r = self.recipe
        return torch.optim.AdamW(self.param_groups(), lr=r.lr, betas=r.betas, weight_decay=r.weight_decay)

    def losses(self, pred_ab: torch.Tensor, true_ab: torch.Tensor) -> dict[str, torch.Tensor]:
        r = self.recipe
        return colorization_loss(pred_ab, true_ab, r.l1_weight, r.chroma_weight, r.mse_weight)

    def log_losses(self, parts: dict[str, torch.Tensor], n: int) -> None:
        self.log("train/loss", parts["loss"], prog_bar=True, on_step=True, on_epoch=True, batch_size=n)
        self.log("train/l1", parts["l1"], on_step=False, on_epoch=True, batch_size=n)
        if self.recipe.chroma_weight:
            self.log("train/chroma_gap", parts["chroma"], on_step=False, on_epoch=True, batch_size=n)

    def training_step(self, batch, batch_idx):
        l_norm, ab = batch
        parts = self.losses(self.net(l_norm), ab)
        self.log_losses(parts, len(l_norm))
        return parts["loss"]

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
