"""Old and new code measured side by side in one run, so a shared, noisy machine treats both alike.

Each variant is a long-lived worker process with its own ``PYTHONPATH`` (``old``: the base commit's ``src``,
unpacked with ``git archive``; ``new``: this checkout's). The parent sends "go" to the workers in turn
(interleaved repeats: old, new, old, new, ...) and each answers with the seconds one call took; the table
reports medians. A worker is a snippet that defines ``setup()`` (run once, untimed) and ``step()`` (timed).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
SHARED_DATA = ROOT.parent / "shared" / "data"  # ../shared/data beside the checkout, as CI lays it out
SHARED_NOTE = ("machine: 2 CPU cores (the load average when the run ended is in load_average: under ~1 the "
               "machine was otherwise idle); old and new interleaved in one run, medians reported")

_LOOP = """
import sys, time
setup()
print("ready", flush=True)
for line in sys.stdin:
    t0 = time.perf_counter()
    step()
    print(time.perf_counter() - t0, flush=True)
"""


def base_src(ref: str = "main") -> Path:
    """The ``src`` folder of ``git merge-base HEAD ref``, unpacked into a temporary folder (kept for the run)."""
    base = subprocess.run(["git", "merge-base", "HEAD", ref], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    out = Path(tempfile.mkdtemp(prefix=f"chromalab-{base[:8]}-"))
    archive = subprocess.run(["git", "archive", base, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


def interleave(variants: dict[str, tuple[Path, str]], repeats: int) -> dict[str, list[float]]:
    """``{name: (src folder, snippet)}`` → ``{name: [seconds per step]}``, steps interleaved across variants."""
    procs = {}
    for name, (src, code) in variants.items():
        env = {**os.environ, "PYTHONPATH": str(src)}
        procs[name] = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code) + _LOOP], env=env, text=True,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        for name, p in procs.items():
            line = p.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"worker {name} failed to start")
        times: dict[str, list[float]] = {n: [] for n in procs}
        for _ in range(repeats):
            for name, p in procs.items():
                p.stdin.write("go\n")
                p.stdin.flush()
                times[name].append(float(p.stdout.readline()))
        return times
    finally:
        for p in procs.values():
            p.stdin.close()
            p.wait(timeout=60)


def summarize(times: dict[str, list[float]]) -> list[dict]:
    return [{"variant": n, "median_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "repeats": len(t)}
            for n, t in times.items()]


def print_table(rows: list[dict], columns: list[str]) -> None:
    print(" ".join(f"{c:>14}" for c in columns))
    for r in rows:
        print(" ".join(f"{r[c]:>14.3f}" if isinstance(r[c], float) else f"{str(r[c]):>14}" for c in columns))


def write(name: str, payload: dict, note: str = SHARED_NOTE) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    load = [round(x, 2) for x in os.getloadavg()]
    out.write_text(json.dumps({**payload, "note": note, "load_average": load}, indent=2) + "\n")
    print(f"{note}\nwritten {out}")
    return out
