"""Per-frame vs temporal video colorizing: speed at 640×360 and temporal consistency vs colour.

    .venv/bin/python benchmarks/bench_video.py [--videos ../shared/data/videos] [--frames 30]

Colour videos are made grey, colorized with temporal consistency off and on, and compared (warping error
and CDC: lower is steadier; colourfulness; MAE against the colour original). A synthetic pan over a photo
(640×360, 4 px per frame) is added, and end-to-end fps (decode → colorize → H.264 encode) is measured on
it. Prints a table and writes benchmarks/results/video.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from chromalab.core import lab
from chromalab.evaluation.video import (
    REFERENCE_NAMES,
    colorize_sequence,
    grey_frames,
    input_flows,
    reference_rows,
    video_metrics,
    warping_error,
)
from chromalab.inference.load import load_colorizer
from chromalab.inference.pipeline import working_lightness
from chromalab.inference.temporal import TemporalBlender, TemporalSettings
from chromalab.inference.video import colorize_video, read_frames

sys.path.insert(0, str(Path(__file__).parent))
from clips import pan_over, write_mp4  # noqa: E402
from sidebyside import SHARED_DATA  # noqa: E402

PAN_PHOTO = SHARED_DATA / "photos" / "enlightenment-data__Red-Maple.jpg"  # the synthetic pan's photo

PAN = "pan 640x360 (synthetic)"
COLS = ("fps", "warping_error", "warping_error_fast_flow", "warping_error_ab", "cdc", "cdc_ab", "colourfulness",
        "mae")
OLD_SETTINGS = TemporalSettings(alpha=0.85, l_sigma=6.0, preset=cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)  # before tuning


def cells(row: dict) -> str:
    return " ".join(f"{row[c]:>13.5g}" if c in row else f"{'-':>13}" for c in COLS)


def share(x: float | None) -> str:
    return "n/a, grey is not lower" if x is None else f"{100 * x:.0f} %"


def compare(means: dict[str, dict[str, float]], mode: str) -> dict[str, float]:
    """``mode`` against per-frame (``off``), and the share of the part above the grey floor it removes."""
    on, off, grey = means[mode], means["off"], means["grey input"]

    def removable(k: str) -> float | None:  # None where the grey input is no floor (its value is not lower)
        return (off[k] - on[k]) / (off[k] - grey[k]) if off[k] > grey[k] else None

    return {"warping_error_reduction": 1 - on["warping_error"] / off["warping_error"],
            "warping_error_removable": removable("warping_error"),
            "warping_error_ab_reduction": 1 - on["warping_error_ab"] / off["warping_error_ab"],
            "cdc_reduction": 1 - on["cdc"] / off["cdc"],
            "cdc_removable": removable("cdc"),
            "cdc_ab_reduction": 1 - on["cdc_ab"] / off["cdc_ab"],
            "colourfulness_ratio": on["colourfulness"] / off["colourfulness"],
            "mae_increase": on["mae"] / off["mae"] - 1}


def pan_frames(photo: Path, n: int, w: int = 640, h: int = 360, step: int = 4) -> list[np.ndarray]:
    return pan_over(Image.open(photo), n, w, h, step)


def load_sequences(videos: Path, frames: int, photo: Path, max_width: int = 640) -> dict[str, list[np.ndarray]]:
    """The first ``frames`` frames of each video in ``videos`` (wider ones scaled to ``max_width``) and the
    synthetic pan over ``photo``, as uint8 RGB frames by name."""
    seqs: dict[str, list[np.ndarray]] = {}
    for v in sorted(videos.iterdir()):
        seq = list(read_frames(v, frames))
        if seq[0].shape[1] > max_width:
            s = max_width / seq[0].shape[1]
            size = (max_width, round(seq[0].shape[0] * s / 2) * 2)
            seq = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in seq]
        seqs[v.name] = seq
    seqs[PAN] = pan_frames(photo, frames)
    return seqs


def temporal_step_ms(frames: list[np.ndarray], work_size: int) -> float:
    """Median milliseconds of one ``TemporalBlender.step`` (default settings) on working-size frames."""
    blender = TemporalBlender()
    times = []
    for f in frames:
        L = lab.grey_l(torch.from_numpy(f).permute(2, 0, 1)[None].float() / 255)[0, 0].numpy()
        low, _ = working_lightness(L, work_size)
        ab = np.zeros((1, 2, *low.shape[-2:]), np.float32)
        t0 = time.perf_counter()
        blender.step(low, ab)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times[1:]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--videos", type=Path, default=SHARED_DATA / "videos")
    ap.add_argument("--photo", type=Path, default=PAN_PHOTO)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--max-width", type=int, default=640, help="larger videos are scaled down to this width")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "video.json")
    ap.add_argument("--threads", type=int, default=1, help="torch and OpenCV threads (1: a shared machine)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    col = load_colorizer(args.model)
    seqs = load_sequences(args.videos, args.frames, args.photo, args.max_width)

    modes = {"off": None, "on (old)": OLD_SETTINGS, "on": TemporalSettings()}
    rows = []
    for name, truth in seqs.items():
        flows = input_flows(truth)
        fast = input_flows(truth, dis=cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST))
        size = f"{truth[0].shape[1]}x{truth[0].shape[0]}"
        for ref in reference_rows(name, truth, flows):
            ref_frames = truth if ref["model"] == REFERENCE_NAMES["truth"] else grey_frames(truth)
            rows.append({"video": name, "size": size, "frames": len(truth), "mode": ref["model"],
                         **{k: ref[k] for k in ("warping_error", "warping_error_ab", "cdc", "cdc_ab")},
                         "warping_error_fast_flow": warping_error(ref_frames, fast)})
        for mode, settings in modes.items():
            out, fps = colorize_sequence(col, truth, settings is not None, settings=settings)
            m = video_metrics(truth, out, flows, de_every=0)
            rows.append({"video": name, "size": size, "frames": len(truth), "mode": mode, "fps": fps, **m,
                         "warping_error_fast_flow": warping_error(out, fast)})
    step_ms = temporal_step_ms(seqs[PAN], col.work_size)
    e2e = {}
    with tempfile.TemporaryDirectory() as d:
        src = write_mp4(seqs[PAN], Path(d) / "pan.mp4")
        for temporal in (False, True):
            e2e[temporal] = colorize_video(src, Path(d) / f"pan_{temporal}.mp4", col, temporal=temporal).fps

    groups = {"real videos": [n for n in seqs if n != PAN], "synthetic pan": [PAN]}
    all_modes = [*REFERENCE_NAMES.values(), *modes]
    summary = {g: {mode: {k: float(np.mean([r[k] for r in rows if r["video"] in names and r["mode"] == mode]))
                          for k in COLS if all(k in r for r in rows if r["video"] in names and r["mode"] == mode)}
                   for mode in all_modes} for g, names in groups.items()}
    change = {g: {mode: compare(summary[g], mode) for mode in ("on (old)", "on")} for g in groups}
    new = change["real videos"]["on"]
    targets = {
        "fps_640x360_end_to_end >= 8 (temporal on)": e2e[True] >= 8,
        "warping error -30 % (real videos)": new["warping_error_reduction"] >= 0.30,
        "CDC -30 % (real videos)": new["cdc_reduction"] >= 0.30,
        "warping error -30 % (synthetic pan)": change["synthetic pan"]["on"]["warping_error_reduction"] >= 0.30,
        "CDC -30 % (synthetic pan)": change["synthetic pan"]["on"]["cdc_reduction"] >= 0.30,
        "colourfulness >= 90 % (real videos)": new["colourfulness_ratio"] >= 0.90,
        "MAE not > 2 % higher (real videos)": new["mae_increase"] <= 0.02,
    }

    head = f"{'video':<26} {'size':>9} {'output':>11} " + " ".join(f"{c:>13}" for c in COLS)
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['video'][:26]:<26} {r['size']:>9} {r['mode']:>11} " + cells(r))
    for g in groups:
        for mode in all_modes:
            print(f"{'mean ' + g:<26} {'':>9} {mode:>11} " + cells(summary[g][mode]))
    print(f"\nend to end (decode → colorize → encode) 640x360, {args.frames} frames: "
          f"off {e2e[False]:.2f} fps, on {e2e[True]:.2f} fps; the temporal step alone (flows both ways, warp, "
          f"mask, blend) {step_ms:.1f} ms a frame at working size")
    for g in groups:
        for mode in ("on (old)", "on"):
            c = change[g][mode]
            print(f"{g}, {mode} vs off: warping error {-100 * c['warping_error_reduction']:+.1f} % "
                  f"(share of the part above the grey floor removed: {share(c['warping_error_removable'])}; "
                  f"ab only {-100 * c['warping_error_ab_reduction']:+.1f} %), CDC {-100 * c['cdc_reduction']:+.1f} % "
                  f"(share above the grey input removed: {share(c['cdc_removable'])}; ab only "
                  f"{-100 * c['cdc_ab_reduction']:+.1f} %), colourfulness {100 * c['colourfulness_ratio']:.1f} %, "
                  f"MAE {100 * c['mae_increase']:+.2f} %")
    for g in groups:
        we = summary[g]["grey input"]["warping_error"] / summary[g]["off"]["warping_error"]
        cd = summary[g]["grey input"]["cdc"] / summary[g]["off"]["cdc"]
        print(f"{g}: grey floor / per-frame = warping error {we:.2f}, CDC {cd:.2f} (the most any colorizer "
              f"could cut: {100 * (1 - we):.0f} % and {100 * (1 - cd):.0f} %)")
    for k, ok in targets.items():
        print(f"  {'met    ' if ok else 'NOT met'}  {k}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "frames": args.frames, "threads": torch.get_num_threads(),
                                    "cpu": platform.processor() or platform.machine(),
                                    "settings": {"on": asdict(TemporalSettings()), "on (old)": asdict(OLD_SETTINGS)},
                                    "rows": rows, "summary": summary,
                                    "end_to_end_fps": {"off": e2e[False], "on": e2e[True]},
                                    "temporal_step_ms": step_ms,
                                    "change": change, "targets_met": targets}, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
