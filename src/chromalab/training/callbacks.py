"""Callbacks that turn a Lightning run into a chromalab run folder.

After every validation: ``last.safetensors`` always, ``model.safetensors`` when ``val/mae`` improved,
``history.json`` (metrics per epoch), ``images/epoch_NNN.png`` (grey | predicted | truth), and
``config.json`` kept current (epochs done, best epoch, wall time, status).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import BaseFinetuning

from chromalab.core import rundir
from chromalab.core.imageio import save_rgb
from chromalab.core.jsonio import read_json, write_json
from chromalab.models.io import save_weights


def grid_image(samples: list[torch.Tensor]) -> np.ndarray:
    """Rows of (grey | predicted | truth) from tensors ``(N, 3, 3, H, W)`` → ``(H*N, W*3, 3)`` array."""
    rows = torch.cat(samples)[:8]
    n, k, c, h, w = rows.shape
    return rows.permute(0, 3, 1, 4, 2).reshape(n * h, k * w, c).numpy()


class RunFolderCallback(L.Callback):
    def __init__(self, run_dir: Path, monitor: str = "val/mae", mode: str = "min"):
        self.run_dir = Path(run_dir)
        self.monitor = monitor
        self.sign = 1.0 if mode == "min" else -1.0  # compare sign * value, lower is better
        self.t0 = time.time()

    def _update_config(self, **fields: Any) -> None:
        path = self.run_dir / rundir.CONFIG
        data = read_json(path)
        data.setdefault("training", {}).update(fields)
        write_json(data, path)

    def _history(self) -> list[dict[str, Any]]:
        path = self.run_dir / rundir.HISTORY
        return read_json(path)["epochs"] if path.is_file() else []

    def on_fit_start(self, trainer, pl_module):
        self.t0 = time.time()
        self.wall_before = float(read_json(self.run_dir / rundir.CONFIG).get("training", {}).get("wall_seconds", 0.0))
        if trainer.is_global_zero:
            self._update_config(status="running")

    def on_validation_end(self, trainer, pl_module):
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if torch.is_tensor(v) and v.numel() == 1}
        epoch = trainer.current_epoch
        history = [h for h in self._history() if h["epoch"] != epoch]
        history.append({"epoch": epoch, "step": trainer.global_step, "wall_seconds": self._wall(), **metrics})
        write_json({"epochs": history}, self.run_dir / rundir.HISTORY)
        net = pl_module.net
        save_weights(net, self.run_dir / rundir.LAST_WEIGHTS)
        value = metrics.get(self.monitor, self.sign * math.inf)
        best = min((self.sign * h.get(self.monitor, self.sign * math.inf) for h in history[:-1]), default=math.inf)
        if self.sign * value <= best or not (self.run_dir / rundir.WEIGHTS).exists():
            save_weights(net, self.run_dir / rundir.WEIGHTS)
            self._update_config(best_epoch=epoch, best={self.monitor: value})
        self._update_config(epochs_done=epoch + 1, wall_seconds=self._wall())
        samples = getattr(pl_module, "val_samples", None)
        if samples:
            save_rgb(grid_image(samples), self.run_dir / "images" / f"epoch_{epoch:03d}.png")
            tb = getattr(trainer.logger, "experiment", None)
            if hasattr(tb, "add_image"):
                tb.add_image("val/grid", grid_image(samples), epoch, dataformats="HWC")

    def _wall(self) -> float:
        return round(self.wall_before + time.time() - self.t0, 2)

    def on_fit_end(self, trainer, pl_module):
        if trainer.is_global_zero:
            status = "interrupted" if trainer.interrupted else "finished"
            self._update_config(status=status, wall_seconds=self._wall())


class FreezeEncoder(BaseFinetuning):
    """Keeps a pretrained ``net.encoder`` frozen — weights and batch-norm statistics — for the recipe's
    ``frozen_encoder_epochs`` (or throughout), then hands its parameters to the optimiser at the recipe's
    ``lr * encoder_lr_scale``. The module's optimiser must leave out parameters that need no gradient."""

    def __init__(self, recipe: Any):
        super().__init__()
        self.recipe = recipe

    def freeze_before_training(self, pl_module) -> None:
        self.freeze(pl_module.net.encoder, train_bn=False)

    def finetune_function(self, pl_module, current_epoch: int, optimizer) -> None:
        if not self.recipe.encoder_frozen(current_epoch) and current_epoch == self.recipe.frozen_encoder_epochs:
            self.unfreeze_and_add_param_group(pl_module.net.encoder, optimizer,
                                              lr=self.recipe.lr * self.recipe.encoder_lr_scale, train_bn=True)

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        super().on_train_epoch_start(trainer, pl_module)
        # Lightning puts the whole model in training mode each epoch; a frozen encoder keeps its statistics
        pl_module.net.encoder.train(not self.recipe.encoder_frozen(trainer.current_epoch))
