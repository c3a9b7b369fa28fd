"""Callbacks that turn a Lightning run into a chromalab run folder.

After every validation: ``last.safetensors`` always, ``model.safetensors`` when ``val/mae`` improved,
``history.json`` (metrics per epoch), ``images/epoch_NNN.png`` (grey | predicted | truth), and
``config.json`` kept current (epochs done, best epoch, wall time, status).
"""

from __future__ import annotations

import logging
import math
import os
import random
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

log = logging.getLogger(__name__)


def grid_image(samples: list[torch.Tensor]) -> np.ndarray:
    """Rows of (grey | predicted | truth) from tensors ``(N, 3, 3, H, W)`` → ``(H*N, W*3, 3)`` array."""
    rows = torch.cat(samples)[:8]
    n, k, c, h, w = rows.shape
    return rows.permute(0, 3, 1, 4, 2).reshape(n * h, k * w, c).numpy()


class RunFolderCallback(L.Callback):
    """Keeps the run folder current. The history row of epoch N is written when epoch N's *training* closes
    (``on_train_epoch_end``), merged with that epoch's validation metrics: validation runs before the training
    epoch ends, so writing at ``on_validation_end`` recorded the previous epoch's ``train/loss_epoch``.
    ``monitor`` / ``mode``: the metric that picks the best epoch's weights (``min`` or ``max``)."""

    def __init__(self, run_dir: Path, monitor: str = "val/mae", mode: str = "min"):
        self.run_dir = Path(run_dir)
        self.monitor = monitor
        self.sign = 1.0 if mode == "min" else -1.0  # compare sign * value, lower is better
        self.t0 = time.time()
        self._val: dict[str, float] = {}
        self._val_epoch = -1

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

    def on_train_start(self, trainer, pl_module):
        # a resumed run redoes the epochs after its checkpoint: drop their rows (written before a crash)
        if trainer.is_global_zero:
            history = self._history()
            kept = [h for h in history if h["epoch"] < trainer.current_epoch]
            if len(kept) != len(history):
                write_json({"epochs": kept}, self.run_dir / rundir.HISTORY)

    def on_validation_end(self, trainer, pl_module):
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        self._val = {k: float(v) for k, v in trainer.callback_metrics.items()
                     if k.startswith("val/") and torch.is_tensor(v) and v.numel() == 1}
        self._val_epoch = trainer.current_epoch
        samples = getattr(pl_module, "val_samples", None)
        if samples:
            epoch = trainer.current_epoch
            save_rgb(grid_image(samples), self.run_dir / rundir.IMAGES / f"epoch_{epoch:03d}.png")
            tb = getattr(trainer.logger, "experiment", None)
            if hasattr(tb, "add_image"):
                tb.add_image("val/grid", grid_image(samples), epoch, dataformats="HWC")

    def on_train_epoch_end(self, trainer, pl_module):
        if not trainer.is_global_zero:
            return
        epoch = trainer.current_epoch
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items()
                   if not k.startswith("val/") and torch.is_tensor(v) and v.numel() == 1}
        if self._val_epoch == epoch:
            metrics.update(self._val)
        history = [h for h in self._history() if h["epoch"] != epoch]
        history.append({"epoch": epoch, "step": trainer.global_step, "wall_seconds": self._wall(), **metrics})
        net = pl_module.net
        save_weights(net, self.run_dir / rundir.LAST_WEIGHTS)
        value = metrics.get(self.monitor, self.sign * math.inf)
        best = min((self.sign * h.get(self.monitor, self.sign * math.inf) for h in history[:-1]), default=math.inf)
        if self.sign * value <= best or not (self.run_dir / rundir.WEIGHTS).exists():
            save_weights(net, self.run_dir / rundir.WEIGHTS)
            self._update_config(best_epoch=epoch, best={self.monitor: value})
        self._update_config(epochs_done=epoch + 1, wall_seconds=self._wall())
        write_json({"epochs": history}, self.run_dir / rundir.HISTORY)  # last: a row means the epoch is on disk

    def _wall(self) -> float:
        return round(self.wall_before + time.time() - self.t0, 2)

    def on_fit_end(self, trainer, pl_module):
        if trainer.is_global_zero:
            status = "interrupted" if trainer.interrupted else "finished"
            self._update_config(status=status, wall_seconds=self._wall())


