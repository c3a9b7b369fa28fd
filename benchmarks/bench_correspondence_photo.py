"""Speed and quality of the correspondence functions: exact (chunked bmm) vs PatchMatch.

Features are smooth random maps (B=1, C channels) the size of the matching grid of a photo of the given
working size (grid stride 4). Prints a table and writes benchmarks/results/correspondence.json.

    PYTHONPATH=src python benchmarks/bench_correspondence_photo.py [--sizes 64 96 128] [--channels 176]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from chromalab.ops.correspondence import match_exact, match_patchmatch


def smooth(seed: int, c: int, h: int, w: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return F.avg_pool2d(torch.randn(1, c, h + 4, w + 4, generator=g), 5, 1)


def timed(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 192, 256], help="image side in pixels")
    ap.add_argument("--channels", type=int, default=176, help="feature channels (default: EfficientNet levels 0-2)")
    ap.add_argument("--iters", type=int, default=8)
    args = ap.parse_args()
    rows = []
    print(f"{'image':>6} {'grid':>6} {'exact s':>9} {'pm s':>9} {'pm/exact sim':>13}")
    for size in args.sizes:
        g = size // 4
        ft, fr = smooth(0, args.channels, g, g), smooth(1, args.channels, g, g)
        te, exact = timed(lambda ft=ft, fr=fr: match_exact(ft, fr))
        tp, pm = timed(lambda ft=ft, fr=fr: match_patchmatch(ft, fr, iters=args.iters))
        ratio = float(pm.similarity.mean() / exact.similarity.mean())
        rows.append({"image": size, "grid": g, "exact_s": te, "patchmatch_s": tp, "similarity_ratio": ratio})
        print(f"{size:>6} {g:>6} {te:>9.3f} {tp:>9.3f} {ratio:>13.3f}")
    out = Path(__file__).parent / "results" / "correspondence.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"channels": args.channels, "iters": args.iters, "threads": torch.get_num_threads(),
                               "machine": platform.processor() or platform.machine(), "rows": rows}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
