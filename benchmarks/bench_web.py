"""Requests per second of POST /api/colorize for 512×512 grey photos against a real local server: old vs new.

    .venv/bin/python benchmarks/bench_web.py [--model default] [--clients 4] [--requests 32] [--rounds 2]

Starts one server per variant (``old``: the base commit's code; ``new``: this checkout's, default runtime) as
its own process on a free port, then alternates rounds of ``--requests`` uploads from ``--clients`` concurrent
clients between them; reports the median round. Prints a table and writes benchmarks/results/web-cpu.json.
Target: new ≥ 6 req/s.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from sidebyside import ROOT, base_src, print_table, write  # noqa: E402

SERVER = """
import uvicorn
from chromalab.web import WebSettings, create_app
app = create_app(WebSettings(workers={workers}, queue_size={queue}))
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(src: Path, workers: int, queue: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(workers=workers, queue=queue, port=port)],
                            env={**os.environ, "PYTHONPATH": str(src)})
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server from {src} did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--base", default="main")
    args = ap.parse_args()
    import skimage.data

    grey = Image.fromarray(skimage.data.astronaut()).convert("L").resize((512, 512))
    buf = io.BytesIO()
    grey.save(buf, "PNG")
    data = buf.getvalue()
    servers = {name: start(src, args.workers, args.requests)
               for name, src in (("old", base_src(args.base)), ("new", ROOT / "src"))}

    def one(url: str) -> tuple[int, float]:
        with httpx.Client(timeout=300) as c:
            t0 = time.perf_counter()
            r = c.post(url + "/api/colorize", files={"image": ("p.png", data, "image/png")},
                       data={"model": args.model})
            return r.status_code, time.perf_counter() - t0

    rounds: dict[str, list[dict]] = {n: [] for n in servers}
    try:
        for _, url in servers.values():
            one(url)  # warm-up: loads the model
        for _ in range(args.rounds):
            for name, (_, url) in servers.items():
                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.clients) as pool:
                    results = list(pool.map(one, [url] * args.requests))
                wall = time.perf_counter() - t0
                ok = sum(1 for code, _ in results if code == 200)
                lat = [t for _, t in results]
                rounds[name].append({"ok": ok, "wall_s": wall, "requests_per_s": ok / wall,
                                     "latency_median_s": statistics.median(lat), "latency_max_s": max(lat)})
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    rows = []
    for name, rs in rounds.items():
        best = sorted(rs, key=lambda r: r["requests_per_s"])[len(rs) // 2]  # the median round
        rows.append({"variant": name, "model": args.model, "image": "512x512", "clients": args.clients,
                     "workers": args.workers, "requests": args.requests, **best, "rounds": len(rs)})
    print(f"POST /api/colorize 512x512, {args.clients} clients, {args.workers} workers (target new >= 6 req/s)")
    print_table(rows, ["variant", "ok", "requests_per_s", "latency_median_s", "latency_max_s", "rounds"])
    write("web-cpu", {"rows": rows})


if __name__ == "__main__":
    main()
