"""``evaluate()`` and ``compare()``: models against the truth and against the "no colour" baseline.

Every model sees the same photos (a split of a folder, each scaled so its shorter side is ``size``).
The baseline keeps L and sets ab = 0, so every table shows whether a model beats doing nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from chromalab.core import lab, rundir
from chromalab.core.jsonio import write_json
from chromalab.core.progress import ProgressFn, track
from chromalab.data.folder import ImageFolder
from chromalab.evaluation.metrics import SHOWN, all_metrics, summarize
from chromalab.inference.base import BaseColorizer as Colorizer  # any colorizer (plain, reference, auto)
from chromalab.inference.load import load_colorizer

BASELINE = "no-colour"
MIN_RELIABLE_PHOTOS = 5  # fewer test photos than this: the table says its means are not reliable


def no_colour(rgb: np.ndarray) -> np.ndarray:
    """The baseline: the photo's L with ab = 0."""
    L = lab.grey_l(lab.image_to_tensor(rgb))
    return lab.tensor_to_image(lab.lab_to_rgb(torch.cat([L, torch.zeros_like(L).repeat(1, 2, 1, 1)], 1)))


def evaluate_fn(fn: Callable[[np.ndarray], np.ndarray], photos: ImageFolder, name: str,
                progress: ProgressFn | None = None, semantic: bool = True) -> dict[str, Any]:
    """Metrics of ``fn`` (``(H, W, 3)`` RGB → colorized RGB; it sees only the grey version) on ``photos``
    (``semantic=False``: without the classifier agreement, which costs more than the rest on a CPU)."""
    rows = []
    for i in track(range(len(photos)), name, progress):
        truth = lab.tensor_to_image(photos.photo(i)).clip(0, 1)
        pred = fn(no_colour(truth)).clip(0, 1)
        rows.append({"file": str(photos.index.files[i].resolve()), **all_metrics(pred, truth, semantic)})
    return {"name": name, "images": rows, "summary": summarize(rows)}


def load_photos(data: str | os.PathLike, split: str = "test", size: int = 256) -> ImageFolder:
    photos = ImageFolder(data, split, size=size, cache_short=size, augment=False)
    if len(photos) == 0:
        raise ValueError(f"{data}: no colour photos in the {split!r} split (try split='all' for a small folder)")
    return photos


def eval_work_size(size: int) -> int:
    """The working size models are evaluated at, for photos whose shorter side is ``size`` px: 4 × that, at
    least 512, so the network sees the whole photo at (about) full resolution whatever its aspect ratio and
    the model folder's own working size does not decide the scores."""
    return max(4 * int(size), 512)


def compare(models: Sequence[str | os.PathLike | Colorizer], data: str | os.PathLike, split: str = "test",
            size: int = 256, out: str | os.PathLike | None = None, progress: ProgressFn | None = None,
            baseline: bool = True, write_runs: bool = True) -> dict[str, Any]:
    """Evaluate several models (run folders, shipped names or ``Colorizer`` objects) on the same photos.

    Returns ``{"dataset", "split", "size", "fingerprint", "results": [per model, baseline last]}``;
    written as JSON to ``out`` if given. ``write_runs``: every run folder evaluated also gets its own
    ``evaluation.json`` (its row and the baseline), whatever the number of models, so the registry and the
    report find the results where they look (``runs import`` used to find nothing after a comparison).
    """
    photos = load_photos(data, split, size)
    results = []
    for m in models:
        col = m if isinstance(m, Colorizer) else load_colorizer(m, work_size=eval_work_size(size))
        name = col.name
        res = evaluate_fn(col.colorize, photos, name, progress)
        res["model_dir"] = None if isinstance(m, Colorizer) else str(m)
        if not isinstance(m, Colorizer):
            seen = trained_on(m, photos)
            for row in res["images"]:
                if row["file"] in seen:
                    row["trained_on"] = True  # the report counts these too
        results.append(res)
    if baseline:
        results.append(evaluate_fn(lambda grey: grey, photos, BASELINE, progress))
    report = {"dataset": str(Path(data).resolve()), "split": split, "size": size,
              "fingerprint": photos.index.fingerprint(), "count": len(photos), "results": results}
    report["warnings"] = warnings_of(report)
    if out is not None:
        write_json(report, out)
    if write_runs:
        base = [r for r in results if r["name"] == BASELINE]
        for res in results:
            folder = Path(res["model_dir"]) if res.get("model_dir") else None
            if folder is not None and (folder / rundir.CONFIG).is_file():
                own = folder / rundir.EVALUATION
                if out is None or Path(out).resolve() != own.resolve():
                    write_json({**report, "results": [res, *base]}, own)
    return report


def trained_on(model: str | os.PathLike, photos: ImageFolder) -> set[str]:
    """The files (resolved paths, as in the result rows) of ``photos`` that ``model``'s training manifest
    (``training_photos.json``, shipped models carry one) lists: by content hash, or the same picture re-encoded
    or resized (thumbnail); empty without a manifest."""
    from chromalab.data.manifest import SAME_PICTURE, closest_seen, read_manifest, seen_hashes
    from chromalab.inference.store import resolve_model_dir

    try:
        manifest = read_manifest(resolve_model_dir(model))
    except (FileNotFoundError, KeyError, ValueError):
        return set()
    if manifest is None:
        return set()
    hashes = seen_hashes(manifest)
    return {str(f.resolve()) for f, h in zip(photos.index.files, photos.index.hashes, strict=True)
            if h in hashes or closest_seen(f, manifest)[1] < SAME_PICTURE}


def warnings_of(report: dict[str, Any]) -> list[str]:
    """What makes a report's numbers less than they seem, one line each: too few photos, and models that
    trained on some of them (named by file)."""
    out = []
    if report["count"] < MIN_RELIABLE_PHOTOS:
        out.append(f"only {report['count']} photos in the {report['split']!r} split of {Path(report['dataset']).name}:"
                   " the means are not reliable (the split keeps ~10 % of a folder for testing; use a larger "
                   "folder, or split 'all' on photos no model trained on)")
    for r in report["results"]:
        seen = [Path(row["file"]).name for row in r["images"] if row.get("trained_on")]
        if seen:
            out.append(f"{r['name']} trained on {len(seen)} of these {report['count']} photos "
                       f"({', '.join(seen[:4])}{', ...' if len(seen) > 4 else ''}): its numbers overstate it")
    return out


def evaluate(model: str | os.PathLike | Colorizer, data: str | os.PathLike, split: str = "test", size: int = 256,
             out: str | os.PathLike | None = None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Evaluate one model and the "no colour" baseline on the same photos (see ``compare``)."""
    return compare([model], data, split, size, out, progress)


def format_table(report: dict[str, Any], metrics: Sequence[str] = SHOWN) -> str:
    """A plain-text table: one row per model, ``mean [min–max]`` per metric."""
    head = ["model"] + list(metrics)
    rows = []
    for r in report["results"]:
        cells = [r["name"]]
        for m in metrics:
            s = r["summary"].get(m)
            cells.append("-" if s is None else f"{s['mean']:.4g} [{s['min']:.3g}–{s['max']:.3g}]")
        rows.append(cells)
    truth = report["results"][0]["summary"].get("colourfulness_truth") if report["results"] else None
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    foot = f"{report['count']} photos ({report['split']} split, shorter side {report['size']} px)"
    if truth:
        foot += f"; truth colourfulness {truth['mean']:.4g}"
    return "\n".join(lines + [foot] + [f"warning: {w}" for w in report.get("warnings", [])])
