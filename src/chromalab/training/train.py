"""``train()``: one variant, one folder of photos, one run folder."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import platform
import warnings
from collections.abc import Collection
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import ProgressBar
from torch.utils.data import DataLoader

from chromalab.core import rundir
from chromalab.core.jsonio import write_json
from chromalab.data.folder import EpochSampler, ImageFolder
from chromalab.data.labelled import LabelledFolder
from chromalab.data.shards import ShardDataset
from chromalab.models.io import CONFIG_NAME, WEIGHTS_NAME, read_meta
from chromalab.models.registry import apply_overrides, config_from_dict, config_to_dict, get_config
from chromalab.training.callbacks import DurableCheckpoint, FreezeEncoder, RunFolderCallback
from chromalab.training.effnet_module import EffnetColorizationModule
from chromalab.training.gan_module import GanModule
from chromalab.training.module import ColorizationModule
from chromalab.training.recipe import TrainRecipe, get_recipe, recipe_for
from chromalab.training.reference_module import ReferenceModule
from chromalab.training.similarity_module import SimilarityModule

log = logging.getLogger(__name__)


def versions() -> dict[str, str]:
    import kornia

    from chromalab.core.version import __version__
    return {"chromalab": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "lightning": L.__version__, "kornia": kornia.__version__}


def default_precision(accelerator: str) -> str:
    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        return "bf16-mixed"
    return "32-true"


MODULES: dict[str, type[ColorizationModule]] = {  # model family → its Lightning module
    "ae": ColorizationModule, "effnet": EffnetColorizationModule, "gan": GanModule, "reference": ReferenceModule,
    "similarity": SimilarityModule,
}


def colour_photos(data: str | os.PathLike, size: int, config: Any, seed: int = 0,
                  held_out: Collection[str] | None = None) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Colorizers learn from colour photos: (L, ab) crops of the train split; the val split validates. A dataset
    built with ``chromalab data build --shards N`` streams its tar shards instead. ``held_out``: content
    hashes that validate instead of the val split, every other photo trains (a fine-tune's split)."""
    if held_out is not None:
        if uses_shards(data):
            raise ValueError(f"{data}: held-out photos by hash need a folder of photos, not shards")
        train_set = ImageFolder(data, "train", size=size, keep=lambda d: d not in held_out)
        val_set = ImageFolder(data, "val", size=size, keep=lambda d: d in held_out)
        if len(val_set) == 0:
            val_set = ImageFolder(data, "train", size=size, augment=False, keep=lambda d: d not in held_out)
        facts = {"data_fingerprint": train_set.index.fingerprint(), "val_fingerprint": val_set.index.fingerprint(),
                 "skipped_grey": len(train_set.index.skipped_grey), "skipped_bad": len(train_set.index.skipped_bad)}
    elif uses_shards(data):
        train_set = ShardDataset(data, "train", size=size, seed=seed)
        has_val = any(Path(data, "shards").glob("val-*.tar"))
        val_set = ShardDataset(data, "val" if has_val else "train", size=size, shuffle=False)
        facts = {"data_fingerprint": train_set.fingerprint(), "val_fingerprint": val_set.fingerprint(),
                 "skipped_grey": 0, "skipped_bad": 0, "format": "shards"}
    else:
        train_set = ImageFolder(data, "train", size=size)
        val_set = ImageFolder(data, "val", size=size)
        if len(val_set) == 0:  # tiny folders: validate on (unaugmented) training photos rather than not at all
            val_set = ImageFolder(data, "train", size=size, augment=False)
        facts = {"data_fingerprint": train_set.index.fingerprint(), "val_fingerprint": val_set.index.fingerprint(),
                 "skipped_grey": len(train_set.index.skipped_grey), "skipped_bad": len(train_set.index.skipped_bad)}
    if len(train_set) == 0:
        raise ValueError(f"{data}: no colour photos in the train split")
    return train_set, val_set, config, {"training": facts}