class EpochLine(L.Callback):
    """One plain log line per finished epoch (``epoch 3/120: train loss 0.0712, val MAE 0.0654, 12.3 s``) from
    the row ``RunFolderCallback`` (which must come first) just wrote: for logs and CI, where no bar is drawn."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.t0 = time.time()

    def on_train_epoch_start(self, trainer, pl_module):
        self.t0 = time.time()

    def on_train_epoch_end(self, trainer, pl_module):
        if not trainer.is_global_zero:
            return
        path = self.run_dir / rundir.HISTORY
        row = read_json(path)["epochs"][-1] if path.is_file() else {}
        parts = [f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}"]
        loss = row.get("train/loss_epoch", row.get("train/loss"))
        if loss is not None:
            parts.append(f"train loss {loss:.4f}")
        if "val/mae" in row:
            parts.append(f"val MAE {row['val/mae']:.4f}")
        log.info("%s: %s, %.1f s", parts[0], ", ".join(parts[1:]) or "no metrics", time.time() - self.t0)


def rng_state() -> dict[str, Any]:
    """The global RNG states, in types a ``weights_only`` checkpoint load accepts (no numpy arrays)."""
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, gauss))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class DurableCheckpoint(L.Callback):
    """``checkpoints/last.ckpt`` after every finished epoch and every ``every_minutes`` within long ones.

    Written to a temporary file and moved into place with ``os.replace``, so a ``kill -9`` leaves either the
    previous checkpoint or the new one, never half a file. Besides what Lightning saves (weights, optimiser,
    schedulers, loop progress) it holds the RNG states, restored when the next epoch starts, so a resumed run
    draws the same augmentations (and dropout) as an uninterrupted one; the data order is the sampler's
    (``data.folder.EpochSampler``, a function of seed and epoch). A mid-epoch checkpoint resumes that epoch
    from its start of data (Lightning cannot fast-forward a plain data loader): exact resumption is per epoch.

    Placed before ``RunFolderCallback``: the checkpoint is on disk before the history row that announces the
    epoch.
    """

    def __init__(self, dirpath: Path, every_minutes: float | None = 10.0):
        self.dirpath = Path(dirpath)
        self.every_seconds = every_minutes * 60 if every_minutes else None
        self._last_save = time.monotonic()
        self._pending_rng: dict[str, Any] | None = None

    @property
    def path(self) -> Path:
        return self.dirpath / rundir.LAST_CHECKPOINT

    def save(self, trainer: L.Trainer) -> None:
        tmp = self.dirpath / (rundir.LAST_CHECKPOINT + ".tmp")
        trainer.save_checkpoint(tmp, weights_only=False)  # full state for resuming; all ranks call, rank 0 writes
        if trainer.is_global_zero:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        trainer.strategy.barrier("durable_checkpoint")
        self._last_save = time.monotonic()

    def on_train_epoch_end(self, trainer, pl_module):
        self.save(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if self.every_seconds is None:
            return
        due = trainer.strategy.broadcast(time.monotonic() - self._last_save >= self.every_seconds)
        if due:
            self.save(trainer)

    def state_dict(self) -> dict[str, Any]:
        return {"rng": rng_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._pending_rng = state_dict.get("rng")

    def on_train_epoch_start(self, trainer, pl_module):
        if self._pending_rng is not None:
            set_rng_state(self._pending_rng)
            self._pending_rng = None


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


class FreezeNorm(L.Callback):
    """Keeps every batch-norm layer of ``net`` in eval mode while its weights train: normalised by the
    statistics it was trained with, not by those of each batch (nor updating them). For fine-tuning on a few
    dozen photos of one kind: a batch of one scene has far narrower statistics than the data the model learnt
    on, and normalising by them made held-out MAE worse at every step (docs/finetune.md)."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        # Lightning puts the module back in training mode around validation; set it again before every step
        for m in pl_module.net.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
