"""Near-duplicate search of the dataset builder: the old Python scan vs ``DHashIndex`` (numpy, multi-index).

    .venv/bin/python benchmarks/bench_dedup.py [--n 100000] [--bits 4] [--old-max 10000]

Feeds N random 64-bit dHashes (a tenth of them near copies of earlier ones) one by one, as the builder does:
"near any kept?" then keep. The old scan is O(N²) in Python; above ``--old-max`` its time is extrapolated
quadratically from the largest measured N (marked ``~``). Prints a table, writes benchmarks/results/dedup.json.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from chromalab.data.build.filters import DHashIndex, hamming


def hashes(n: int, bits: int, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    out: list[int] = []
    for _ in range(n):
        if out and rng.random() < 0.1:
            h = rng.choice(out)
            for b in rng.sample(range(64), rng.randint(0, bits)):
                h ^= 1 << b
        else:
            h = rng.getrandbits(64)
        out.append(h)
    return out


def old(hs: list[int], bits: int) -> int:
    kept: list[int] = []
    for d in hs:
        if not any(hamming(d, k) <= bits for k in kept):
            kept.append(d)
    return len(kept)


def new(hs: list[int], bits: int) -> int:
    index = DHashIndex(bits)
    for d in hs:
        if not index.near(d):
            index.add(d)
    return len(index)


def timed(fn, *args) -> tuple[float, int]:
    t = time.perf_counter()
    kept = fn(*args)
    return time.perf_counter() - t, kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--old-max", type=int, default=10_000)
    args = ap.parse_args()
    sizes = sorted({s for s in (1_000, 10_000, args.n) if s <= args.n})
    rows, last_old = [], None
    for n in sizes:
        hs = hashes(n, args.bits)
        t_new, kept_new = timed(new, hs, args.bits)
        if n <= args.old_max:
            t_old, kept_old = timed(old, hs, args.bits)
            assert kept_old == kept_new, (kept_old, kept_new)
            last_old, measured = (n, t_old), True
        else:
            t_old, measured = last_old[1] * (n / last_old[0]) ** 2, False
        rows.append({"n": n, "bits": args.bits, "kept": kept_new, "old_s": round(t_old, 3), "old_measured": measured,
                     "new_s": round(t_new, 3), "speedup": round(t_old / t_new, 1)})
    print(f"{'hashes':>8} {'kept':>8} {'old scan (s)':>14} {'DHashIndex (s)':>15} {'speed-up':>9}")
    for r in rows:
        old_s = ("" if r["old_measured"] else "~") + f"{r['old_s']:.3f}"
        print(f"{r['n']:>8} {r['kept']:>8} {old_s:>14} {r['new_s']:>15.3f} {r['speedup']:>8.0f}×")
    out = Path(__file__).parent / "results" / "dedup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
