"""Seconds to colorize one photo in memory at full resolution (default 1024×1024): old vs new, side by side.

    .venv/bin/python benchmarks/bench_colorize.py [--model default] [--size 1024] [--repeats 7] [--base main]

Variants (each its own process, interleaved; ``sidebyside.py``): ``old`` = the base commit's code (PyTorch),
``new-torch`` and ``new-onnx`` = this checkout with ``runtime="torch"`` / ``"onnx"``. Prints a table and writes
benchmarks/results/colorize-cpu.json.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import ROOT, base_src, interleave, print_table, summarize, write  # noqa: E402

WORKER = """
import numpy as np
from PIL import Image
import skimage.data
from chromalab.inference.colorizer import Colorizer

grey = Image.fromarray(skimage.data.astronaut()).convert("L").resize(({size}, {size}))
rgb = np.asarray(grey.convert("RGB"))
def setup():
    global col
    col = Colorizer.load({model!r}{runtime})
    col.colorize(rgb)
def step():
    col.colorize(rgb)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--base", default="main", help="Git ref whose merge-base is the old code.")
    args = ap.parse_args()
    new = ROOT / "src"
    variants = {
        "old": (base_src(args.base), WORKER.format(size=args.size, model=args.model, runtime="")),
        "new-torch": (new, WORKER.format(size=args.size, model=args.model, runtime=", runtime='torch'")),
        "new-onnx": (new, WORKER.format(size=args.size, model=args.model, runtime=", runtime='onnx'")),
    }
    rows = summarize(interleave(variants, args.repeats))
    for r in rows:
        r.update(size=args.size, model=args.model)
    print(f"colorize {args.size}x{args.size} uint8 in memory, model {args.model} (target new-onnx <= 0.15 s)")
    print_table(rows, ["variant", "median_s", "min_s", "max_s", "repeats"])
    write("colorize-cpu", {"rows": rows, "cpu": platform.processor() or platform.machine()})


if __name__ == "__main__":
    main()
