"""``finetune()``: adapt a colorizer to a folder of your own colour photos, then measure it against where it began.

A fine-tune is a ``train()`` run of the recipe ``finetune-default`` (``training.recipe.FINETUNE_DEFAULT``)
whose variant, architecture, starting weights (``warm_start``) and inference settings are those of the model
it starts from (the shipped default unless told otherwise). The photos are split by content hash
(``data.splits.held_out``: the split's val ∪ test, or a hash fold for folders too small to have them); the
held-out photos stop it early and keep its best epoch. Afterwards the run folder is a complete model folder:
``config.json`` + ``model.safetensors`` + ``model.onnx`` (ONNX Runtime colorizes with it, no torch), its
``evaluation.json`` (before / after / no colour on the held-out photos) and a ``MODEL_CARD.md`` of its own.
Resumable like ``train`` (``resume=True``: the held-out photos are chosen again by the same rule).
With the recipe's ``wise_alpha`` below 1 the written weights are the weight-space ensemble
(1 − α)·source + α·best epoch (WiSE-FT); the best epoch's own weights stay beside them as ``finetuned.safetensors``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping
from safetensors.torch import load_file, save_file

from chromalab.core import lab, rundir
from chromalab.core.imageio import ImageError, atomic_output, iter_image_files, load_rgb
from chromalab.core.jsonio import read_json, write_json
from chromalab.core.progress import ProgressFn
from chromalab.data.folder import ImageFolder
from chromalab.data.splits import file_hash, held_out
from chromalab.evaluation.evaluate import BASELINE, evaluate_fn
from chromalab.inference.load import load_colorizer
from chromalab.inference.store import resolve_model_dir
from chromalab.models.io import ONNX_NAME, export_onnx, load_model, read_meta
from chromalab.models.registry import config_from_dict, family_of, get_config
from chromalab.training.callbacks import EpochLine, FreezeNorm
from chromalab.training.recipe import TrainRecipe, get_recipe
from chromalab.training.train import train

log = logging.getLogger(__name__)

RECIPE = "finetune-default"
PATIENCE = 8  # epochs without a lower held-out MAE before the fine-tune stops
EVAL_SIZE = 256  # before / after: held-out photos scaled so the shorter side is this
CARD_METRICS = ("mae", "delta_e2000", "colourfulness", "colourfulness_gap")
SECTION = "finetune"  # config.json section: where it started, on what photos, before / after


def scan_photos(data: str | os.PathLike) -> tuple[list[str], int, int]:
    """(content hashes of the colour photos, grey photos, unreadable files) under ``data`` (recursive).

    Raises ``FileNotFoundError`` / ``ValueError`` (one line) when there is nothing to fine-tune on."""
    data = Path(data)
    if not data.is_dir():
        raise FileNotFoundError(f"{data}: not a folder of photos")
    errors: list[str] = []
    digests, grey, bad = [], 0, 0
    files = list(iter_image_files([data], errors))
    for path in files:
        try:
            rgb = load_rgb(path)
        except ImageError:
            bad += 1
            continue
        if lab.is_grey_photo(rgb):
            grey += 1
            continue
        digests.append(file_hash(path))
    bad += len(errors)
    if not files:
        raise ValueError(f"{data}: no photos found (jpg, png, ...; sub-folders are searched too)")
    if not digests:
        raise ValueError(f"{data}: none of its {len(files) + len(errors)} files is a readable colour photo "
                         f"({grey} grey, {bad} unreadable); fine-tuning learns colour from colour photos")
    return digests, grey, bad


def finetune_recipe(source_meta: dict[str, Any], source_dir: Path, recipe: str | TrainRecipe = RECIPE
                    ) -> tuple[TrainRecipe, dict[str, Any], dict[str, Any]]:
    """The recipe with the source model's variant and weights (warm start); the model fields where the source
    differs from its variant (the exported ensemble's ``decoders``); the source's inference settings."""
    base = get_recipe(recipe) if isinstance(recipe, str) else recipe
    variant = source_meta.get("variant")
    source_cfg, variant_cfg = config_from_dict(source_meta["model"]), get_config(variant)
    arch = {f.name: getattr(source_cfg, f.name) for f in dataclasses.fields(source_cfg)
            if getattr(source_cfg, f.name) != getattr(variant_cfg, f.name)}
    inference = {k: v for k, v in source_meta.get("inference", {}).items() if not isinstance(v, (dict, list))}
    return base.replace(variant=variant, warm_start=str(source_dir.resolve())), arch, inference


def blend_weights(source: dict[str, torch.Tensor], tuned: dict[str, torch.Tensor], alpha: float
                  ) -> dict[str, torch.Tensor]:
    """Weight-space ensemble of two state dicts of one architecture: (1 − ``alpha``)·source + ``alpha``·tuned for
    every float tensor (computed in float32, stored in the tuned tensor's dtype); other tensors (batch counters)
    are the tuned ones. ``alpha`` 0 gives the source's values, 1 the tuned ones, exactly."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1]; got {alpha}")
    if set(source) != set(tuned):
        raise ValueError(f"the two models differ in {len(set(source) ^ set(tuned))} weights; they must share one "
                         "architecture")
    out = {}
    for k, t in tuned.items():
        if not t.is_floating_point():
            out[k] = t
            continue
        s, t32 = source[k].float(), t.float()
        out[k] = (t32 if alpha == 1.0 else s if alpha == 0.0 else (1 - alpha) * s + alpha * t32).to(t.dtype)
    return out


def blend_run(out: Path, source_dir: Path, alpha: float, blended: str | None = None) -> str:
    """Write ``out/model.safetensors`` as the blend of ``source_dir``'s weights and the fine-tune's best epoch
    (kept as ``out/finetuned.safetensors``); returns the written file's hash. ``blended``: the hash recorded by an
    earlier blend: when ``model.safetensors`` still has it (a resume that found no better epoch) the best epoch is
    read back from ``finetuned.safetensors`` instead of being blended twice."""
    weights, tuned_path = out / rundir.WEIGHTS, out / rundir.FINETUNED_WEIGHTS
    if not (blended and tuned_path.is_file() and file_hash(weights) == blended):
        with atomic_output(tuned_path) as tmp:
            Path(tmp).write_bytes(weights.read_bytes())
    state = blend_weights(load_file(str(source_dir / rundir.WEIGHTS)), load_file(str(tuned_path)), alpha)
    with atomic_output(weights) as tmp:
        save_file({k: v.contiguous() for k, v in state.items()}, tmp)
    log.info("%s: weights blended with the source's, %.2f × fine-tuned + %.2f × %s", out, alpha, 1 - alpha,
             source_dir)
    return file_hash(weights)


def _check_source(source_dir: Path, meta: dict[str, Any]) -> None:
    if family_of(meta.get("model", {})) != "effnet":
        raise ValueError(f"{source_dir}: fine-tuning starts from a unet-effnet-lite0 model folder such as the "
                         f"shipped default, not a {family_of(meta.get('model', {})) or 'unknown'} model")


def finetune(data: str | os.PathLike | None, out: str | os.PathLike, *, source: str | os.PathLike = "default",
             recipe: str | TrainRecipe = RECIPE, minutes: float | None = None, epochs: int | None = None,
             alpha: float | None = None, resume: bool = False, seed: int = 0, patience: int = PATIENCE,
             size: int | None = None, batch: int | None = None, callbacks: list[L.Callback] | None = None,
             progress: ProgressFn | None = None, eval_size: int = EVAL_SIZE) -> dict[str, Any]:
    """Fine-tune ``source`` (an installed model name or a model folder) on the colour photos under ``data``.

    ``minutes`` / ``epochs``: stop after that long (training, not counting the final measurement) or that many
    epochs (default: the recipe's), or earlier when the held-out MAE has not improved for ``patience``
    epochs. ``size`` / ``batch``: training crops (default: the recipe's). ``callbacks``: extra Lightning
    callbacks (a progress bar). ``progress``: reports the before / after measurement. ``alpha``: the share of the
    fine-tuned weights in the written model (the recipe's ``wise_alpha`` unless given; 1: the best epoch alone).
    ``resume``: continue the fine-tune in ``out`` (``data``, ``source`` and ``alpha`` come from it).

    Returns the before / after report (``evaluation.evaluate.compare``'s layout: results fine-tuned, source,
    no colour) with ``finetune`` (the config section). Raises ``FileNotFoundError``, ``FileExistsError`` or
    ``ValueError`` with a one-line message for bad input."""
    out = Path(out)
    if resume and alpha is not None:
        raise ValueError("the share of fine-tuned weights (alpha) is chosen when a fine-tune starts, not on resume")
    if resume:
        meta = read_meta(out)  # FileNotFoundError when there is nothing to resume
        if SECTION not in meta:
            raise ValueError(f"{out}: not a fine-tune run (use `chromalab train --resume`)")
        facts = meta[SECTION]
        data = data or meta["training"]["data"]
        source_dir = Path(facts["from_dir"])
        minutes = minutes if minutes is not None else facts.get("minutes")
    else:
        if data is None:
            raise ValueError("a folder of colour photos is needed")
        source_dir = resolve_model_dir(source)
        source_meta = read_meta(source_dir)
        _check_source(source_dir, source_meta)
    digests, grey, bad = scan_photos(data)
    held, rule = held_out(digests)
    if len(set(digests)) - len(held) < 1:
        raise ValueError(f"{data}: too few colour photos to train on")
    if not resume:
        rec, arch, inference = finetune_recipe(source_meta, source_dir, recipe)
        rec = rec if alpha is None else rec.replace(wise_alpha=alpha)
        facts = {"from": str(source), "from_dir": str(source_dir.resolve()), "data": str(Path(data).resolve()),
                 "photos": len(digests), "grey_skipped": grey, "unreadable": bad, "held_out": len(held),
                 "held_out_rule": rule, "minutes": minutes}
        log.info("%s: %d colour photos (%d grey, %d unreadable skipped); %d held out (%s)", data, len(digests),
                 grey, bad, len(held), rule)
        if not held:
            log.warning("%s: too few photos to hold any out; the best epoch is chosen on the training photos and "
                        "before / after is measured on them", data)
    stops = [EpochLine(out), FreezeNorm()]
    if held:
        stops.append(EarlyStopping(monitor="val/mae", mode="min", patience=patience))
    train(None if resume else rec.variant, data, out, recipe=None if resume else rec, epochs=epochs,
          size=None if resume else size, batch=None if resume else batch, max_minutes=minutes, seed=seed,
          resume=resume, held_out=held, callbacks=[*stops, *(callbacks or [])],
          progress=bool(callbacks), overrides=None if resume else arch,
          extra=None if resume else {SECTION: facts, "inference": inference})
    meta = read_json(out / rundir.CONFIG)
    alpha = TrainRecipe.from_dict(meta.get("recipe", {})).wise_alpha
    blend = {}
    if alpha < 1.0:
        blend = {"wise_alpha": alpha,
                 "blended": blend_run(out, source_dir, alpha, meta.get(SECTION, {}).get("blended"))}
    export_onnx(load_model(out)[0], out / ONNX_NAME)  # the written weights, as ONNX Runtime runs them
    report = measure(out, source_dir, data, held, eval_size, progress)
    meta = read_json(out / rundir.CONFIG)
    meta[SECTION] = {**meta.get(SECTION, facts), **blend,
                     "before": _means(report["results"][1]), "after": _means(report["results"][0])}
    write_json(meta, out / rundir.CONFIG)
    write_card(out, meta, report)
    return {**report, SECTION: meta[SECTION]}


def measure(out: Path, source_dir: Path, data: str | os.PathLike, held: set[str], size: int = EVAL_SIZE,
            progress: ProgressFn | None = None) -> dict[str, Any]:
    """Fine-tuned vs source vs no colour on the held-out photos (the training photos when none is held out),
    each model with its own inference settings; written as ``out/evaluation.json``. Without the classifier
    agreement: on a handful of photos it moves in big steps, and on a CPU it costs more than the rest."""
    keep = (lambda d: d in held) if held else (lambda d: True)
    photos = ImageFolder(data, "val" if held else "train", size=size, cache_short=size, augment=False, keep=keep)
    results = []
    for name, folder in ((out.name, out), (str(source_dir.name), source_dir)):
        res = evaluate_fn(load_colorizer(folder).colorize, photos, name, progress, semantic=False)
        results.append({**res, "model_dir": str(folder)})
    results.append(evaluate_fn(lambda grey: grey, photos, BASELINE, progress, semantic=False))
    report = {"dataset": str(Path(data).resolve()), "split": "held-out" if held else "training photos",
              "size": size, "fingerprint": photos.index.fingerprint(), "count": len(photos), "results": results}
    write_json(report, out / rundir.EVALUATION)
    return report


def _means(result: dict[str, Any]) -> dict[str, float]:
    return {m: round(result["summary"][m]["mean"], 5) for m in (*CARD_METRICS, "colourfulness_truth")
            if m in result["summary"]}


def write_card(out: Path, meta: dict[str, Any], report: dict[str, Any]) -> Path:
    """``MODEL_CARD.md``: from which model, on what photos, how long, before / after on the held-out photos."""
    ft, t = meta[SECTION], meta.get("training", {})
    r = meta.get("recipe", {})
    after, before, base = report["results"]
    row = lambda label, res: "| " + " | ".join([label] + [  # noqa: E731
        f"{res['summary'][m]['mean']:.4g}" if m in res["summary"] else "-" for m in CARD_METRICS]) + " |"
    held = ft["held_out"]
    on = (f"its {held} held-out photos ({ft['held_out_rule']} of the content-hash split)" if held else
          f"its {report['count']} training photos (too few photos to hold any out: these numbers only show it fit)")
    stopped = t.get("epochs_done", 0) < t.get("epochs", 0)
    lines = [
        f"# {out.name}: fine-tuned from `{ft['from']}`",
        "",
        f"A `{meta.get('variant')}` colorizer fine-tuned from `{ft['from']}` on {ft['photos']} colour photos of "
        f"`{ft['data']}` with `chromalab finetune` (recipe `{RECIPE}`).",
        "",
        f"- **From**: `{ft['from_dir']}`",
        f"- **Data**: {ft['photos']} colour photos, {t.get('train_images')} trained on, {held} held out "
        f"({ft['held_out_rule']}); {ft['grey_skipped']} grey and {ft['unreadable']} unreadable files skipped; "
        f"photo set {t.get('data_fingerprint')}",
        "- **Training**: encoder frozen, decoders trained with batch-norm statistics kept; "
        f"AdamW lr {r.get('lr')}, {r.get('size')} px crops "
        f"(scale jitter, mirror), batch {t.get('batch')}; {t.get('epochs_done')} of {t.get('epochs')} epochs"
        + (" (stopped early or by the time limit)" if stopped else "")
        + f", best epoch {t.get('best_epoch')}, {t.get('wall_seconds', 0) / 60:.1f} min on {t.get('device')}"
        + (f", limit {ft['minutes']} min" if ft.get("minutes") else ""),
        (f"- **Weights**: {ft['wise_alpha']:g} × the best epoch + {1 - ft['wise_alpha']:g} × `{ft['from']}` "
         f"(weight-space ensemble; the best epoch alone: `{rundir.FINETUNED_WEIGHTS}`)"
         if ft.get("wise_alpha") is not None else "- **Weights**: the best epoch"),
        "- **Inference settings**: the source model's (`config.json`, section `inference`); `model.onnx` runs "
        "on ONNX Runtime",
        "",
        f"## Before / after on {on}",
        "",
        "| model | MAE | ΔE2000 | colourfulness | ΔCF |",
        "|---|---|---|---|---|",
        row(f"{out.name} (fine-tuned)", after),
        row(f"{before['name']} (before)", before),
        row("no colour", base),
        "",
        f"{report['count']} photos, shorter side {report['size']} px; truth colourfulness "
        f"{after['summary'].get('colourfulness_truth', {}).get('mean', float('nan')):.4g}. Lower is better "
        "except colourfulness (compare it with the truth's). The held-out photos also chose the best epoch, so "
        "the fine-tuned row is slightly optimistic; with a handful of photos one photo moves the means a lot.",
        "",
    ]
    path = out / rundir.MODEL_CARD
    with atomic_output(path) as tmp:
        Path(tmp).write_text("\n".join(lines), encoding="utf-8")
    return path
