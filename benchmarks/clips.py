"""Generated video clips for the video benchmarks: a pan across a photo, written as H.264 MP4."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image


def pan_over(img: Image.Image, n: int, w: int = 640, h: int = 360, step: int = 4) -> list[np.ndarray]:
    """``n`` ``(h, w, 3)`` uint8 frames of a camera panning ``step`` pixels a frame across ``img``."""
    img = img.convert("RGB")
    scale = max((w + step * n) / img.width, h / img.height)
    arr = np.asarray(img.resize((round(img.width * scale) + 1, round(img.height * scale) + 1), Image.LANCZOS))
    y0 = (arr.shape[0] - h) // 2
    return [np.ascontiguousarray(arr[y0:y0 + h, i * step:i * step + w]) for i in range(n)]


def write_mp4(frames: list[np.ndarray], path: Path, fps: int = 25) -> Path:
    """Frames as a near-lossless (crf 12) yuv420p H.264 file at ``path``."""
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        v.options = {"crf": "12", "preset": "ultrafast"}
        for f in frames:
            c.mux(v.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        c.mux(v.encode(None))
    return path
