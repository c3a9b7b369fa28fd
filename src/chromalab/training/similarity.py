"""Training a similarity (feature) network as a classifier on a folder of labelled photos.

Trained through the same ``train()`` and run-folder format as every model (``SimilarityModule`` in
``training.similarity_module``; data from ``data.labelled.LabelledFolder``); ``train_similarity`` is the
convenience that returns the best validation accuracy and the class names.
"""

from __future__ import annotations

import os
from typing import Any

from chromalab.core.rundir import RunDir
from chromalab.training.similarity_module import SimilarityModule
from chromalab.training.train import train

__all__ = ["SimilarityModule", "train_similarity"]


def train_similarity(variant: str, data: str | os.PathLike, out: str | os.PathLike, **kwargs: Any) -> dict[str, Any]:
    """``train(variant, data, out, **kwargs)`` for a ``similarity`` variant; returns ``{"val_accuracy": best,
    "history": [...], "classes": [...], "model": config dict}``."""
    if (RunDir(out).weights).exists():
        raise FileExistsError(f"{out}: already holds a trained model; pick another --out")
    run = RunDir(train(variant, data, out, **kwargs))
    meta = run.meta()
    return {"val_accuracy": meta["training"]["best"]["val/accuracy"], "history": run.history(),
            "classes": meta["classes"], "model": meta["model"]}

