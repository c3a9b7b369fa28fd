"""Correspondence speed: naive seed-style loop vs our exact matcher (fp32, bf16) vs PatchMatch.

On CUDA it also times the fused Triton kernel (``correspondence_triton``; TF32 and bf16 products).

    .venv/bin/python benchmarks/bench_correspondence.py            # seed shape [96, 64, 64, 64] + small
    .venv/bin/python benchmarks/bench_correspondence.py --quick    # small shape only

Features are smooth random fields (like a CNN's: neighbours correlate) and the reference is a shifted,
noisy copy of the target, so there is a true match to find. Prints a table (median and spread of
``--repeats`` runs, speed-up over the naive loop, agreement of the match field with exact fp32, mean
similarity reached) and writes JSON under benchmarks/results/.

The naive loop (one target patch at a time against every reference patch, as in the seed thesis) takes
minutes on the seed shape, so by default it is timed on the first ``--naive-positions`` target
positions of every image and scaled to all positions; the table says so ("extrapolated").
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from chromalab.ops.correspondence import match_exact, match_patchmatch, normalize_features
from chromalab.ops.correspondence.common import _unfold


def triton_ok() -> bool:
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


def features(shape: tuple[int, int, int, int], seed: int = 0, device: str = "cpu"):
    g = torch.Generator().manual_seed(seed)
    B, C, H, W = shape
    ft = F.avg_pool2d(torch.randn(B, C, H, W, generator=g), 5, 1, 2)
    fr = torch.roll(ft, shifts=(H // 8, -W // 10), dims=(2, 3)) + 0.1 * ft.std() * torch.randn(B, C, H, W,
                                                                                              generator=g)
    return ft.to(device), fr.to(device)


def naive(ft: torch.Tensor, fr: torch.Tensor, positions: int | None = None) -> tuple[torch.Tensor, int]:
    """Seed style: for each target position, its 3×3 patch against all reference patches, then argmax."""
    B, C, H, W = ft.shape
    tp = _unfold(normalize_features(ft))  # (B, K, HW)
    rp = _unfold(normalize_features(fr))  # (B, K, HrWr)
    n = H * W if positions is None else min(positions, H * W)
    idx = torch.zeros(B, n, dtype=torch.long, device=ft.device)
    for p in range(n):
        sim = (tp[:, :, p:p + 1] * rp).sum(1)  # (B, HrWr)
        idx[:, p] = sim.argmax(1)
    return idx, n


def timed(fn, repeats: int, sync) -> tuple[list[float], object]:
    out = fn()  # warm-up (and compile on first use)
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        sync()
        times.append(time.perf_counter() - t0)
    return times, out


def run_shape(shape, device: str, repeats: int, naive_positions: int) -> list[dict]:
    ft, fr = features(shape, device=device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    rows = []
    B, C, H, W = shape
    t_naive, (_, n) = timed(lambda: naive(ft, fr, naive_positions), 1, sync)
    scale = (H * W) / n
    naive_s = statistics.median(t_naive) * scale
    rows.append({"method": "naive loop (seed style)", "median_s": naive_s, "spread_s": 0.0,
                 "extrapolated": scale > 1, "agreement": None, "mean_similarity": None})
    t_ref, ref = timed(lambda: match_exact(ft, fr, backend="torch"), repeats, sync)
    variants = [("exact fp32", t_ref, ref)]
    low = torch.bfloat16
    t_bf, bf = timed(lambda: match_exact(ft, fr, dtype=low, backend="torch"), repeats, sync)
    variants.append(("exact bf16", t_bf, bf))
    if device == "cuda" and triton_ok():
        for name, dt in (("triton tf32", None), ("triton bf16", low)):
            times, m = timed(lambda dt=dt: match_exact(ft, fr, dtype=dt, backend="triton"), repeats, sync)
            variants.append((name, times, m))
    t_pm, pm = timed(lambda: match_patchmatch(ft, fr, iters=5), repeats, sync)
    variants.append(("patchmatch (5 iters)", t_pm, pm))
    for name, times, m in variants:
        rows.append({"method": name, "median_s": statistics.median(times),
                     "spread_s": max(times) - min(times), "extrapolated": False,
                     "agreement": float((m.index == ref.index).float().mean()),
                     "mean_similarity": float(m.similarity.mean())})
    for r in rows:
        r.update({"shape": list(shape), "device": device, "speedup_vs_naive": naive_s / r["median_s"]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small shape only")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--naive-positions", type=int, default=64,
                    help="target positions the naive loop is timed on (0 = all)")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    shapes = [(8, 64, 32, 32)] + ([] if args.quick else [(96, 64, 64, 64)])
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        for shape in shapes:
            rows += run_shape(shape, device, args.repeats, args.naive_positions or 10**9)
    head = f"{'device':6} {'shape':18} {'method':24} {'median s':>10} {'spread s':>9} {'× naive':>8} " \
           f"{'agree':>7} {'mean sim':>9}"
    print(head)
    print("-" * len(head))
    for r in rows:
        agree = "-" if r["agreement"] is None else f"{100 * r['agreement']:.2f}%"
        sim = "-" if r["mean_similarity"] is None else f"{r['mean_similarity']:.4f}"
        med = f"{r['median_s']:.4g}" + ("*" if r["extrapolated"] else "")
        print(f"{r['device']:6} {str(r['shape']):18} {r['method']:24} {med:>10} {r['spread_s']:>9.3g} "
              f"{r['speedup_vs_naive']:>8.1f} {agree:>7} {sim:>9}")
    if any(r["extrapolated"] for r in rows):
        print(f"* naive timed on {args.naive_positions} target positions per image, scaled to all positions")
    meta = {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "cpu": platform.processor() or platform.machine(),
            "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None}
    tag = "cuda" if torch.cuda.is_available() else "cpu"
    out = Path(__file__).parent / "results" / f"correspondence-{tag}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
