"""The Lightning module of similarity (feature) networks: a classifier over the sub-folders of a labelled folder."""

from __future__ import annotations

import torch.nn.functional as F

from chromalab.training.module import ColorizationModule


class SimilarityModule(ColorizationModule):
    """Cross-entropy on class labels; validation logs ``val/accuracy`` (the run keeps its best epoch)."""

    monitor = ("val/accuracy", "max")

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self.net(x), y)
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=True, batch_size=len(y))
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        acc = (self.net(x).argmax(1) == y).float().mean()
        self.log("val/accuracy", acc, prog_bar=True, batch_size=len(y), sync_dist=True)

