"""Tiny test videos made with PyAV (no files from outside the tests)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def pattern(h: int, w: int, shift: int = 0, seed: int = 0) -> np.ndarray:
    """A smooth, colourful texture shifted ``shift`` pixels to the right (known motion)."""
    rng = np.random.default_rng(seed)
    big = rng.random((h // 4 + 2, (w + 64) // 4 + 2, 3))
    big = np.kron(big, np.ones((4, 4, 1)))[:h, : w + 64]
    yy, xx = np.mgrid[0:h, 0 : w + 64]
    waves = 0.5 + 0.25 * np.sin(np.stack([xx / 5.0, yy / 7.0, (xx + yy) / 9.0], -1))
    img = 0.5 * big + 0.5 * waves
    return (img[:, 64 - shift : 64 - shift + w] * 255).astype(np.uint8)


def make_video(path: Path, frames: int = 10, size: tuple[int, int] = (48, 32), fps: int = 12, audio: bool = True,
               pix_fmt: str = "yuv420p", codec: str = "libx264", motion: int = 2, rotation: int = 0,
               vfr: bool = False, audio_codec: str = "aac", grey: bool = False) -> Path:
    """A ``size`` = (width, height) video of a pattern moving ``motion`` px per frame (``grey``: its luminance),
    with an AAC tone."""
    w, h = size
    with av.open(str(path), "w") as c:
        v = c.add_stream(codec, rate=fps)
        v.width, v.height, v.pix_fmt = w, h, pix_fmt
        if codec == "libx264":
            v.options = {"preset": "ultrafast"}
        tb = Fraction(1, fps * 10)
        v.codec_context.time_base = tb
        if rotation:
            v.set_display_rotation(rotation)
        a = None
        if audio:
            a = c.add_stream(audio_codec, rate=22050)
            a.layout = "mono"
        pts = 0
        for i in range(frames):
            rgb = pattern(h, w, motion * i)
            if grey:
                rgb = rgb.mean(2, keepdims=True).round().astype(np.uint8).repeat(3, 2)
            f = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            f.pts, f.time_base = pts, tb
            pts += 10 if not vfr or i % 2 == 0 else 25
            c.mux(v.encode(f))
        c.mux(v.encode(None))
        if a is not None:
            n = int(22050 * frames / fps)
            t = np.arange(n) / 22050
            samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
            fmt = a.codec_context.format.name if a.codec_context.format else "fltp"
            if fmt.startswith("s16"):
                samples = (samples * 32767).astype(np.int16)
            for start in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(samples[:, start : start + 1024], format=fmt, layout="mono")
                af.sample_rate, af.pts = 22050, start
                c.mux(a.encode(af))
            c.mux(a.encode(None))
    return path


def probe(path: Path) -> dict:
    """What must survive colorizing: size, frame count, rate, timestamps, rotation, audio."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        pts, rot, first = [], 0, None
        for f in c.decode(v):
            pts.append(float(f.pts * f.time_base))
            rot = f.rotation
            first = first if first is not None else f.to_ndarray(format="rgb24")
        return {"size": (v.width, v.height), "frames": len(pts), "rate": v.average_rate, "pts": pts,
                "rotation": rot, "audio": [(s.codec_context.name, s.sample_rate) for s in c.streams.audio],
                "pix_fmt": v.format.name, "first": first, "audio_packets": audio_packets(path)}


def audio_packets(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(*c.streams.audio) if p.size) if c.streams.audio else 0
