"""``sweep()``: train every configuration of a grid with the same time budget, evaluate all on the same photos.

A sweep folder holds one run folder per variant (``SWEEP_DIR/<variant>/``, a normal ``chromalab train`` run
with ``evaluation.json`` added), ``sweep.json`` (the settings every run shares) and ``summary.json`` (every
run's test-split metrics and training facts, plus the "no colour" baseline).

Resumable: a run whose ``config.json`` says ``finished`` is never trained again; one left ``running`` or
``interrupted`` (killed, Ctrl-C) continues from its last epoch checkpoint (Lightning restores the time
already spent, so the budget stays the same) or, without a usable checkpoint, is deleted and trained afresh.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chromalab.core import rundir
from chromalab.core.jsonio import read_json, write_json
from chromalab.core.progress import ProgressFn
from chromalab.evaluation.evaluate import BASELINE, compare
from chromalab.evaluation.metrics import SHOWN
from chromalab.models.registry import names as variant_names
from chromalab.models.zoo import GRIDS

logger = logging.getLogger(__name__)

EVALUATION = rundir.EVALUATION


def resolve_grid(grid: str | Sequence[str]) -> list[str]:
    """A grid name (``GRIDS``), a comma-separated list of variants, or a list of variants → variant names."""
    if isinstance(grid, str):
        if grid in GRIDS:
            return list(GRIDS[grid])
        grid = [g.strip() for g in grid.split(",") if g.strip()]
    known = set(variant_names())
    unknown = [g for g in grid if g not in known]
    if unknown or not grid:
        raise KeyError(f"unknown grid or variant {', '.join(unknown) or '(empty)'}; grids: {', '.join(GRIDS)}")
    return list(dict.fromkeys(grid))


def run_status(run_dir: Path) -> str:
    """``missing`` (never started), ``finished``, or the unfinished status in its config.json."""
    cfg = run_dir / rundir.CONFIG
    if not cfg.is_file():
        return "missing"
    try:
        return read_json(cfg).get("training", {}).get("status", "created")
    except ValueError:  # a config.json cut short: treat as unfinished
        return "broken"


def _check_settings(out: Path, settings: dict[str, Any]) -> None:
    path = out / "sweep.json"
    if path.is_file():
        old = read_json(path)["settings"]
        diff = sorted(k for k in settings if old.get(k) != settings[k])
        if diff:
            raise ValueError(f"{out} was swept with other settings ({', '.join(f'{k}={old.get(k)}' for k in diff)});"
                             " use another --out to compare under new settings")
    else:
        write_json({"settings": settings}, path)


def _train_one(name: str, run_dir: Path, data: Path, budget_minutes: float, settings: dict[str, Any],
               overrides: Mapping[str, Any], log) -> None:
    from chromalab.training.train import train

    status = run_status(run_dir)
    kw = dict(epochs=settings["epochs"], max_minutes=budget_minutes, progress=False)
    if status != "missing" and (run_dir / rundir.CHECKPOINTS / rundir.LAST_CHECKPOINT).is_file():
        log(f"{name}: was {status}; resuming from its last checkpoint")
        (run_dir / EVALUATION).unlink(missing_ok=True)
        try:
            train(None, None, run_dir, resume=True, **kw)
            return
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:  # e.g. a checkpoint cut short by a kill: start again
            log(f"{name}: could not resume ({type(e).__name__}: {e}); training afresh")
    if status != "missing":
        shutil.rmtree(run_dir)
    train(name, data, run_dir, size=settings["size"], batch=settings["batch"], seed=settings["seed"],
          overrides=dict(overrides), **kw)


def _training_facts(run_dir: Path) -> dict[str, Any]:
    t = read_json(run_dir / rundir.CONFIG)["training"]
    keys = ("status", "epochs_done", "wall_seconds", "best_epoch", "best", "train_images", "val_images", "device")
    return {k: t.get(k) for k in keys}


def sweep(grid: str | Sequence[str], data: str | os.PathLike, budget_minutes: float, out: str | os.PathLike, *,
          size: int = 64, batch: int = 16, eval_size: int | None = None, split: str = "test", seed: int = 0,
          epochs: int = 10_000, overrides: Mapping[str, Mapping[str, Any]] | None = None,
          progress: ProgressFn | None = None) -> dict[str, Any]:
    """Train each variant of ``grid`` for ``budget_minutes`` (or ``epochs``, whichever ends first) on ``data``
    at ``size`` px, then evaluate all on its ``split`` at ``eval_size`` (default: ``size``) px.

    ``overrides``: per-variant config overrides (``{"ae-unet-learned": {"width": 8}}``). Returns the summary
    (also written to ``out/summary.json``): ``compare``'s report with a ``training`` entry per run, the runs
    in grid order and the "no colour" baseline last.
    """
    names = resolve_grid(grid)
    data, out = Path(data), Path(out)
    if not data.is_dir():
        raise FileNotFoundError(f"{data}: not a folder of photos")
    overrides = overrides or {}
    eval_size = eval_size or size
    settings = {"data": str(data.resolve()), "budget_minutes": budget_minutes, "size": size, "batch": batch,
                "eval_size": eval_size, "split": split, "seed": seed, "epochs": epochs}
    out.mkdir(parents=True, exist_ok=True)
    _check_settings(out, settings)

    log = logger.info

    for i, name in enumerate(names, 1):
        run_dir = out / name
        status = run_status(run_dir)
        if status == "finished":
            log(f"[{i}/{len(names)}] {name}: finished before, kept")
            continue
        log(f"[{i}/{len(names)}] {name}: training for {budget_minutes:g} min")
        t0 = time.time()
        _train_one(name, run_dir, data, budget_minutes, settings, overrides.get(name, {}), log)
        f = _training_facts(run_dir)
        log(f"[{i}/{len(names)}] {name}: {f['status']} after {time.time() - t0:.0f} s, {f['epochs_done']} epochs, "
            f"best val/mae {(f['best'] or {}).get('val/mae', float('nan')):.4f}")

    # Evaluate every run that has no evaluation of the current photos yet (one pass over the photos).
    cached = {n: read_json(out / n / EVALUATION) for n in names if (out / n / EVALUATION).is_file()}
    pending = [n for n in names if n not in cached]
    if pending:
        log(f"evaluating {len(pending)} run(s) on the {split} split at {eval_size} px")
    report = compare([out / n for n in pending], data, split=split, size=eval_size, progress=progress)
    fresh = dict(zip(pending, report["results"][:len(pending)], strict=True))
    stale = [n for n, r in cached.items() if r["fingerprint"] != report["fingerprint"]]
    if stale:  # the photos changed since: evaluate those again
        log(f"re-evaluating {len(stale)} run(s): the {split} photos changed")
        again = compare([out / n for n in stale], data, split=split, size=eval_size, baseline=False)
        fresh.update(zip(stale, again["results"], strict=True))
    head = {k: v for k, v in report.items() if k != "results"}
    for n, r in fresh.items():
        cached[n] = {**head, "results": [r]}
        write_json(cached[n], out / n / EVALUATION)
    results = []
    for n in names:
        r = dict(cached[n]["results"][0])
        r.update(name=n, model_dir=str(out / n), training=_training_facts(out / n))
        results.append(r)
    baseline = next(r for r in report["results"] if r["name"] == BASELINE)
    summary = {**head, "grid": grid if isinstance(grid, str) else list(grid), "settings": settings,
               "overrides": {n: {k: str(v) for k, v in overrides[n].items()} for n in names if n in overrides},
               "results": results + [baseline]}
    write_json(summary, out / "summary.json")
    return summary


def format_sweep_table(summary: dict[str, Any], metrics: Sequence[str] = SHOWN) -> str:
    """One row per run, best MAE first (baseline included where it ranks): means over the photos."""
    head = ["#", "model", "epochs", "min"] + [m.replace("colourfulness", "colour") for m in metrics]
    rows = []
    ranked = sorted(summary["results"], key=lambda r: r["summary"]["mae"]["mean"])
    for i, r in enumerate(ranked, 1):
        t = r.get("training") or {}
        cells = [str(i), r["name"], str(t.get("epochs_done", "-")),
                 f"{t['wall_seconds'] / 60:.1f}" if t.get("wall_seconds") is not None else "-"]
        cells += [f"{r['summary'][m]['mean']:.4g}" if m in r["summary"] else "-" for m in metrics]
        rows.append(cells)
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    s = summary["settings"]
    truth = summary["results"][-1]["summary"].get("colourfulness_truth", {}).get("mean")
    foot = (f"{summary['count']} photos ({summary['split']} split, shorter side {summary['size']} px); trained "
            f"{s['budget_minutes']:g} min each at {s['size']} px, batch {s['batch']}")
    if truth is not None:
        foot += f"; truth colourfulness {truth:.4g}"
    return "\n".join(lines + [foot])