def labelled_photos(data: str | os.PathLike, size: int, config: Any, seed: int = 0
                    ) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Similarity networks learn to classify the sub-folders of ``data``; the head gets one output per class."""
    if not hasattr(config, "num_classes"):
        raise ValueError(f"{type(config).__name__} is not a trainable similarity network "
                         "(use similarity-resnet34-l or -rgb)")
    train_set = LabelledFolder(data, ("train",), size, config.in_channels, augment=True)
    val_set = LabelledFolder(data, ("val", "test"), size, config.in_channels, augment=False,
                             classes=train_set.classes)
    if len(train_set) == 0 or len(val_set) == 0:
        raise ValueError(f"{data}: too few photos to have both a train and a validation split")
    return train_set, val_set, dataclasses.replace(config, num_classes=len(train_set.classes)), \
        {"classes": train_set.classes}


DATASETS = {"similarity": labelled_photos}  # model family → its data (default: colour photos)


def make_module(config: Any, recipe: TrainRecipe) -> ColorizationModule:
    """The Lightning module of ``config``'s family (the base module for families with no special needs)."""
    return MODULES.get(config.family, ColorizationModule)(config, recipe)


def resolve_recipe(recipe: str | TrainRecipe | None, variant: str | None, **changes: Any) -> TrainRecipe:
    """A named or given recipe (else the variant's registered one) with the non-None ``changes`` applied."""
    base = get_recipe(recipe) if isinstance(recipe, str) else recipe or recipe_for(variant)
    return base.replace(**{k: v for k, v in changes.items() if v is not None})


