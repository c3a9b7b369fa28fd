"""``report_data``: what the report shows, as plain data (the web app can reuse it).

Evaluations are grouped by what they were measured on (dataset fingerprint, split, photo size), so only
like is compared with like; each group carries its "no colour" baseline row, the same test photos for
every model (grey | each model | truth), and the photos where the metrics disagree.
"""

from __future__ import annotations

import base64
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from chromalab.core import lab, rundir
from chromalab.evaluation.metrics import METRICS
from chromalab.runs.registry import RunDB, _find, _resize_to

CURVE_KEYS = ("val/mae", "val/l1", "train/loss_epoch", "train/g_loss_epoch", "train/d_loss_epoch")


def encode_jpeg(rgb: np.ndarray, quality: int = 85) -> str:
    """``(H, W, 3)`` float in [0, 1] → ``data:`` URI of a JPEG."""
    buf = io.BytesIO()
    Image.fromarray(lab.to_uint8(rgb)).save(buf, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _pictures(group: dict[str, Any], runs: dict[int, dict[str, Any]], indices: list[int], size: int
              ) -> dict[str, Any]:
    """grey / each model / truth for the photos at ``indices`` of the group's evaluation."""
    import torch.nn.functional as F

    from chromalab.core import lab
    from chromalab.core.imageio import ImageError, iter_image_files, load_rgb
    from chromalab.evaluation.evaluate import eval_work_size, no_colour
    from chromalab.inference.load import load_colorizer

    all_files = [Path(r["file"]) for r in group["evaluations"][0]["images"]]
    files = [all_files[i] for i in indices if i < len(all_files)]
    truths = []
    for f in files:
        try:
            rgb = load_rgb(f)
        except ImageError:
            continue
        t = lab.image_to_tensor(rgb)
        scale = size / min(t.shape[-2:])
        t = F.interpolate(t, scale_factor=scale, mode="area") if scale < 1 else t
        truths.append((f, lab.tensor_to_image(t).clip(0, 1)))
    out = {"files": [f.name for f, _ in truths], "grey": [encode_jpeg(no_colour(t)) for _, t in truths],
           "truth": [encode_jpeg(t) for _, t in truths], "models": {}}
    for ev in group["evaluations"]:
        run = runs[ev["run_id"]]
        if run["family"] == "baseline":
            continue
        path = run["path"] or ""
        if path.startswith("external:"):
            by_stem = {p.stem: p for p in iter_image_files([path.split(":", 1)[1]])}
            pics = []
            for f, t in truths:
                hit = _find(by_stem, f.stem)
                pics.append(encode_jpeg(_resize_to(load_rgb(hit), t.shape[:2])) if hit else None)
        elif path.startswith("model:") or (Path(path) / rundir.WEIGHTS).is_file():  # installed, or a run folder
            where = path.split(":", 1)[1] if path.startswith("model:") else path
            try:
                col = load_colorizer(where, device="cpu", work_size=eval_work_size(size))
            except (FileNotFoundError, KeyError, ValueError):  # an installed model no longer installed here
                continue
            pics = [encode_jpeg(col.colorize(no_colour(t))) for _, t in truths]
        else:
            continue
        out["models"][run["name"]] = pics
    return out


def _disagreements(group: dict[str, Any], runs: dict[int, dict[str, Any]], limit: int = 4) -> dict[str, Any]:
    """Photos where the best model by mean MAE ranks last by colourfulness or ΔE2000, and the reverse."""
    evs = [e for e in group["evaluations"] if runs[e["run_id"]]["family"] != "baseline"]
    if len(evs) < 2:
        return {}
    names = [runs[e["run_id"]]["name"] for e in evs]
    per = {m: np.array([[row[m] for row in e["images"]] for e in evs]) for m in ("mae", "colourfulness",
                                                                               "delta_e2000")}
    files = [Path(r["file"]).name for r in evs[0]["images"]]
    best_mae = int(per["mae"].mean(1).argmin())
    best_colour = int(per["colourfulness"].mean(1).argmax())
    found: dict[str, list[dict[str, Any]]] = {"best_mae_worst_colour": [], "best_mae_worst_de": [],
                                              "most_colourful_worst_mae": []}
    for i, f in enumerate(files):
        if per["colourfulness"][:, i].argmin() == best_mae:
            found["best_mae_worst_colour"].append({"file": f, "index": i})
        if per["delta_e2000"][:, i].argmax() == best_mae:
            found["best_mae_worst_de"].append({"file": f, "index": i})
        if best_colour != best_mae and per["mae"][:, i].argmax() == best_colour:
            found["most_colourful_worst_mae"].append({"file": f, "index": i})
    return {"best_by_mae": names[best_mae], "most_colourful": names[best_colour],
            **{k: v[:limit] for k, v in found.items()}}


def report_data(db: RunDB, family: str | None = None, variant: str | None = None, dataset: str | None = None,
                domain: str | None = None, name_glob: str | None = None, images: int = 6, image_size: int = 160
                ) -> dict[str, Any]:
    """Everything the report shows, for the runs matching the filters.

    Returns ``{"runs": [...], "groups": [...], "curves": [...]}``; a group is one (dataset, split, size)
    with ``rows`` (one per run, baseline flagged, per metric min/mean/max), ``pictures`` and
    ``disagreements``; pictures are ``data:`` URIs so the page needs no other file.
    """
    selected = db.runs(family=family, variant=variant, dataset=dataset, domain=domain, name_glob=name_glob)
    evals = db.evaluations(r["id"] for r in selected)
    base = db.baselines(e["fingerprint"] for e in evals)
    runs = {r["id"]: r for r in selected}
    runs.update({b["run_id"]: {"id": b["run_id"], "name": "no-colour", "family": "baseline", "path": None,
                               "domain": None, "epochs": None, "size": None, "train_images": None,
                               "wall_seconds": None} for b in base})
    grouped: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for e in evals + base:
        grouped[(e["fingerprint"], e["split"], e["size"])].append(e)
    groups = []
    for (fp, split, size), evs in grouped.items():
        if all(runs[e["run_id"]]["family"] == "baseline" for e in evs):
            continue
        evs.sort(key=lambda e: (runs[e["run_id"]]["family"] == "baseline", e["summary"]["mae"]["mean"]))
        domains = sorted({runs[e["run_id"]]["domain"] for e in evs if runs[e["run_id"]]["domain"]})
        rows = [{"name": runs[e["run_id"]]["name"], "family": runs[e["run_id"]]["family"],
                 "baseline": runs[e["run_id"]]["family"] == "baseline", "domain": runs[e["run_id"]]["domain"],
                 "epochs": runs[e["run_id"]]["epochs"], "train_size": runs[e["run_id"]]["train_images"],
                 "crop": runs[e["run_id"]]["size"], "test_size": e["count"], "wall_seconds": runs[e["run_id"]][
                     "wall_seconds"], "metrics": {m: e["summary"][m] for m in METRICS if m in e["summary"]},
                 "trained_on": [Path(i["file"]).name for i in e["images"] if i.get("trained_on")]}
                for e in evs]
        group = {"dataset": Path(evs[0]["dataset"] or "").name, "dataset_path": evs[0]["dataset"],
                 "fingerprint": fp, "split": split, "size": size, "count": evs[0]["count"], "domains": domains,
                 "rows": rows, "evaluations": evs}
        group["disagreements"] = dis = _disagreements(group, runs)
        picked = list(range(min(images, group["count"] or 0)))
        for key in ("best_mae_worst_colour", "best_mae_worst_de", "most_colourful_worst_mae"):
            picked += [d["index"] for d in dis.get(key, [])]
        group["pictures"] = _pictures(group, runs, list(dict.fromkeys(picked)), image_size) if images else None
        del group["evaluations"]
        groups.append(group)
    curves = []
    for r in selected:
        hist = json.loads(r["history"] or "[]")
        series = {k: [h.get(k) for h in hist] for k in CURVE_KEYS if any(k in h for h in hist)}
        if series:
            curves.append({"name": r["name"], "epochs": [h["epoch"] for h in hist], "series": series})
    return {"runs": [{k: v for k, v in r.items() if k != "history"} for r in selected], "groups": groups,
            "curves": curves}
