"""The one run-folder format: what a training run (or an exported model) folder holds, by name.

Training writes it, inference and evaluation read it, the registry imports it; every module names these
files through here. ``RunDir`` gives the paths and reads the JSON files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chromalab.core.jsonio import read_json

CONFIG = "config.json"            # model config, recipe, how it was trained, inference settings
WEIGHTS = "model.safetensors"     # best weights by validation (what loads and ships)
ONNX = "model.onnx"               # the same network for ONNX Runtime (model folders; `chromalab export`)
LAST_WEIGHTS = "last.safetensors"
FINETUNED_WEIGHTS = "finetuned.safetensors"  # a fine-tune's best epoch when model.safetensors blends it with the source
HISTORY = "history.json"          # metrics per epoch
EVALUATION = "evaluation.json"    # test-split metrics written by evaluate / sweep
MODEL_CARD = "MODEL_CARD.md"      # what a model is, from what and on what data, its numbers (shipped, fine-tuned)
IMAGES = "images"                 # images/epoch_NNN.png (grey | predicted | truth)
CHECKPOINTS = "checkpoints"       # Lightning checkpoints, for resuming only
LAST_CHECKPOINT = "last.ckpt"
TENSORBOARD = "tb"
TRAINING_PHOTOS = "training_photos.json"  # which photos a model saw (train and val splits): hashes, names, thumbnails


@dataclass(frozen=True)
class RunDir:
    """A run or model folder."""

    path: Path

    def __init__(self, path: str | os.PathLike):
        object.__setattr__(self, "path", Path(path))

    config = property(lambda self: self.path / CONFIG)
    weights = property(lambda self: self.path / WEIGHTS)
    last_weights = property(lambda self: self.path / LAST_WEIGHTS)
    history_file = property(lambda self: self.path / HISTORY)
    evaluation = property(lambda self: self.path / EVALUATION)
    images = property(lambda self: self.path / IMAGES)
    checkpoints = property(lambda self: self.path / CHECKPOINTS)
    last_checkpoint = property(lambda self: self.path / CHECKPOINTS / LAST_CHECKPOINT)

    def exists(self) -> bool:
        """True if the folder holds a ``config.json``."""
        return self.config.is_file()

    def trained(self) -> bool:
        return self.exists() and self.weights.is_file()

    def meta(self) -> dict[str, Any]:
        """The raw ``config.json`` (``models.io.read_meta`` gives it in today's layout)."""
        return read_json(self.config)

    def history(self) -> list[dict[str, Any]]:
        """Metrics per epoch (empty before the first validation)."""
        return read_json(self.history_file)["epochs"] if self.history_file.is_file() else []
