"""What flip averaging and each decoder of the shipped default buy in quality (before paying for them).

    .venv/bin/python benchmarks/quality_flip_decoders.py [--data ../shared/data/photos] [--split val]

Colorizes the split with the shipped default's settings (work size 256, chroma scale 0.9), with and without flip
averaging, with the first 1, 2 or 3 decoders of the ensemble; prints MAE and ΔE2000 (means) and the cost in
network runs (relative to 1 decoder, no flip; the encoder is ~10 % of one run). Writes
benchmarks/results/quality-flip-decoders.json.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
from pathlib import Path

from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import SHARED_DATA  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(SHARED_DATA / "photos"))
    ap.add_argument("--split", default="val")
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args()
    from chromalab.evaluation.evaluate import evaluate_fn, load_photos
    from chromalab.inference.colorizer import Colorizer

    base = Colorizer.load("default", runtime="torch")
    photos = load_photos(args.data, args.split, args.size)
    rows = []
    for k in (1, 2, 3):
        net = copy.deepcopy(base.model)
        net.decoders = nn.ModuleList(list(net.decoders)[:k])
        net.cfg = dataclasses.replace(net.cfg, decoders=k)
        for flip in (False, True):
            col = Colorizer(net, base.settings.replace(flip_average=flip), base.meta, name=f"dec{k}-flip{int(flip)}")
            s = evaluate_fn(col.colorize, photos, col.name)["summary"]
            rows.append({"decoders": k, "flip_average": flip, "mae": s["mae"]["mean"],
                         "delta_e2000": s["delta_e2000"]["mean"], "relative_cost": (0.1 + 0.9 * k) * (1 + flip)})
    print(f"{len(photos)} photos ({args.split} split, shorter side {args.size})")
    print(f"{'decoders':>8} {'flip':>5} {'MAE':>8} {'dE2000':>8} {'cost':>6}")
    for r in rows:
        print(f"{r['decoders']:>8} {r['flip_average']!s:>5} {r['mae']:>8.4f} {r['delta_e2000']:>8.3f} "
              f"{r['relative_cost']:>6.1f}")
    out = Path(__file__).parent / "results" / "quality-flip-decoders.json"
    out.write_text(json.dumps({"split": args.split, "photos": len(photos), "rows": rows}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
