"""Requests per second of POST /api/colorize for 512×512 grey photos against a real local server.

    .venv/bin/python benchmarks/bench_web.py [--model default] [--clients 4] [--requests 32]

Starts the app with uvicorn on 127.0.0.1 (a free port), sends ``--requests`` uploads from ``--clients``
concurrent clients, prints a table and writes benchmarks/results/web-cpu.json.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from PIL import Image

from chromalab.web import WebSettings, create_app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import skimage.data
    grey = Image.fromarray(skimage.data.astronaut()).convert("L").resize((512, 512))
    buf = io.BytesIO()
    grey.save(buf, "PNG")
    data = buf.getvalue()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(WebSettings(workers=args.workers, queue_size=args.requests))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/api/colorize"

    def one(_):
        with httpx.Client(timeout=120) as c:
            t0 = time.perf_counter()
            r = c.post(url, files={"image": ("p.png", data, "image/png")}, data={"model": args.model})
            return r.status_code, time.perf_counter() - t0

    one(0)  # warm-up: loads the model
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        results = list(pool.map(one, range(args.requests)))
    wall = time.perf_counter() - t0
    server.should_exit = True
    ok = sum(1 for code, _ in results if code == 200)
    lat = [t for _, t in results]
    row = {"model": args.model, "image": "512x512", "clients": args.clients, "workers": args.workers,
           "requests": args.requests, "ok": ok, "wall_s": wall, "requests_per_s": ok / wall,
           "latency_median_s": statistics.median(lat), "latency_max_s": max(lat)}
    print(f"{'model':10} {'clients':>7} {'workers':>7} {'ok':>5} {'req/s':>7} {'median s':>9} {'max s':>7}")
    print(f"{row['model']:10} {args.clients:>7} {args.workers:>7} {ok:>5} {row['requests_per_s']:>7.2f} "
          f"{row['latency_median_s']:>9.3f} {row['latency_max_s']:>7.3f}")
    out = Path(__file__).parent / "results" / "web-cpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
