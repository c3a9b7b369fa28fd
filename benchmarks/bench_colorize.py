"""Seconds to colorize one photo at full resolution on this machine (default 1024×1024).

    .venv/bin/python benchmarks/bench_colorize.py [--model default] [--size 1024] [--repeats 5]

Prints a table and writes benchmarks/results/colorize-<device>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import skimage.data
    from PIL import Image

    from chromalab.inference.colorizer import Colorizer

    grey = Image.fromarray(skimage.data.astronaut()).convert("L").resize((args.size, args.size))
    rgb = np.repeat(np.asarray(grey, dtype=np.float32)[..., None] / 255.0, 3, 2)
    col = Colorizer.load(args.model)
    col.colorize(rgb)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        col.colorize(rgb)
        times.append(time.perf_counter() - t0)
    device = "cuda" if col.device.type == "cuda" else "cpu"
    row = {"model": args.model, "size": args.size, "work_size": col.work_size, "device": device,
           "threads": torch.get_num_threads(), "median_s": statistics.median(times), "min_s": min(times),
           "max_s": max(times), "repeats": args.repeats, "cpu": platform.processor() or platform.machine(),
           "torch": torch.__version__}
    head = ("model", "size", "work", "device", "threads", "median s", "min s", "max s")
    print(f"{head[0]:12} " + " ".join(f"{h:>8}" for h in head[1:]))
    timing = (f"{row[k]:.3f}" for k in ("median_s", "min_s", "max_s"))
    cells = (row["size"], row["work_size"], device, row["threads"], *timing)
    print(f"{row['model']:12} " + " ".join(f"{c:>8}" for c in cells))
    out = Path(__file__).parent / "results" / f"colorize-{device}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
