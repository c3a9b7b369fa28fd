"""Cold start: seconds for a fresh process to import chromalab, load the default and colorize one photo.

    .venv/bin/python benchmarks/bench_coldstart.py [--repeats 5] [--base main]

Runs ``python -c "from chromalab import Colorizer; Colorizer.load().colorize(img)"`` (img: 1024×1024 uint8
made with NumPy) in a fresh process, old (base commit) and new (this checkout) alternating; wall time of the
whole process, interpreter start included. Prints a table and writes benchmarks/results/coldstart-cpu.json.
Target: new ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import ROOT, base_src, print_table, write  # noqa: E402

CODE = ("import numpy as np; from chromalab import Colorizer; "
        "img = np.tile(np.arange(1024, dtype=np.uint8)[None, :, None] // 4, (1024, 1, 3)); "
        "Colorizer.load().colorize(img)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--base", default="main")
    args = ap.parse_args()
    srcs = {"old": base_src(args.base), "new": ROOT / "src"}
    times: dict[str, list[float]] = {n: [] for n in srcs}
    for _ in range(args.repeats):
        for name, src in srcs.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", CODE], env={**os.environ, "PYTHONPATH": str(src)}, check=True,
                           capture_output=True)
            times[name].append(time.perf_counter() - t0)
    rows = [{"variant": n, "median_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "repeats": len(t)}
            for n, t in times.items()]
    print("cold start: fresh process, import + Colorizer.load() + colorize 1024x1024 (target new <= 1.5 s)")
    print_table(rows, ["variant", "median_s", "min_s", "max_s", "repeats"])
    write("coldstart-cpu", {"rows": rows})


if __name__ == "__main__":
    main()
