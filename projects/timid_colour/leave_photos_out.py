"""A leave-photos-out estimate, so that a decision does not rest on 9 test or 13 validation photos.

Usage:
  python -m projects.timid_colour.leave_photos_out prepare DATA OUT [--folds 5]
  (train one run per fold on OUT/fold{k}/train, e.g. ``chromalab train --recipe default-effnet-lite0
   --data OUT/fold{k}/train --out RUNS/fold{k}``)
  python -m projects.timid_colour.leave_photos_out evaluate OUT NAME=RUN_PATTERN ... [--vividness 1,1.3]
         [--chroma-scale 0.9] [--out report.json]

``prepare``: every photo of DATA goes to one of K folds by its content hash (digits 8–16 of the SHA-256, so the
fold does not follow the train/val/test split, which reads digits 0–8). OUT/fold{k}/train links every photo
outside fold k (a run trained there uses their train split and validates on their val split, as on DATA);
OUT/fold{k}/held links the photos of fold k, which that run never sees. ``evaluate``: each fold's run (RUN_PATTERN
with ``{k}``) colorizes its held-out photos; the rows pool all folds, so every photo of DATA is scored once, by
a model that did not train on it. Besides the means, the agreement table is paired: on how many photos the
colorized one is recognised and the grey one not, and the reverse.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chromalab.core import lab
from chromalab.core.imageio import iter_image_files
from chromalab.core.jsonio import write_json
from chromalab.data.splits import file_hash, fold_of
from chromalab.evaluation.evaluate import eval_work_size, load_photos, no_colour
from chromalab.evaluation.metrics import all_metrics, summarize
from chromalab.inference.load import load_colorizer
from projects.timid_colour.rule import vivid_metrics


def prepare(data: Path, out: Path, folds: int) -> None:
    if out.exists():
        raise SystemExit(f"{out}: already exists; choose a new folder (nothing was written)")
    photos = sorted(iter_image_files([data], []))
    if not photos:
        raise SystemExit(f"{data}: no photos found")
    table = {}
    for path in photos:
        table[str(path.resolve())] = fold_of(file_hash(path), folds)
    for k in range(folds):
        for part in ("train", "held"):
            (out / f"fold{k}" / part).mkdir(parents=True, exist_ok=False)
        for path, f in table.items():
            part = "held" if f == k else "train"
            (out / f"fold{k}" / part / Path(path).name).symlink_to(path)
    write_json({"data": str(data.resolve()), "folds": folds, "fold_of": table}, out / "folds.json")
    counts = [sum(1 for f in table.values() if f == k) for k in range(folds)]
    print(f"{len(table)} photos in {folds} folds of {counts} → {out}")


def evaluate(out: Path, models: list[str], vividness: list[float], chroma_scale: float | None, size: int,
             report: str | None) -> None:
    folds = json.loads((out / "folds.json").read_text())["folds"]
    rows: dict[str, list[dict]] = {}
    grey: list[dict] = []
    for k in range(folds):
        photos = load_photos(out / f"fold{k}" / "held", "all", size)
        truths = [lab.tensor_to_image(photos.photo(i)).clip(0, 1) for i in range(len(photos))]
        grey += [all_metrics(no_colour(t), t) for t in truths]
        for spec in models:
            name, _, pattern = spec.partition("=")
            col = load_colorizer(pattern.format(k=k), work_size=eval_work_size(size), vividness=1.0, runtime="torch")
            if chroma_scale is not None:
                col = col.with_settings(chroma_scale=chroma_scale)
            for v, rs in vivid_metrics(col, truths, vividness).items():
                rows.setdefault(f"{name} v={v:g}", []).extend(rs)
    n = len(grey)
    print(f"| model | MAE | ΔE2000 | CF | CF/truth | ΔCF | agreement | colour only | grey only |   ({n} photos, "
          f"{folds} folds)")
    print("|---|---|---|---|---|---|---|---|---|")
    results = []
    for name, rs in [*rows.items(), ("no colour", grey)]:
        s = summarize(rs)
        gained = sum(r["agreement"] > g["agreement"] for r, g in zip(rs, grey, strict=True))
        lost = sum(r["agreement"] < g["agreement"] for r, g in zip(rs, grey, strict=True))
        results.append({"name": name, "summary": s, "agrees_only_coloured": gained, "agrees_only_grey": lost,
                        "per_photo": rs})
        ratio = s["colourfulness"]["mean"] / s["colourfulness_truth"]["mean"]
        print(f"| {name} | {s['mae']['mean']:.4f} | {s['delta_e2000']['mean']:.2f} | {s['colourfulness']['mean']:.1f} "
              f"| {ratio:.0%} | {s['colourfulness_gap']['mean']:.1f} | {s['agreement']['mean']:.3f} "
              f"({round(s['agreement']['mean'] * n)}/{n}) | {gained} | {lost} |")
    if report:
        write_json({"folds": folds, "count": n, "size": size, "results": results}, report)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("data", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--folds", type=int, default=5)
    e = sub.add_parser("evaluate")
    e.add_argument("out", type=Path)
    e.add_argument("models", nargs="+", help="NAME=RUN_PATTERN with {k} for the fold")
    e.add_argument("--vividness", default="1")
    e.add_argument("--chroma-scale", type=float, default=None, help="default: each run's own")
    e.add_argument("--size", type=int, default=256)
    e.add_argument("--out", dest="report")
    args = ap.parse_args()
    if args.cmd == "prepare":
        prepare(args.data, args.out, args.folds)
    else:
        evaluate(args.out, args.models, [float(v) for v in args.vividness.split(",")], args.chroma_scale,
                 args.size, args.report)


if __name__ == "__main__":
    main()
