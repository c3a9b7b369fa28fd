"""Training a similarity (feature) network as a classifier on a folder of labelled photos.

Trained through the same ``train()`` and run-folder format as every model (``SimilarityModule``; data from
``data.labelled.LabelledFolder``); ``train_similarity`` is the convenience that returns the best validation
accuracy and the class names.
"""

from __future__ import annotations

import os
from typing import Any

import torch.nn.functional as F

from chromalab.core.rundir import RunDir
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


def train_similarity(variant: str, data: str | os.PathLike, out: str | os.PathLike, **kwargs: Any) -> dict[str, Any]:
    """``train(variant, data, out, **kwargs)`` for a ``similarity`` variant; returns ``{"val_accuracy": best,
    "history": [...], "classes": [...], "model": config dict}``."""
    from chromalab.training.train import train

    if (RunDir(out).weights).exists():
        raise FileExistsError(f"{out}: already holds a trained model; pick another --out")
    run = RunDir(train(variant, data, out, **kwargs))
    meta = run.meta()
    return {"val_accuracy": meta["training"]["best"]["val/accuracy"], "history": run.history(),
            "classes": meta["classes"], "model": meta["model"]}

