"""Peak server RSS under concurrent large uploads: the pixel budget (``max_pixels_in_flight``) vs none.

    .venv/bin/python benchmarks/bench_web_memory.py [--megapixels 40] [--clients 8] [--budgets 80,0]

For each budget (megapixels; 0 = unbounded) a fresh server process (uvicorn, the shipped default model, 2
workers, a queue as deep as the clients) receives ``--clients`` simultaneous uploads of one grey PNG of
``--megapixels``; its peak RSS is the kernel's ``VmHWM``. Prints a table, writes
benchmarks/results/web-memory.json.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

SERVE = """
import sys, uvicorn
from chromalab.web import WebSettings, create_app
port, budget, clients = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = WebSettings(workers=2, queue_size=clients, max_upload_bytes=100 * 2**20, max_pixels=60_000_000,
                max_pixels_in_flight=budget or 10**12, pixel_wait_seconds=600)
uvicorn.run(create_app(s), host="127.0.0.1", port=port, log_level="warning")
"""


def grey_png(megapixels: float) -> bytes:
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = int(megapixels * 1e6 / w)
    y, x = np.ogrid[:h, :w]
    img = ((x * 255 // w + y * 64 // h) % 256).astype(np.uint8) + np.zeros((h, 1), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def vm(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def run(budget_mp: int, data: bytes, clients: int) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(budget_mp * 1_000_000), str(clients)])
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        small = grey_png(0.01)
        httpx.post(url + "/api/colorize", files={"image": ("w.png", small)}, timeout=120)  # loads the model
        idle = vm(proc.pid, "VmRSS")

        def one(_):
            r = httpx.post(url + "/api/colorize", files={"image": ("p.png", data, "image/png")}, timeout=1800)
            return r.status_code

        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            codes = list(pool.map(one, range(clients)))
        wall = time.perf_counter() - t0
        peak = vm(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(30)
    return {"budget_mp": budget_mp or None, "clients": clients, "ok": codes.count(200),
            "statuses": sorted(set(codes)), "idle_rss_mb": round(idle / 2**20), "peak_rss_mb": round(peak / 2**20),
            "wall_s": round(wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megapixels", type=float, default=40)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--budgets", default="40,0", help="megapixels in flight per run; 0 = unbounded")
    args = ap.parse_args()
    data = grey_png(args.megapixels)
    rows = [run(int(b), data, args.clients) | {"megapixels": args.megapixels, "upload_mb": round(len(data) / 2**20, 1)}
            for b in args.budgets.split(",")]
    print(f"{'budget MP':>10} {'uploads':>8} {'MP each':>8} {'ok':>4} {'idle RSS MB':>12} {'peak RSS MB':>12} "
          f"{'wall s':>7}")
    for r in rows:
        print(f"{str(r['budget_mp'] or 'none'):>10} {r['clients']:>8} {r['megapixels']:>8} {r['ok']:>4} "
              f"{r['idle_rss_mb']:>12} {r['peak_rss_mb']:>12} {r['wall_s']:>7}")
    out = Path(__file__).parent / "results" / "web-memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
