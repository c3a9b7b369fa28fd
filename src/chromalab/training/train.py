"""``train()``: one variant, one folder of photos, one run folder."""

from __future__ import annotations

import os
import platform
import sys
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from chromalab.core.jsonio import read_json, write_json
from chromalab.data.folder import ImageFolder
from chromalab.models.registry import apply_overrides, config_from_dict, config_to_dict, get_config
from chromalab.training.callbacks import RunFolderCallback


def versions() -> dict[str, str]:
    import kornia

    from chromalab import __version__
    return {"chromalab": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "lightning": L.__version__, "kornia": kornia.__version__}


def default_precision(accelerator: str) -> str:
    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        return "bf16-mixed"
    return "32-true"


def make_module(config: Any, hparams: dict[str, Any]) -> L.LightningModule:
    """Each config family may bring its own Lightning module (``config.lightning_module(**hparams)``)."""
    factory = getattr(config, "lightning_module", None)
    if factory is not None:
        return factory(**hparams)
    from chromalab.training.module import ColorizationModule
    return ColorizationModule(config, **hparams)


def train(variant: str | None, data: str | os.PathLike, out: str | os.PathLike, *, size: int = 128,
          batch: int = 16, epochs: int = 10, max_minutes: float | None = None,
          overrides: dict[str, Any] | None = None, lr: float = 2e-4, seed: int = 0, resume: bool = False,
          accelerator: str = "auto", devices: Any = "auto", strategy: str = "auto",
          precision: str | None = None, num_workers: int = 0, progress: bool = True,
          limit_train_batches: int | float | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Train ``variant`` on the train split of ``data``; validate on its val split every epoch.

    Writes into ``out``: ``config.json`` (model config + how it was trained), ``model.safetensors``
    (best by ``val/mae``), ``last.safetensors``, ``history.json``, ``images/``, TensorBoard logs in ``tb/``
    and Lightning checkpoints in ``checkpoints/`` (for ``resume=True`` only). Returns ``out``.
    """
    out = Path(out)
    cfg_path = out / "config.json"
    if resume:
        if not cfg_path.is_file():
            raise FileNotFoundError(f"{out}: nothing to resume (no config.json)")
        meta = read_json(cfg_path)
        config = config_from_dict(meta["model"])
        t = meta["training"]
        size, batch, lr, seed = t["size"], t["batch"], t["lr"], t["seed"]
        precision = precision or t.get("precision")  # a bf16 run resumes in bf16
        data = data or t["data"]
    else:
        if cfg_path.exists() and (out / "model.safetensors").exists():
            raise FileExistsError(f"{out}: already holds a trained run; use --resume or another --out")
        if variant is None:
            raise ValueError("a variant is needed (see `chromalab models`)")
        config = apply_overrides(get_config(variant), overrides or {})
    L.seed_everything(seed, workers=True, verbose=False)
    train_set = ImageFolder(data, "train", size=size, verbose=progress)
    val_set = ImageFolder(data, "val", size=size)
    if len(train_set) == 0:
        raise ValueError(f"{data}: no colour photos in the train split")
    if len(val_set) == 0:  # tiny folders: validate on (unaugmented) training photos rather than not at all
        val_set = ImageFolder(data, "train", size=size, augment=False)
    precision = precision or default_precision(accelerator)
    device = "cuda" if (accelerator in ("gpu", "cuda", "auto") and torch.cuda.is_available()) else "cpu"
    if not resume:
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "model": config_to_dict(config),
            "variant": variant,
            "overrides": {k: str(v) for k, v in (overrides or {}).items()},
            "training": {
                "data": str(Path(data).resolve()), "data_fingerprint": train_set.index.fingerprint(),
                "val_fingerprint": val_set.index.fingerprint(),
                "train_images": len(train_set), "val_images": len(val_set),
                "skipped_grey": len(train_set.index.skipped_grey), "skipped_bad": len(train_set.index.skipped_bad),
                "size": size, "batch": batch, "lr": lr, "seed": seed, "epochs": epochs, "max_minutes": max_minutes,
                "precision": precision, "device": device,
                "device_name": torch.cuda.get_device_name() if device == "cuda" else platform.processor() or "cpu",
                "versions": versions(), "status": "created", "epochs_done": 0,
            },
            "inference": {"work_size": max(256, 2 * size)},
        }
        meta.update(extra or {})
        write_json(meta, cfg_path)
    else:
        meta["training"]["epochs"] = epochs
        write_json(meta, cfg_path)
    module = make_module(config, {"lr": lr})
    if device == "cuda":
        module = module.to(memory_format=torch.channels_last)
    loader = DataLoader(train_set, batch_size=min(batch, len(train_set)), shuffle=True, drop_last=True,
                        num_workers=num_workers, persistent_workers=num_workers > 0)
    val_loader = DataLoader(val_set, batch_size=min(batch, len(val_set)), num_workers=0)
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.loggers import TensorBoardLogger
    ckpt = ModelCheckpoint(dirpath=out / "checkpoints", filename="epoch{epoch:03d}", save_last=True,
                           save_top_k=0, auto_insert_metric_name=False)
    trainer = L.Trainer(
        default_root_dir=out, max_epochs=epochs,
        max_time={"minutes": max_minutes} if max_minutes else None,
        accelerator=accelerator, devices=devices, strategy=strategy, precision=precision,
        logger=TensorBoardLogger(save_dir=out, name="tb", version=""),
        callbacks=[ckpt, RunFolderCallback(out)], enable_progress_bar=progress,
        enable_model_summary=False, log_every_n_steps=1, num_sanity_val_steps=0,
        limit_train_batches=limit_train_batches, deterministic=False,
    )
    last = out / "checkpoints" / "last.ckpt"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*number of training batches.*")
        trainer.fit(module, loader, val_loader, ckpt_path=str(last) if resume and last.exists() else None)
    if progress:
        print(f"run saved in {out}", file=sys.stderr)
    return out
