"""Fit the inference ``chroma_scale`` of a unet-effnet-lite0 model folder on the VALIDATION split.

Usage: python scripts/calibrate_chroma.py MODEL_DIR DATA [--scales 1,0.9,0.8,0.7,0.6,0] [--min-colour 0.6]
       [--flip-average on|off] [--dry-run]

For each scale, the model (its inference settings' ``chroma_scale`` replaced) colorizes the validation photos; the
scale with the lowest mean CIEDE2000 whose colourfulness stays at least ``--min-colour`` of the truth's is
written into MODEL_DIR/config.json (with ``--flip-average``, that setting too; ``--dry-run`` writes nothing).
The test split is never looked at. Prints a table of every scale.
"""

from __future__ import annotations

import argparse

from chromalab.core.jsonio import write_json
from chromalab.evaluation.evaluate import eval_work_size, evaluate_fn, load_photos
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.settings import InferenceSettings
from chromalab.models.io import load_model, read_meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("data")
    ap.add_argument("--scales", default="1,0.9,0.8,0.7,0.6,0")  # 0 is "no colour", for reference
    ap.add_argument("--min-colour", type=float, default=0.6)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--flip-average", choices=("on", "off"), default=None, help="default: the folder's setting")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    photos = load_photos(args.data, "val", args.size)
    net, meta = load_model(args.model_dir)
    flip = None if args.flip_average is None else args.flip_average == "on"
    settings = InferenceSettings.from_meta(meta).replace(work_size=eval_work_size(args.size), flip_average=flip)
    rows = []
    for scale in (float(s) for s in args.scales.split(",")):
        col = Colorizer(net, settings.replace(chroma_scale=scale), meta, name=f"scale {scale:g}")
        s = evaluate_fn(col.colorize, photos, col.name)["summary"]
        rows.append((scale, s["mae"]["mean"], s["delta_e2000"]["mean"], s["colourfulness"]["mean"],
                     s["colourfulness_truth"]["mean"]))
    print(f"{'scale':>6} {'mae':>8} {'dE2000':>8} {'colour':>8} {'truth':>8}   ({len(photos)} validation photos, "
          f"flip averaging {'on' if settings.flip_average else 'off'})")
    for r in rows:
        print(f"{r[0]:>6g} {r[1]:>8.4f} {r[2]:>8.3f} {r[3]:>8.2f} {r[4]:>8.2f}")
    ok = [r for r in rows if r[3] >= args.min_colour * r[4]] or rows[:1]
    best = min(ok, key=lambda r: r[2])
    if args.dry_run:
        print(f"best chroma_scale = {best[0]:g} (--dry-run: nothing written)")
        return
    data = read_meta(args.model_dir)
    data.setdefault("inference", {})["chroma_scale"] = best[0]
    if flip is not None:
        data["inference"]["flip_average"] = flip
    data["inference"]["chroma_scale_fit"] = {
        "split": "val", "photos": len(photos), "size": args.size, "min_colour": args.min_colour,
        "flip_average": settings.flip_average,
        "table": [dict(zip(("scale", "mae", "delta_e2000", "colourfulness", "colourfulness_truth"), r,
                           strict=True)) for r in rows]}
    write_json(data, f"{args.model_dir}/config.json")
    print(f"chroma_scale = {best[0]:g} written to {args.model_dir}/config.json")


if __name__ == "__main__":
    main()
