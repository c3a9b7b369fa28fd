"""Colorize videos: decode → colorize in batches → encode, streaming, so memory does not grow with length.

PyAV does the I/O. The output keeps the input's frame count, timestamps (pts and time base, so variable frame
rate survives), display rotation (frames are turned upright for the network and back before encoding, and the
output carries the same display matrix) and audio (packets remuxed, not re-encoded); video is H.264 (libx264,
yuv420p). It is written to a temp file beside the destination and renamed at the end, so an error or an
interrupt (Ctrl-C) never leaves a partial output behind.

Colour comes from ``VideoColorizer``: every frame goes through the photo pipeline (``inference.pipeline``:
the network at working size once per batch of frames, optionally made temporally consistent by
``chromalab.inference.temporal`` between the network and the guided upsampling, the same finish and 8-bit
rounding as a photo). With a model that has ``model.onnx`` nothing here imports torch.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from chromalab.core.imageio import is_grey, make_readable
from chromalab.core.labnp import check_adjustment
from chromalab.core.media import VIDEO_FALLBACK_SUFFIX
from chromalab.inference import pipeline
from chromalab.inference.base import BaseColorizer as Colorizer  # any colorizer (plain, reference, auto)
from chromalab.inference.temporal import TemporalBlender, TemporalSettings

log = logging.getLogger(__name__)

MP4_AUDIO = {"aac", "mp3", "ac3", "eac3", "opus", "alac", "flac"}  # what the mp4 muxer takes as is
BATCH_PIXELS = 16_000_000  # frames per batch are capped so a batch holds about this many pixels
GREY_VIDEO_TOL = 6 / 255  # decoded grey video: chroma planes at 128 give R = G = B up to YUV → RGB rounding


class VideoError(Exception):
    """A video that cannot be colorized; the message is one line, naming the file."""


@dataclass(frozen=True)
class VideoProgress:
    frames: int
    total: int | None  # from the container; None when it does not say
    fps: float
    eta_s: float | None


@dataclass
class VideoResult:
    src: Path
    dst: Path
    frames: int
    seconds: float
    notes: list[str] = field(default_factory=list)  # things the user should be told (odd size, dropped audio)
    scene_cuts: int = 0

    @property
    def fps(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


class VideoColorizer:
    """Colorizes consecutive frames through ``chromalab.inference.pipeline`` (the photo's steps, the network
    once per batch); keeps the temporal state between ``colorize_batch`` calls. ``saturation`` / ``vibrance``:
    as ``Colorizer.colorize``."""

    def __init__(self, colorizer: Colorizer, temporal: bool = True, reference: Any = None,
                 settings: TemporalSettings | None = None, saturation: float = 1.0, vibrance: float = 0.0):
        check_adjustment(saturation, vibrance)
        self.colorizer = colorizer
        self.reference = reference
        self.blender = TemporalBlender(settings) if temporal else None
        self.saturation = saturation
        self.vibrance = vibrance

    @property
    def scene_cuts(self) -> int:
        return self.blender.cuts if self.blender else 0

    def reset(self) -> None:
        if self.blender:
            self.blender.reset()

    def colorize_batch(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """Same-size ``(H, W, 3)`` uint8 RGB frames (colour ones are made grey) → colour uint8 frames."""
        col = self.colorizer
        steps = col.steps
        ref = _batched(self.reference, len(frames))
        Ls = [pipeline.image_lightness(f, steps) for f in frames]
        return pipeline.colorize_lightness_batch(
            Ls, steps=steps, predict=lambda low: col.predict(low, ref), work_size=col.work_size,
            saturation=self.saturation, vibrance=self.vibrance, as_uint8=True,
            ab_hook=self.blender.step if self.blender is not None else None)

    def colorize_frames(self, frames: Iterable[np.ndarray], batch: int = 8) -> Iterator[np.ndarray]:
        """Colorize a stream of frames in order, ``batch`` at a time."""
        buf: list[np.ndarray] = []
        for f in frames:
            buf.append(f)
            if len(buf) >= batch:
                yield from self.colorize_batch(buf)
                buf = []
        if buf:
            yield from self.colorize_batch(buf)


def _batched(reference: Any, n: int) -> Any:
    """A prepared reference (tensors with batch 1) repeated for a batch of ``n`` frames."""
    if hasattr(reference, "expand"):  # a torch tensor (reference-guided models run on PyTorch)
        return reference.expand(n, *reference.shape[1:])
    if isinstance(reference, tuple | list):
        return type(reference)(_batched(r, n) for r in reference)
    return reference


def _open_input(src: Path) -> tuple[Any, Any]:
    try:
        inp = av.open(str(src))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as e:
        raise VideoError(f"{src}: not a readable video ({_why(e)})") from None
    if not inp.streams.video:
        kinds = sorted({s.type for s in inp.streams}) or ["nothing"]
        inp.close()
        raise VideoError(f"{src}: no video stream (holds {', '.join(kinds)})")
    return inp, inp.streams.video[0]


def _why(e: BaseException) -> str:
    return (getattr(e, "strerror", None) or str(e)).strip().splitlines()[0][:120] if str(e) else type(e).__name__


def read_frames(src: str | os.PathLike, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Decoded frames of a video's first video stream as ``(H, W, 3)`` uint8 RGB (for evaluation)."""
    inp, vin = _open_input(Path(src))
    vin.thread_type = "AUTO"
    n = 0
    try:
        for frame in inp.decode(vin):
            yield frame.to_ndarray(format="rgb24")
            n += 1
            if max_frames is not None and n >= max_frames:
                return
    except av.error.FFmpegError as e:
        raise VideoError(f"{src}: damaged video after {n} frames ({_why(e)})") from None
    finally:
        inp.close()


