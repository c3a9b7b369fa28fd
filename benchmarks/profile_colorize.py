"""Where the time of one colorize goes now: each step of ``chromalab.inference.pipeline``, timed alone.

    .venv/bin/python benchmarks/profile_colorize.py [--size 1024] [--repeats 7] [--runtime onnx]

The steps of a 1024×1024 grey uint8 photo with the shipped default (ONNX Runtime by default): L (the grey
table), the working copy, the network (flip averaging as the model folder says), the guided filter's
coefficients, the finish (upsampling, ab, gamut fitting, on row strips, threads as the pipeline runs them) and
8-bit rounding (in the pipeline it runs inside the strips); medians of
``--repeats``. Prints a table and writes benchmarks/results/profile-<runtime>.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import print_table, write  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--runtime", default="onnx")
    args = ap.parse_args()
    import skimage.data
    from PIL import Image

    from chromalab.inference import pipeline
    from chromalab.inference.colorizer import Colorizer

    grey = np.asarray(Image.fromarray(skimage.data.astronaut()).convert("L").resize((args.size, args.size)))
    col = Colorizer.load(runtime=args.runtime)
    steps, n = col.steps, args.size
    col.colorize(grey)
    times: dict[str, list[float]] = {}

    def timed(name, fn, *a):
        t = time.perf_counter()
        out = fn(*a)
        times.setdefault(name, []).append(time.perf_counter() - t)
        return out

    def finish(L, coef):  # as pipeline.colorize_lightness runs it: strips on STRIP_THREADS threads
        rows, out = pipeline.strip_rows(n), np.empty((n, n, 3), np.float32)

        def strip(y):
            out[y:y + rows] = steps.finish(L[y:y + rows], coef, y, n)

        pipeline._map_strips(strip, pipeline.row_strips(n, n))
        return out

    for _ in range(args.repeats):
        t0 = time.perf_counter()
        L = timed("lightness (grey table)", pipeline.image_lightness, grey, steps)
        low = timed("working copy (area)", pipeline.area_downsample, L, pipeline.work_shape(n, n, col.work_size))
        low = low[None, None]
        ab = timed(f"network{' (flip pair)' if col.settings.flip_average else ''}", col.predict, low)
        coef = timed("guided coefficients", steps.coefficients, ab, low)
        rgb = timed("finish (upsample, gamut; strips)", finish, L, coef)
        timed("8-bit rounding", pipeline.to_uint8, rgb)
        times.setdefault("sum of steps", []).append(time.perf_counter() - t0)
        timed("colorize() whole", col.colorize, grey)
    rows = [{"step": k, "median_ms": round(1000 * statistics.median(v), 1), "min_ms": round(1000 * min(v), 1)}
            for k, v in times.items()]
    print(f"colorize {n}x{n} grey uint8, shipped default, runtime {col.runtime}, work size {col.work_size}")
    print_table(rows, ["step", "median_ms", "min_ms"])
    write(f"profile-{col.runtime}", {"size": n, "runtime": col.runtime, "rows": rows})


if __name__ == "__main__":
    main()
