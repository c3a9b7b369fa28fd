"""A folder of one-megapixel JPEGs end to end through ``chromalab colorize``: photos per second, old vs new.

    .venv/bin/python benchmarks/bench_folder.py [--photos 50] [--data ../shared/data/photos] [--rounds 2]

Makes ``--photos`` grey 1-MP JPEGs from ``--data`` (cycled) in a temporary folder, then runs the CLI on it,
old (base commit) and new (this checkout) alternating, each round into a fresh output folder; wall time of the
whole command (start-up and model loading included). Target: new ≥ 5 photos/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import ROOT, SHARED_DATA, base_src, print_table, write  # noqa: E402


def make_folder(data: Path, n: int, out: Path) -> None:
    from PIL import Image

    files = sorted(p for p in data.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    for i in range(n):
        im = Image.open(files[i % len(files)]).convert("L")
        scale = (1e6 / (im.width * im.height)) ** 0.5
        im.resize((round(im.width * scale), round(im.height * scale))).save(out / f"p{i:03d}.jpg", quality=90)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=50)
    ap.add_argument("--data", type=Path, default=SHARED_DATA / "photos")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--base", default="main")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chromalab-folder-"))
    (tmp / "in").mkdir()
    make_folder(args.data, args.photos, tmp / "in")
    srcs = {"old": base_src(args.base), "new": ROOT / "src"}
    times: dict[str, list[float]] = {n: [] for n in srcs}
    for r in range(args.rounds):
        for name, src in srcs.items():
            cmd = [sys.executable, "-c", "from chromalab.cli import main; main()", "colorize", str(tmp / "in"),
                   "--out", str(tmp / f"out-{name}-{r}")]
            t0 = time.perf_counter()
            subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(src)}, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    rows = [{"variant": n, "median_s": statistics.median(t), "photos_per_s": args.photos / statistics.median(t),
             "rounds": len(t)} for n, t in times.items()]
    print(f"chromalab colorize: {args.photos} one-megapixel JPEGs, whole command (target new >= 5 photos/s)")
    print_table(rows, ["variant", "median_s", "photos_per_s", "rounds"])
    write("folder-cpu", {"photos": args.photos, "rows": rows})


if __name__ == "__main__":
    main()