def upright_turns(rotation: float) -> int:
    """Quarter turns counter-clockwise (``np.rot90``'s ``k``) that show a stored frame upright.

    ``rotation`` is PyAV's ``VideoFrame.rotation``: FFmpeg's ``av_display_rotation_get`` of the display
    matrix, the angle in degrees by which the player turns the stored frame counter-clockwise (a phone's
    portrait clip stored landscape says -90 or 270). Angles off a multiple of 90 round to the nearest one."""
    return int(round(rotation / 90)) % 4


def _check_complete(src: Path, inp: Any, vin: Any, first: int, last: int, n: int, rate: Any = None) -> None:
    """``VideoError`` when the decoded frames stop well before the duration the container announces (a
    truncated download). Time, not frame counts, is compared: some containers count skipped frames. A frame
    lasts the mean step between frames, or with one frame (a still made into a video) ``1 / rate``."""
    tb = vin.time_base
    if vin.duration is not None and tb:
        duration = float(vin.duration * tb)
    elif inp.duration is not None:
        duration = inp.duration / av.time_base
    else:
        return
    start = float(vin.start_time * tb) if vin.start_time is not None and tb else float(first * tb)
    step = float((last - first) * tb) / (n - 1) if n > 1 else (1.0 / float(rate) if rate else 0.0)
    covered = float(last * tb) + step - start
    if duration > 0 and covered < 0.95 * duration - 2 * step:
        raise VideoError(f"{src}: truncated or damaged: frames stop at {covered:.2f} s of {duration:.2f} s "
                         f"({n} frames decoded)")


