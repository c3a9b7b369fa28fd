"""Evaluating reference-guided colorizers: what does the reference add, and what does the correspondence add?

Every photo of a split is coloured with three kinds of reference:

- ``distorted``: the photo's own colours, moved and jittered (``augment.make_reference``, seeded per photo) —
  an ideal reference, the colours are there to be found;
- ``unrelated``: another photo of the same split (half the split away, so not a neighbour in file order);
- ``zeros``: no reference (the guide is zeros).

Rows: each model with its own correspondence, with ``identity`` (the resized reference laid over the
photo: no correspondence search), the warped colour alone (``warp-only``, no U-Net), and the "no colour"
baseline. Metrics are the foundation's (``evaluation.metrics``); the report fits ``format_table``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.core.imageio import save_rgb
from chromalab.core.jsonio import write_json
from chromalab.core.progress import ProgressFn, track
from chromalab.evaluation.evaluate import BASELINE, eval_work_size, load_photos, no_colour
from chromalab.evaluation.metrics import all_metrics, summarize
from chromalab.inference.base import BaseColorizer as Colorizer  # any colorizer (plain, reference, auto)
from chromalab.inference.load import load_colorizer
from chromalab.inference.reference import ReferenceColorizer
from chromalab.ops.distort import DistortConfig, make_reference

KINDS = ("distorted", "unrelated", "zeros")


def distorted_reference(truth: np.ndarray, seed: int, cfg: DistortConfig = DistortConfig()) -> np.ndarray:
    """A distorted, colour-jittered copy (H, W, 3) of ``truth`` (H, W, 3) RGB in [0, 1], fixed by ``seed``."""
    l_norm, ab = lab.rgb_to_network(lab.image_to_tensor(truth))
    ref_l, ref_ab = make_reference(l_norm, ab, cfg, torch.Generator().manual_seed(seed))
    return lab.tensor_to_image(lab.network_to_rgb(ref_l, ref_ab)).clip(0, 1)


def references(photos, i: int, kind: str, seed: int = 0) -> np.ndarray | None:
    """The reference of ``kind`` for photo ``i`` of ``photos`` (an ``ImageFolder``)."""
    if kind == "distorted":
        return distorted_reference(lab.tensor_to_image(photos.photo(i)).clip(0, 1), seed + i)
    if kind == "unrelated":
        if len(photos) < 2:
            raise ValueError("an unrelated reference needs at least two photos in the split")
        return lab.tensor_to_image(photos.photo((i + max(1, len(photos) // 2)) % len(photos))).clip(0, 1)
    if kind == "zeros":
        return None
    raise ValueError(f"unknown reference kind {kind!r}; use {', '.join(KINDS)}")


def evaluate_reference(models: Sequence[str | os.PathLike | Colorizer], data: str | os.PathLike,
                       split: str = "test", size: int = 128, kinds: Sequence[str] = KINDS,
                       identity: bool = True, warp_only: bool = True, seed: int = 0,
                       out: str | os.PathLike | None = None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Metrics for every (model, correspondence, reference kind) on the photos of ``split``.

    Models that are not reference-guided get one row (the reference does not reach them).
    Returns a report like ``evaluation.compare`` (``results`` rows with ``name`` and ``summary``).
    """
    photos = load_photos(data, split, size)
    refs = {kind: [references(photos, i, kind, seed) for i in range(len(photos))] for kind in kinds}
    truths = [lab.tensor_to_image(photos.photo(i)).clip(0, 1) for i in range(len(photos))]
    results = []

    def run(name: str, fn) -> None:
        rows = []
        for i in track(range(len(photos)), name, progress):
            pred = fn(no_colour(truths[i]), i).clip(0, 1)
            rows.append({"file": str(photos.index.files[i]), **all_metrics(pred, truths[i])})
        results.append({"name": name, "images": rows, "summary": summarize(rows)})

    for m in models:
        col = m if isinstance(m, Colorizer) else load_colorizer(m, work_size=eval_work_size(size))
        if not col.takes_reference:
            run(col.name, lambda grey, i, col=col: col.colorize(grey))
            continue
        own = col.model.cfg.match
        if own == "none":  # the ablation never sees its reference: one row stands for every kind
            run(f"{col.name} [none] ref=ignored", lambda grey, i, col=col: col.colorize(grey))
            continue
        variants = [(own, False)]
        if identity:
            variants.append(("identity", False))
        if warp_only:
            variants.append((own, True))
        for match, only in variants:
            variant = col.with_matching(match, warp_only=only)  # a copy: the loaded colorizer is never changed
            label = f"{'warp-only' if only else col.name} [{match}]"
            for kind in kinds:
                if kind == "zeros" and (only or match != own):
                    continue  # no reference: nothing to warp, and the search mode does not matter
                run(f"{label} ref={kind}",
                    lambda grey, i, col=variant, kind=kind: col.colorize(grey, reference=refs[kind][i]))
    run(BASELINE, lambda grey, i: grey)
    report = {"dataset": str(Path(data).resolve()), "split": split, "size": size,
              "fingerprint": photos.index.fingerprint(), "count": len(photos), "kinds": list(kinds),
              "results": results}
    if out is not None:
        write_json(report, out)
    return report


def example_grid(col: ReferenceColorizer, data: str | os.PathLike, out: str | os.PathLike, split: str = "test",
                 size: int = 128, count: int = 4, seed: int = 0) -> Path:
    """A PNG with one row per photo: grey | distorted ref | result | unrelated ref | result | no ref | truth."""
    photos = load_photos(data, split, size)
    rows = []
    for i in range(min(count, len(photos))):
        truth = lab.tensor_to_image(photos.photo(i)).clip(0, 1)
        grey = no_colour(truth)
        cells = [grey]
        for kind in ("distorted", "unrelated"):
            ref = references(photos, i, kind, seed)
            cells += [ref, col.colorize(grey, reference=ref)]
        cells += [col.colorize(grey), truth]
        rows.append(np.concatenate([_fit(c, size) for c in cells], 1))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=1.0) for r in rows]
    return save_rgb(np.concatenate(rows, 0).clip(0, 1), out)


def _fit(img: np.ndarray, size: int) -> np.ndarray:
    """Resize to a ``size`` x ``size`` square (centre crop) with a 2-px white gap on the right."""
    t = lab.image_to_tensor(img)
    h, w = t.shape[-2:]
    side = min(h, w)
    t = t[..., (h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side]
    t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)
    return np.pad(lab.tensor_to_image(t), ((0, 0), (0, 2), (0, 0)), constant_values=1.0)
