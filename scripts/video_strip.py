"""A strip of frames to look at: a colour clip made grey, colorized per frame and with temporal consistency.

Usage: python scripts/video_strip.py [CLIP] [--frames 58,59,60,61,62] [--out docs/images/video-strip.jpg]

Rows: per-frame (``--temporal off``) | temporal (``--temporal on``) | truth, the chosen frames side by side,
each frame scaled 2× (nearest). Runs ``chromalab colorize`` itself, in a temporary folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw


def read(path: Path, n: int) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= n:
                break
            out.append(f.to_ndarray(format="rgb24"))
    return out


def write_grey(frames: list[np.ndarray], path: Path) -> None:
    with av.open(str(path), "w") as oc:
        s = oc.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt, s.options = frames[0].shape[1], frames[0].shape[0], "yuv420p", {"crf": "12"}
        for t in frames:
            g = np.asarray(Image.fromarray(t).convert("L").convert("RGB"))
            for p in s.encode(av.VideoFrame.from_ndarray(g, format="rgb24")):
                oc.mux(p)
        for p in s.encode():
            oc.mux(p)


CLIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos" / "carphone_pristine.mp4"  # ../shared


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", default=str(CLIP))
    ap.add_argument("--frames", default="58,59,60,61,62")
    ap.add_argument("--out", default="docs/images/video-strip.jpg")
    args = ap.parse_args()
    idx = [int(i) for i in args.frames.split(",")]
    truth = read(Path(args.clip), max(idx) + 1)
    with tempfile.TemporaryDirectory() as tmp:
        grey = Path(tmp) / "grey.mp4"
        write_grey(truth, grey)
        rows = []
        for mode in ("off", "on"):
            subprocess.run([sys.executable, "-c", "from chromalab.cli import main; main()", "colorize", str(grey),
                            "--out", f"{tmp}/{mode}", "--temporal", mode], check=True)
            seq = read(Path(tmp) / mode / "grey_color.mp4", len(truth))
            rows.append(("temporal" if mode == "on" else "per-frame", seq))
    rows.append(("truth", truth))
    h, w = truth[0].shape[:2]
    canvas = Image.new("RGB", (w * 2 * len(idx) + 90, h * 2 * len(rows)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, (name, seq) in enumerate(rows):
        draw.text((4, r * h * 2 + h), name, fill="black")
        for c, i in enumerate(idx):
            canvas.paste(Image.fromarray(seq[i]).resize((w * 2, h * 2), Image.NEAREST), (90 + c * w * 2, r * h * 2))
    canvas.save(args.out, quality=88)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