def colorize_video(src: str | os.PathLike, dst: str | os.PathLike, colorizer: Colorizer, *,
                   temporal: bool = True, crf: int = 18, preset: str = "veryfast", batch: int = 8,
                   reference: Any = None, settings: TemporalSettings | None = None,
                   progress: Callable[[VideoProgress], None] | None = None, saturation: float = 1.0,
                   vibrance: float = 0.0) -> VideoResult:
    """Colorize the video ``src`` into ``dst`` (mp4; an mkv beside it when an audio codec cannot go in mp4).

    ``reference``: what ``colorizer.prepare_reference`` returned, used for every frame. ``saturation`` /
    ``vibrance``: as for a photo (``Colorizer.colorize``). ``progress`` is
    called after each batch. Raises ``VideoError`` (one line) for inputs that cannot be colorized; on any
    error or interrupt the temp file is removed and ``dst`` is untouched.
    """
    src, dst = Path(src), Path(dst)
    check_adjustment(saturation, vibrance)
    t0 = time.perf_counter()
    inp, vin = _open_input(src)
    notes: list[str] = []
    audio_in = []
    for s in inp.streams.audio:
        if s.codec_context.name in MP4_AUDIO or dst.suffix.lower() != ".mp4":
            audio_in.append(s)
        elif dst.suffix.lower() == ".mp4":
            dst = dst.with_suffix(VIDEO_FALLBACK_SUFFIX)
            notes.append(f"audio codec {s.codec_context.name} does not fit in mp4: writing {dst.name}")
            audio_in.append(s)
    fmt = {".mp4": "mp4", ".mkv": "matroska", ".mov": "mov"}.get(dst.suffix.lower(), "mp4")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() and dst.resolve() == src.resolve():
        inp.close()
        raise VideoError(f"{src}: output would overwrite the input")
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".part", dir=dst.parent)
    os.close(fd)
    out = None
    vc = VideoColorizer(colorizer, temporal=temporal, reference=reference, settings=settings,
                        saturation=saturation, vibrance=vibrance)
    try:
        out = av.open(tmp, "w", format=fmt)
        total = vin.frames or None
        if total is None and vin.duration and vin.time_base and vin.average_rate:
            total = int(round(float(vin.duration * vin.time_base * vin.average_rate))) or None
        rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        vin.thread_type = "AUTO"
        vout = None
        a_map: dict[int, Any] = {}
        pending: list[Any] = []  # audio packets seen before the output header could be written
        frames: list[np.ndarray] = []
        stamps: list[tuple[int | None, Any]] = []
        state = {"n": 0, "first_pts": None, "last_pts": None, "size": None, "turns": 0}

        def setup(frame: av.VideoFrame) -> None:
            nonlocal vout
            w, h = frame.width - frame.width % 2, frame.height - frame.height % 2
            if w == 0 or h == 0:
                raise VideoError(f"{src}: frames are {frame.width}x{frame.height} pixels; too small to encode")
            if (w, h) != (frame.width, frame.height):
                notes.append(f"odd size {frame.width}x{frame.height}: cropped to {w}x{h} (H.264 yuv420p "
                             "needs even sizes)")
            state["size"] = (w, h)
            vout = out.add_stream("libx264", rate=rate)
            vout.width, vout.height, vout.pix_fmt = w, h, "yuv420p"
            vout.time_base = vin.time_base
            vout.codec_context.time_base = vin.time_base
            vout.options = {"crf": str(crf), "preset": preset}
            if frame.rotation:
                vout.set_display_rotation(frame.rotation)  # kept: the output is stored as the input was
                state["turns"] = upright_turns(frame.rotation)
            for s in audio_in:
                a_map[s.index] = out.add_stream_from_template(s)
            for p, index in pending:
                _mux_audio(p, index)
            pending.clear()

        def _mux_audio(packet: Any, index: int) -> None:
            packet.stream = a_map[index]
            out.mux(packet)

        def flush_frames() -> None:
            if not frames:
                return
            colored = vc.colorize_batch(frames)
            for rgb, (pts, tb) in zip(colored, stamps, strict=True):
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(rgb, -state["turns"])), format="rgb24")
                vf.pts, vf.time_base = pts, tb
                out.mux(vout.encode(vf))
            state["n"] += len(frames)
            frames.clear()
            stamps.clear()
            if progress is not None:
                el = time.perf_counter() - t0
                fps = state["n"] / max(el, 1e-9)
                eta = (total - state["n"]) / fps if total and total > state["n"] and fps > 0 else None
                progress(VideoProgress(state["n"], total, fps, eta))

        def take(frame: av.VideoFrame) -> None:
            if vout is None:
                setup(frame)
            w, h = state["size"]
            pts = frame.pts
            if pts is None:  # containers without timestamps: count frames at the nominal rate
                pts = int(round((state["n"] + len(frames)) / (rate * vin.time_base)))
            if state["last_pts"] is not None and pts <= state["last_pts"]:
                pts = state["last_pts"] + 1
            state["last_pts"] = pts
            if state["first_pts"] is None:
                state["first_pts"] = pts
            rgb = frame.to_ndarray(format="rgb24")
            if rgb.shape[0] < h or rgb.shape[1] < w:
                raise VideoError(f"{src}: frame size changes mid-stream ({w}x{h} → {rgb.shape[1]}x{rgb.shape[0]})")
            if rgb.shape[:2] != (h, w):
                rgb = rgb[:h, :w]
            if state["first_pts"] == pts and not is_grey(rgb, GREY_VIDEO_TOL):  # first frame: told once, as photos
                notes.insert(0, "is in colour; colorized its grey version")
            frames.append(np.ascontiguousarray(np.rot90(rgb, state["turns"])))  # the network sees it upright
            stamps.append((pts, vin.time_base))
            cap = max(1, min(batch, BATCH_PIXELS // (w * h)))
            if len(frames) >= cap:
                flush_frames()

        streams = [vin, *audio_in]
        try:
            for packet in inp.demux(*streams):
                if packet.stream.type == "video":
                    for frame in packet.decode():
                        take(frame)
                elif packet.dts is not None:
                    if vout is None:
                        pending.append((packet, packet.stream.index))
                    else:
                        _mux_audio(packet, packet.stream.index)
        except av.error.FFmpegError as e:
            raise VideoError(f"{src}: damaged video after {state['n'] + len(frames)} frames ({_why(e)})") from None
        if vout is None:
            raise VideoError(f"{src}: the video stream has no frames")
        _check_complete(src, inp, vin, state["first_pts"], state["last_pts"], state["n"] + len(frames), rate)
        flush_frames()
        out.mux(vout.encode(None))
        out.close()
        out = None
        inp.close()
        make_readable(tmp)
        os.replace(tmp, dst)
    except BaseException:
        if out is not None:
            try:
                out.close()
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
        inp.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    for note in notes:
        log.info("%s: %s", src, note)  # returned in the result too; callers decide how to tell people
    return VideoResult(src, dst, state["n"], time.perf_counter() - t0, notes, vc.scene_cuts)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    seconds: float | None  # None when the container does not say
    frames: int | None


def probe_video(src: str | os.PathLike) -> VideoInfo:
    """Size and length of a video's first video stream from its headers (nothing decoded); ``VideoError``
    when there is none. Lets servers refuse oversized uploads before spending any work on them."""
    inp, vin = _open_input(Path(src))
    try:
        seconds = None
        if vin.duration is not None and vin.time_base:
            seconds = float(vin.duration * vin.time_base)
        elif inp.duration is not None:
            seconds = inp.duration / av.time_base
        return VideoInfo(vin.codec_context.width, vin.codec_context.height, seconds, vin.frames or None)
    finally:
        inp.close()
