"""Peak memory (max RSS) and seconds to colorize one 24-megapixel photo (6000×4000, uint8 in memory): old vs new.

    .venv/bin/python benchmarks/bench_memory.py [--megapixels 24] [--base main]

Each variant runs in its own fresh process (peak RSS is per process: ``resource.getrusage``); ``old`` is the
base commit's code, ``new`` this checkout's (default runtime: ONNX Runtime for the shipped default). Prints a
table and writes benchmarks/results/memory-24mp.json. Target: new < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import ROOT, base_src, write  # noqa: E402

CODE = """
import json, resource, time
import numpy as np
from chromalab.inference.colorizer import Colorizer
h, w = {h}, {w}
ramp_y = (np.arange(h) * 127 // h).astype(np.uint8)
ramp_x = (np.arange(w) * 128 // w).astype(np.uint8)
img = np.repeat(np.add.outer(ramp_y, ramp_x)[..., None], 3, 2)  # 72 MB, no larger temporaries
col = Colorizer.load()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
out = col.colorize(img)
s = time.perf_counter() - t0
print(json.dumps({{"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "loaded_mb": before,
                   "seconds": s, "shape": list(out.shape)}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megapixels", type=float, default=24)
    ap.add_argument("--base", default="main")
    args = ap.parse_args()
    w = int(round((args.megapixels * 1e6 * 1.5) ** 0.5))
    h = int(round(args.megapixels * 1e6 / w))
    rows = []
    for name, src in (("old", base_src(args.base)), ("new", ROOT / "src")):
        res = subprocess.run([sys.executable, "-c", CODE.format(h=h, w=w)], env={**os.environ, "PYTHONPATH": str(src)},
                             capture_output=True, text=True)
        if res.returncode != 0:
            rows.append({"variant": name, "error": res.stderr.strip().splitlines()[-1:]})
            continue
        rows.append({"variant": name, **json.loads(res.stdout.strip().splitlines()[-1])})
    print(f"colorize {w}x{h} ({args.megapixels:g} MP) uint8 in memory, fresh process each (target new < 1500 MB)")
    print(f"{'variant':>8} {'peak MB':>9} {'after load MB':>14} {'seconds':>8}")
    for r in rows:
        if "error" in r:
            print(f"{r['variant']:>8} failed: {r['error']}")
        else:
            print(f"{r['variant']:>8} {r['peak_mb']:>9.0f} {r['loaded_mb']:>14.0f} {r['seconds']:>8.2f}")
    write("memory-24mp", {"size": [w, h], "rows": rows}, note="machine: 2 CPU cores shared with other engineers' "
          "jobs; old then new, each in a fresh process (peak RSS does not depend on the load; seconds do)")


if __name__ == "__main__":
    main()
