"""Per-frame vs temporal video colorizing: speed at 640×360 and temporal consistency vs colour.

    .venv/bin/python benchmarks/bench_video.py [--videos /work/shared/data/videos] [--frames 30]

Colour videos are made grey, colorized with temporal consistency off and on, and compared (warping error
and CDC: lower is steadier; colourfulness; MAE against the colour original). A synthetic pan over a photo
(640×360, 4 px per frame) is added, and end-to-end fps (decode → colorize → H.264 encode) is measured on
it. Prints a table and writes benchmarks/results/video.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

import av
import cv2
import numpy as np
import torch
from PIL import Image

from chromalab.evaluation.video import cdc, colorize_sequence, input_flows, video_metrics, warping_error
from chromalab.inference.load import load_colorizer
from chromalab.inference.video import colorize_video, read_frames

COLS = ("fps", "warping_error", "warping_error_ab", "cdc", "colourfulness", "mae")


def pan_frames(photo: Path, n: int, w: int = 640, h: int = 360, step: int = 4) -> list[np.ndarray]:
    img = Image.open(photo).convert("RGB")
    scale = max((w + step * n) / img.width, h / img.height)
    img = np.asarray(img.resize((round(img.width * scale) + 1, round(img.height * scale) + 1), Image.LANCZOS))
    y0 = (img.shape[0] - h) // 2
    return [np.ascontiguousarray(img[y0:y0 + h, i * step:i * step + w]) for i in range(n)]


def write_mp4(frames: list[np.ndarray], path: Path, fps: int = 25) -> Path:
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        v.options = {"crf": "12", "preset": "ultrafast"}
        for f in frames:
            c.mux(v.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        c.mux(v.encode(None))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--videos", type=Path, default=Path("/work/shared/data/videos"))
    ap.add_argument("--photo", type=Path, default=Path("/work/shared/data/photos/enlightenment-data__Red-Maple.jpg"))
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--max-width", type=int, default=640, help="larger videos are scaled down to this width")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "video.json")
    args = ap.parse_args()
    col = load_colorizer(args.model)
    seqs: dict[str, list[np.ndarray]] = {}
    for v in sorted(args.videos.iterdir()):
        frames = list(read_frames(v, args.frames))
        if frames[0].shape[1] > args.max_width:
            s = args.max_width / frames[0].shape[1]
            size = (args.max_width, round(frames[0].shape[0] * s / 2) * 2)
            frames = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
        seqs[v.name] = frames
    seqs["pan 640x360 (synthetic)"] = pan_frames(args.photo, args.frames)

    rows = []
    floor = {}  # the colour originals' own warping error and CDC: what lighting, noise and flow error leave
    for name, truth in seqs.items():
        flows = input_flows(truth)
        floor[name] = {"warping_error": warping_error(truth, flows),
                       "warping_error_ab": warping_error(truth, flows, chroma_only=True), "cdc": cdc(truth)}
        for temporal in (False, True):
            out, fps = colorize_sequence(col, truth, temporal)
            m = video_metrics(truth, out, flows, de_every=0)
            rows.append({"video": name, "size": f"{truth[0].shape[1]}x{truth[0].shape[0]}", "frames": len(truth),
                         "temporal": temporal, "fps": fps, **m})
    e2e = {}
    with tempfile.TemporaryDirectory() as d:
        src = write_mp4(seqs["pan 640x360 (synthetic)"], Path(d) / "pan.mp4")
        for temporal in (False, True):
            e2e[temporal] = colorize_video(src, Path(d) / f"pan_{temporal}.mp4", col, temporal=temporal).fps

    def mean(key: str, temporal: bool) -> float:
        return float(np.mean([r[key] for r in rows if r["temporal"] == temporal]))

    summary = {k: {"off": mean(k, False), "on": mean(k, True)} for k in COLS}
    change = {
        "warping_error_reduction": 1 - summary["warping_error"]["on"] / summary["warping_error"]["off"],
        "warping_error_ab_reduction": 1 - summary["warping_error_ab"]["on"] / summary["warping_error_ab"]["off"],
        "cdc_reduction": 1 - summary["cdc"]["on"] / summary["cdc"]["off"],
        "colourfulness_ratio": summary["colourfulness"]["on"] / summary["colourfulness"]["off"],
        "mae_increase": summary["mae"]["on"] / summary["mae"]["off"] - 1,
    }
    targets = {
        "fps_640x360_end_to_end >= 8 (temporal on)": e2e[True] >= 8,
        "warping error -30 %": change["warping_error_reduction"] >= 0.30,
        "CDC -30 %": change["cdc_reduction"] >= 0.30,
        "colourfulness >= 90 %": change["colourfulness_ratio"] >= 0.90,
        "MAE not > 2 % higher": change["mae_increase"] <= 0.02,
    }

    head = f"{'video':<26} {'size':>9} {'temporal':>8} " + " ".join(f"{c:>13}" for c in COLS)
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['video'][:26]:<26} {r['size']:>9} {'on' if r['temporal'] else 'off':>8} "
              + " ".join(f"{r[c]:>13.5g}" for c in COLS))
    for t in (False, True):
        print(f"{'mean':<26} {'':>9} {'on' if t else 'off':>8} " + " ".join(f"{summary[c]['on' if t else 'off']:>13.5g}"
                                                                       for c in COLS))
    print(f"{'colour originals (mean)':<26} {'':>9} {'truth':>8} {'':>13} "
          f"{np.mean([f['warping_error'] for f in floor.values()]):>13.5g} "
          f"{np.mean([f['warping_error_ab'] for f in floor.values()]):>13.5g} "
          f"{np.mean([f['cdc'] for f in floor.values()]):>13.5g}")
    print(f"\nend to end (decode → colorize → encode) 640x360, {args.frames} frames: "
          f"off {e2e[False]:.2f} fps, on {e2e[True]:.2f} fps")
    print(f"temporal vs per-frame: warping error {-100 * change['warping_error_reduction']:+.1f} % "
          f"(ab only {-100 * change['warping_error_ab_reduction']:+.1f} %), "
          f"CDC {-100 * change['cdc_reduction']:+.1f} %, colourfulness {100 * change['colourfulness_ratio']:.1f} %, "
          f"MAE {100 * change['mae_increase']:+.2f} %")
    for k, ok in targets.items():
        print(f"  {'met    ' if ok else 'NOT met'}  {k}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "frames": args.frames, "threads": torch.get_num_threads(),
                                    "cpu": platform.processor() or platform.machine(), "rows": rows,
                                    "summary": summary, "colour_originals": floor,
                                    "end_to_end_fps": {"off": e2e[False], "on": e2e[True]},
                                    "change": change, "targets_met": targets}, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