def _split_overrides(config: Any, overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``--set`` keys: fields of the model config (dotted for nested ones) vs fields of the recipe."""
    model_fields = {f.name for f in dataclasses.fields(config)}
    recipe_fields = {f.name for f in dataclasses.fields(TrainRecipe)}
    to_recipe = {k: v for k, v in overrides.items() if k not in model_fields and k in recipe_fields}
    return {k: v for k, v in overrides.items() if k not in to_recipe}, to_recipe


def _resumed_recipe(meta: dict[str, Any]) -> TrainRecipe:
    """The recipe a run was trained with (runs from before recipes: their variant's, with the saved lr etc.)."""
    t = meta.get("training", {})
    known = {k: t[k] for k in ("lr", "size", "batch", "precision") if t.get(k) is not None}
    return TrainRecipe.from_dict({**recipe_for(meta.get("variant")).to_dict(), **known, **meta.get("recipe", {})})


def uses_shards(data: str | os.PathLike) -> bool:
    """True for a built dataset with tar shards (``DATASET/shards/train-*.tar``)."""
    return any(Path(data, "shards").glob("train-*.tar"))


class ShardEpoch(L.Callback):
    """Tells a ``ShardDataset`` the epoch before its data loader starts, for a new shard order and new crops."""

    def __init__(self, dataset: ShardDataset):
        self.dataset = dataset

    def on_train_epoch_start(self, trainer, pl_module):
        self.dataset.set_epoch(trainer.current_epoch)


def quiet_lightning() -> dict[str, int]:
    """Lightning's INFO chatter (device lines, tips, "fit stopped") off while chromalab trains: the run folder
    and ``EpochLine`` say what happened. Returns the levels to put back."""
    levels = {}
    for name in ("lightning.pytorch", "lightning.fabric"):
        logger = logging.getLogger(name)
        levels[name] = logger.level
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    return levels


def _checkpoint_step(path: Path) -> int:
    """The logger step a Lightning checkpoint stopped at (where TensorBoard resumes)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False, mmap=True)
    loop = ckpt.get("loops", {}).get("fit_loop", {}).get("epoch_loop.state_dict", {})
    return int(loop.get("_batches_that_stepped", ckpt.get("global_step", 0)))


def train(variant: str | None, data: str | os.PathLike | None, out: str | os.PathLike, *,
          recipe: str | TrainRecipe | None = None, size: int | None = None, batch: int | None = None,
          epochs: int | None = None, max_minutes: float | None = None, overrides: dict[str, Any] | None = None,
          lr: float | None = None, seed: int = 0, resume: bool = False, accelerator: str = "auto",
          devices: Any = "auto", strategy: str = "auto", precision: str | None = None, num_workers: int = 0,
          progress: bool = True, callbacks: list[L.Callback] | None = None,
          limit_train_batches: int | float | None = None, extra: dict[str, Any] | None = None,
          deterministic: bool = False, checkpoint_minutes: float | None = 10.0, num_nodes: int = 1,
          held_out: Collection[str] | None = None) -> Path:
    """Train ``variant`` (or the recipe's) on the train split of ``data``; validate on its val split every epoch.

    ``data``: a folder of photos, or a dataset built with shards (``DATASET/shards/``), streamed from them.
    ``recipe``: a name in ``training.recipe.RECIPES`` or a ``TrainRecipe`` (default: the variant family's);
    ``size``, ``batch``, ``epochs``, ``lr``, ``precision`` override it when given. ``overrides``: model config
    fields (``--set``); keys that are recipe fields instead change the recipe. ``callbacks``: extra Lightning
    callbacks (a progress bar, for instance: the library draws none itself; ``progress`` enables Lightning's
    bar when one is given).

    Writes into ``out``: ``config.json`` (model config, recipe, how it was trained; no inference settings: the
    working size follows from the training crops, ``InferenceSettings.from_meta``), ``model.safetensors`` (best by
    ``val/mae``), ``last.safetensors``, ``history.json``, ``images/``, TensorBoard logs in ``tb/`` and
    ``checkpoints/last.ckpt`` (for ``resume=True``), replaced atomically after every epoch and every
    ``checkpoint_minutes`` within one. ``resume``: continue from that checkpoint at the epoch and step it holds
    (optimiser, scheduler, RNG and data order restored); raises ``FileNotFoundError`` when the folder holds none.
    ``deterministic``: deterministic algorithms only (two runs with one seed give the same weights; slower, and some
    CUDA ops refuse). ``held_out``: content hashes of the photos that validate (all others
    train) instead of the content-hash split (colour photos only; give it again on resume). Returns ``out``.
    """
    out = Path(out)
    cfg_path = out / CONFIG_NAME
    last = out / rundir.CHECKPOINTS / rundir.LAST_CHECKPOINT
    if resume:
        if not cfg_path.is_file() or not last.is_file():
            missing = CONFIG_NAME if not cfg_path.is_file() else f"{rundir.CHECKPOINTS}/{rundir.LAST_CHECKPOINT}"
            raise FileNotFoundError(f"{out}: nothing to resume (no {missing}); start a new run without --resume")
        meta = read_meta(out)
        config = config_from_dict(meta["model"])
        changes = {"epochs": epochs, "precision": precision}
        rec = _resumed_recipe(meta).replace(**{k: v for k, v in changes.items() if v is not None})
        seed = meta["training"]["seed"]
        deterministic = deterministic or bool(meta["training"].get("deterministic"))
        data = data or meta["training"]["data"]
    else:
        if cfg_path.exists() and (out / WEIGHTS_NAME).exists():
            raise FileExistsError(f"{out}: already holds a trained run; use --resume or another --out")
        named = get_recipe(recipe) if isinstance(recipe, str) else recipe
        variant = variant or (named.variant if named else None)
        if variant is None:
            raise ValueError("a variant is needed (see `chromalab models`) or a recipe that names one")
        base = get_config(variant)
        model_sets, recipe_sets = _split_overrides(base, overrides or {})
        rec = resolve_recipe(named, variant, lr=lr, size=size, batch=batch, epochs=epochs, precision=precision)
        rec = rec.replace(variant=variant, **recipe_sets)
        config = apply_overrides(base, model_sets)
    if data is None:
        raise ValueError("a folder of photos is needed (data)")
    L.seed_everything(seed, workers=True, verbose=False)  # workers=True: each loader worker seeded from it
    size, batch = rec.size, rec.batch
    make_data = DATASETS.get(config.family, colour_photos)
    if held_out is not None:
        if make_data is not colour_photos:
            raise ValueError(f"held-out photos by hash are for colorizers, not the {config.family} family")
        make_data = functools.partial(colour_photos, held_out=frozenset(held_out))
    train_set, val_set, config, facts = make_data(data, size, config, seed)
    shards = isinstance(train_set, ShardDataset)
    precision = rec.precision or default_precision(accelerator)
    device = "cuda" if (accelerator in ("gpu", "cuda", "auto") and torch.cuda.is_available()) else "cpu"
    if not resume:
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "model": config_to_dict(config),
            "variant": variant,
            "overrides": {k: str(v) for k, v in (overrides or {}).items()},
            "recipe": rec.to_dict(),
            "training": {
                "data": str(Path(data).resolve()), **facts.get("training", {}),
                "train_images": len(train_set), "val_images": len(val_set),
                "size": size, "batch": batch, "lr": rec.lr, "seed": seed, "deterministic": deterministic,
                "epochs": rec.epochs,
                "max_minutes": max_minutes, "precision": precision, "device": device,
                "device_name": torch.cuda.get_device_name() if device == "cuda" else platform.processor() or "cpu",
                "versions": versions(), "status": "created", "epochs_done": 0,
            },
        }
        meta.update({k: v for k, v in facts.items() if k != "training"})
        meta.update(extra or {})
    else:
        meta["training"]["epochs"] = rec.epochs
        meta["recipe"] = rec.to_dict()
    write_json(meta, cfg_path)
    log.info("%s: %d training photos, %d validation photos", data, len(train_set), len(val_set))
    module = make_module(config, rec)
    if device == "cuda":
        module = module.to(memory_format=torch.channels_last)
    if shards:  # an iterable dataset: no sampler; ShardEpoch hands it the epoch (fresh workers see it)
        loader = DataLoader(train_set, batch_size=min(batch, len(train_set)), drop_last=True, num_workers=num_workers)
    else:
        loader = DataLoader(train_set, batch_size=min(batch, len(train_set)),
                            sampler=EpochSampler(len(train_set), seed), drop_last=True, num_workers=num_workers,
                            persistent_workers=num_workers > 0)
    val_loader = DataLoader(val_set, batch_size=min(batch, len(val_set)), num_workers=0)
    from lightning.pytorch.loggers import TensorBoardLogger
    ckpt = DurableCheckpoint(out / rundir.CHECKPOINTS, every_minutes=checkpoint_minutes)
    extra_callbacks = list(callbacks or [])
    if shards:
        extra_callbacks.append(ShardEpoch(train_set))
    if rec.frozen_encoder_epochs != 0 and hasattr(module.net, "encoder"):
        extra_callbacks.append(FreezeEncoder(rec))
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    levels = quiet_lightning()
    trainer = L.Trainer(
        default_root_dir=out, max_epochs=rec.epochs,
        max_time={"minutes": max_minutes} if max_minutes else None,
        accelerator=accelerator, devices=devices, num_nodes=num_nodes, strategy=strategy, precision=precision,
        # purge_step: TensorBoard drops what a crashed run logged after its checkpoint, so nothing is doubled
        logger=TensorBoardLogger(save_dir=out, name=rundir.TENSORBOARD, version="",
                                 purge_step=_checkpoint_step(last) if resume else None),
        callbacks=[ckpt, RunFolderCallback(out, *module.monitor), *extra_callbacks], enable_checkpointing=False,
        enable_progress_bar=progress and any(isinstance(c, ProgressBar) for c in extra_callbacks),
        enable_model_summary=False, log_every_n_steps=1, num_sanity_val_steps=0,
        limit_train_batches=limit_train_batches, deterministic=deterministic,
    )
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*does not have many workers.*")
            warnings.filterwarnings("ignore", ".*number of training batches.*")
            warnings.filterwarnings("ignore", ".*in eval mode at the start of training.*")  # frozen BN, on purpose
            warnings.filterwarnings("ignore", ".*LeafSpec.*is deprecated.*")  # Lightning's own call into torch
            trainer.fit(module, loader, val_loader, ckpt_path=str(last) if resume else None)
    finally:  # Lightning switches the flag process-wide; leave the caller's setting as it was
        torch.use_deterministic_algorithms(was_deterministic)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    log.info("run saved in %s", out)
    return out
