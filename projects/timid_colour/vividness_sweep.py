"""Candidates × vividness on one split, with the decision rule of ``rule.py`` (DIARY.md).

Usage: python -m projects.timid_colour.vividness_sweep DATA NAME=MODEL_DIR[:WEIGHTS] ... [--split val]
       [--vividness 1,1.2,1.4] [--temperature 0.2,0.38,0.6] [--out report.json]

Each model's working-size ab is computed once per photo (vividness 1) and scaled per vividness before the
pipeline's guided upsampling and finish (linear in ab), so this equals ``colorize(vividness=v)``. Models that
classify ab into bins are also run at each ``--temperature`` (their annealed mean's T, an inference setting;
other models ignore it).
Rows: every model × vividness and "no colour"; columns: MAE, ΔE2000, colourfulness and its ratio to the
truth's, ΔCF, classifier agreement (Lite1).
The rule (``rule.passes``, fixed before the test split was looked at): CF ≥ 85 % of the truth's (ratio of
means), MAE and ΔE2000 below "no colour"; among those, the highest classifier agreement (ties: lower ΔE2000).
"""

from __future__ import annotations

import argparse

from chromalab.core import lab
from chromalab.core.jsonio import write_json
from chromalab.evaluation.evaluate import BASELINE, eval_work_size, load_photos, no_colour
from chromalab.evaluation.metrics import all_metrics, summarize
from chromalab.inference.load import load_colorizer
from projects.timid_colour.rule import MIN_CF_RATIO, passes, vivid_metrics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("models", nargs="+", help="NAME=MODEL_DIR[:WEIGHTS_FILE]")
    ap.add_argument("--split", default="val")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--vividness", default="1")
    ap.add_argument("--temperature", default="", help="ab-bins models: temperatures to try (default: the model's)")
    ap.add_argument("--out")
    args = ap.parse_args()
    photos = load_photos(args.data, args.split, args.size)
    truths = [lab.tensor_to_image(photos.photo(i)).clip(0, 1) for i in range(len(photos))]
    vivid = [float(v) for v in args.vividness.split(",")]
    temps = [float(t) for t in args.temperature.split(",") if t]
    results = []
    for spec in args.models:
        name, _, where = spec.partition("=")
        path, _, weights = where.partition(":")
        base_col = load_colorizer(path, weights=weights or None, work_size=eval_work_size(args.size), vividness=1.0,
                                  runtime="torch")
        bins = bool(base_col.meta.get("model", {}).get("ab_bins"))
        for t in (temps or [None]) if bins else [None]:
            col = base_col.with_settings(temperature=t)
            label = f"{name} T={col.settings.temperature:g}" if bins else name
            rows = vivid_metrics(col, truths, vivid)
            for v in vivid:
                results.append({"name": f"{label} v={v:g}", "model": path, "weights": weights or None,
                                "vividness": v, "temperature": col.settings.temperature if bins else None,
                                "chroma_scale": col.settings.chroma_scale, "summary": summarize(rows[v])})
    base = summarize([all_metrics(no_colour(t), t) for t in truths])
    results.append({"name": BASELINE, "summary": base})
    for r in results:
        r["passes"] = r["name"] != BASELINE and passes(r, base)
    ok = [r for r in results if r["passes"]]
    best = max(ok, key=lambda r: (r["summary"]["agreement"]["mean"], -r["summary"]["delta_e2000"]["mean"]),
               default=None)
    print(f"| model | MAE | ΔE2000 | CF | CF/truth | ΔCF | agreement | rule |   ({len(truths)} {args.split} photos)")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        s = r["summary"]
        ratio = s["colourfulness"]["mean"] / s["colourfulness_truth"]["mean"]
        mark = "chosen" if r is best else ("passes" if r["passes"] else "")
        print(f"| {r['name']} | {s['mae']['mean']:.4f} | {s['delta_e2000']['mean']:.2f} | "
              f"{s['colourfulness']['mean']:.1f} | {ratio:.0%} | {s['colourfulness_gap']['mean']:.1f} | "
              f"{s['agreement']['mean']:.2f} | {mark} |")
    print(f"truth colourfulness {base['colourfulness_truth']['mean']:.1f}; chosen: {best['name'] if best else None}")
    if args.out:
        write_json({"split": args.split, "size": args.size, "count": len(truths), "results": results,
                    "chosen": best["name"] if best else None, "rule": f"CF >= {MIN_CF_RATIO:.0%} of truth, MAE and "
                    "dE2000 below no colour, then highest agreement"}, args.out)


if __name__ == "__main__":
    main()
