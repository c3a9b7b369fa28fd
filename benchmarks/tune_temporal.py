"""Choose ``TemporalSettings`` on a validation set by the rule fixed in docs/video.md (before tuning).

    .venv/bin/python benchmarks/tune_temporal.py [--frames 60]

Validation: the first two real videos in alphabetical order and the synthetic pan. The model's per-frame ab
is computed once per sequence and cached; everything after the network is the production path
(``VideoColorizer``). Rule: among settings keeping colourfulness >= 90 % of per-frame and MAE <= 2 % above
per-frame (validation means), the lowest mean RGB warping error; within 1 % of the best, a cheaper flow
preset, then a lower alpha, wins. Prints one line per setting and the choice; writes
benchmarks/results/tune_temporal.json.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from bench_video import PAN, PAN_PHOTO, SHARED_DATA, load_sequences

from chromalab.evaluation.video import colorize_sequence, input_flows, video_metrics
from chromalab.inference.load import load_colorizer
from chromalab.inference.temporal import TemporalSettings
from chromalab.inference.video import VideoColorizer

PRESETS = {"ULTRAFAST": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "FAST": cv2.DISOPTICAL_FLOW_PRESET_FAST,
           "MEDIUM": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}  # cheapest first
ALPHAS = (0.85, 0.9, 0.95)
SIGMAS = (6.0, 12.0)
KEYS = ("warping_error", "warping_error_ab", "cdc", "colourfulness", "mae")


class CachedColorizer:
    """Wraps a colorizer: the same ``predict`` answers, computed once per distinct input batch."""

    def __init__(self, colorizer: Any):
        self.colorizer, self.cache = colorizer, {}

    @property
    def work_size(self) -> int:
        return self.colorizer.work_size

    @property
    def steps(self) -> Any:
        return self.colorizer.steps

    def predict(self, L: np.ndarray, reference: Any = None) -> np.ndarray:
        key = hashlib.sha1(np.ascontiguousarray(L).tobytes()).hexdigest()
        if key not in self.cache:
            self.cache[key] = self.colorizer.predict(L, reference)
        return self.cache[key].copy()


def run(col: Any, frames: list[np.ndarray], flows: Any, settings: TemporalSettings | None) -> dict[str, float]:
    """Metrics of one sequence colorized per frame (``settings`` None) or with ``settings``."""
    if settings is None:
        out, _ = colorize_sequence(col, frames, temporal=False)
    else:
        out = list(VideoColorizer(col, temporal=True, settings=settings).colorize_frames(frames))
    m = video_metrics(frames, out, flows, de_every=0)
    return {k: m[k] for k in KEYS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--videos", type=Path, default=SHARED_DATA / "videos")
    ap.add_argument("--photo", type=Path, default=PAN_PHOTO)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "tune_temporal.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    seqs = load_sequences(args.videos, args.frames, args.photo)
    names = [n for n in seqs if n != PAN][:2] + [PAN]
    col = CachedColorizer(load_colorizer(args.model))
    flows = {n: input_flows(seqs[n]) for n in names}
    base = {n: run(col, seqs[n], flows[n], None) for n in names}
    off = {k: float(np.mean([base[n][k] for n in names])) for k in KEYS}
    print(f"validation: {', '.join(names)}; per-frame means: " + ", ".join(f"{k} {v:.5g}" for k, v in off.items()))
    results = []
    for (pname, preset), alpha, sigma in itertools.product(PRESETS.items(), ALPHAS, SIGMAS):
        s = TemporalSettings(alpha=alpha, l_sigma=sigma, preset=preset)
        per = {n: run(col, seqs[n], flows[n], s) for n in names}
        on = {k: float(np.mean([per[n][k] for n in names])) for k in KEYS}
        ok = on["colourfulness"] / off["colourfulness"] >= 0.90 and on["mae"] / off["mae"] - 1 <= 0.02
        results.append({"preset": pname, "alpha": alpha, "l_sigma": sigma, "means": on, "per_sequence": per,
                        "admissible": ok})
        print(f"{pname:<9} alpha {alpha:.2f} sigma {sigma:>4.1f}: warping {on['warping_error']:.5g} "
              f"({100 * (on['warping_error'] / off['warping_error'] - 1):+.1f} %), "
              f"ab {100 * (on['warping_error_ab'] / off['warping_error_ab'] - 1):+.1f} %, "
              f"cdc {100 * (on['cdc'] / off['cdc'] - 1):+.1f} %, "
              f"colourfulness {100 * on['colourfulness'] / off['colourfulness']:.1f} %, "
              f"mae {100 * (on['mae'] / off['mae'] - 1):+.2f} %{'' if ok else '  (not admissible)'}", flush=True)
    admissible = [r for r in results if r["admissible"]]
    best = min(r["means"]["warping_error"] for r in admissible)
    near = [r for r in admissible if r["means"]["warping_error"] <= 1.01 * best]
    choice = min(near, key=lambda r: (list(PRESETS).index(r["preset"]), r["alpha"], r["means"]["warping_error"]))
    print(f"choice: preset {choice['preset']}, alpha {choice['alpha']}, l_sigma {choice['l_sigma']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"validation": names, "frames": args.frames, "per_frame": base,
                                    "per_frame_means": off, "results": results, "choice": choice}, indent=2) + "\n")


if __name__ == "__main__":
    main()
