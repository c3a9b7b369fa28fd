"""Dynamic int8 (ONNX Runtime) and bf16 autocast (PyTorch, AMX) against fp32, before keeping either.

    .venv/bin/python benchmarks/bench_precision.py [--data ../shared/data/photos]

Network speed at 256×256 (variants interleaved, medians) and the largest ΔE2000 of a colorized photo against
the ONNX fp32 output (4 photos at 512×384). A variant is worth keeping only if faster and ΔE2000 < 0.5. Prints a
table; writes benchmarks/results/precision-cpu.json (and a scratch int8 ONNX file in a temporary folder).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import SHARED_DATA, write  # noqa: E402


class Bf16Runner:
    """The torch model under bf16 autocast (AMX on this CPU)."""

    runtime = "torch-bf16"

    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.model(x).float()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED_DATA / "photos")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from PIL import Image

    from chromalab.evaluation.metrics import delta_e2000
    from chromalab.inference.colorizer import Colorizer
    from chromalab.inference.runtime import OnnxRunner

    fp32 = Colorizer.load(runtime="onnx")
    int8_file = Path(tempfile.mkdtemp()) / "int8.onnx"
    quantize_dynamic(str(fp32.runner.path), str(int8_file), weight_type=QuantType.QUInt8)
    cols = {"onnx-fp32": fp32, "onnx-int8": Colorizer.load(runtime="onnx"),
            "torch-fp32": Colorizer.load(runtime="torch"), "torch-bf16": Colorizer.load(runtime="torch")}
    cols["onnx-int8"].runner = OnnxRunner(int8_file)
    cols["torch-bf16"].runner = Bf16Runner(cols["torch-bf16"].model)
    files = sorted(args.data.glob("*.jpg"))[:4]
    imgs = [np.asarray(Image.open(p).convert("L").convert("RGB").resize((512, 384))) for p in files]
    ref = [fp32.colorize(i) for i in imgs]
    x = torch.rand(1, 1, 256, 256) * 2 - 1
    times: dict[str, list[float]] = {k: [] for k in cols}
    with torch.inference_mode():
        for c in cols.values():
            c.runner(x)
        for _ in range(args.repeats):
            for k, c in cols.items():
                t0 = time.perf_counter()
                c.runner(x)
                times[k].append(time.perf_counter() - t0)
    rows = []
    for k, c in cols.items():
        de = max(delta_e2000(c.colorize(i) / 255.0, r / 255.0) for i, r in zip(imgs, ref, strict=True))
        rows.append({"variant": k, "network_median_s": statistics.median(times[k]), "max_delta_e2000": float(de)})
    print(f"{'variant':12} {'network s':>10} {'max dE2000':>11}")
    for r in rows:
        print(f"{r['variant']:12} {r['network_median_s']:>10.3f} {r['max_delta_e2000']:>11.3f}")
    write("precision-cpu", {"rows": rows})


if __name__ == "__main__":
    main()
