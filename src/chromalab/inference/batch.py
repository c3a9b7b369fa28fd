"""Colorizing many files, photos and videos alike: which files are inputs, where each output goes, what
happened to each, and how many are in flight.

What ``chromalab colorize`` runs (the CLI only shows its progress); the Python API's
``Colorizer.colorize_batch`` iterates over paths in memory and writes nothing. The rules:

- videos are recognised by suffix (``core.media``), photos by content (anything Pillow opens), not by
  suffix; hidden files, our own outputs (``*_color.*``, ``*_color_ref-*.*``) and the output folder itself
  are never taken as inputs;
- ``x.jpg`` → ``x_color.jpg`` (format ``same``), ``clip.mov`` → ``clip_color.mp4`` (videos are written as
  mp4); two inputs that would share an output name get distinct ones (``x_jpg_color.png``,
  ``clip_mov_color.mp4``), never a silent overwrite. The input already in the output's format keeps the
  plain name, so adding ``clip.mov`` beside ``clip.mp4`` does not move ``clip.mp4``'s output;
- an existing output is skipped unless ``overwrite`` (a video's output also counts as existing as the
  ``.mkv`` written when its audio does not fit in mp4);
- every input ends with one ``Outcome``: colorized, skipped (exists), not-image, or failed, with a
  one-line message — the rows of ``--report``; whatever one input raises is its own failure.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chromalab.core.imageio import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    NotAnImageError,
    Photo,
    is_grey,
    one_line,
    read_photo,
    save_photo,
    sniff_format,
    walk_folder,
)
from chromalab.core.media import VIDEO_FALLBACK_SUFFIX, VIDEO_OUTPUT_SUFFIX, is_video
from chromalab.core.metadata import MULTI_FRAME, WRITABLE, output_format
from chromalab.core.version import __version__

log = logging.getLogger(__name__)

COLORIZED, SKIPPED, NOT_IMAGE, FAILED = "colorized", "skipped", "not-image", "failed"
STATUSES = (COLORIZED, SKIPPED, NOT_IMAGE, FAILED)
OUTPUT_TAG = "_color"
_OUTPUT_STEM = re.compile(r"_color(_ref-.+)?$")


def is_output_name(path: Path) -> bool:
    """True for names this tool writes (``x_color.jpg``, ``x_color_ref-r.png``): never inputs."""
    return bool(_OUTPUT_STEM.search(path.stem))


def output_name(stem: str, suffix: str) -> str:
    """``x`` → ``x_color<suffix>``: the name of what colorizing ``x`` writes (CLI and web)."""
    return f"{stem}{OUTPUT_TAG}{suffix}"


@dataclass
class Job:
    """One input and the output(s) planned for it."""

    src: Path
    format: str | None  # Pillow format by content; None: not an image (or a video)
    dst: Path | None = None
    root: Path | None = None
    notes: list[str] = field(default_factory=list)  # what reading its header said (warnings, C chatter)
    video: bool = False  # a video by its suffix: decoded by PyAV frame by frame, written as mp4


@dataclass
class Outcome:
    """What happened to one input: a ``--report`` row."""

    path: str
    status: str
    output: str | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "notes"}


def find_inputs(inputs: Iterable[str | os.PathLike], out_dir: Path | None = None,
                errors: list[str] | None = None) -> list[tuple[Path, Path | None]]:
    """``(file, root folder or None)`` for every candidate file under ``inputs`` (recursive, sorted).

    Skips hidden files and folders, names we write (``is_output_name``) and ``out_dir`` when it lies inside
    an input folder. Unreadable folders and missing paths become one-line ``errors``.
    """
    errs = errors if errors is not None else []
    out_real = out_dir.resolve() if out_dir is not None else None
    found: list[tuple[Path, Path | None]] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            inside = out_real is not None and out_real != p.resolve()  # an output folder inside this input
            files = walk_folder(p, errs, keep_file=lambda f: not is_output_name(f),
                                skip_dir=lambda d, inside=inside: inside and d.resolve() == out_real)
            found += [(f, p) for f in files]
        elif p.exists():
            found.append((p, None))
        else:
            errs.append(f"{p}: no such file or folder")
    return found


def plan(found: Iterable[tuple[Path, Path | None]], out_dir: Path, fmt: str = "same",
         capture: Capture | None = None) -> list[Job]:
    """A job per file with its output path; clashing names made distinct deterministically (sorted input,
    inputs already in their output's format first). Videos (by suffix) are not sniffed; they go to mp4.
    What reading each photo's header says (Python warnings; with ``capture``, C libraries' fd-2 output)
    goes into that job's ``notes``, later its one line."""
    jobs: list[Job] = []
    found = list(found)
    sources = {str(src.resolve()) for src, _ in found}
    named: list[tuple[Job, Path, str]] = []  # (job, output folder, output suffix) of jobs that get an output
    for src, root in found:
        if is_video(src):
            job = Job(src, None, root=root, video=True)
            suffix = VIDEO_OUTPUT_SUFFIX
        else:
            notes: list[str] = []
            stray: list[str] = []
            with _c_chatter(capture, stray):
                job = Job(src, sniff_format(src, notes), root=root)
            job.notes = notes + _stderr_note(stray)
            if job.format is None:
                jobs.append(job)
                continue
            out_fmt = output_format(job.format, fmt)
            suffix = src.suffix if (fmt == "same" and out_fmt == job.format and src.suffix
                                    and _format_of_suffix(src.suffix) == out_fmt) else WRITABLE[out_fmt]
        jobs.append(job)
        rel = src.relative_to(root) if root is not None else Path(src.name)
        named.append((job, out_dir / rel.parent, suffix))
    taken: set[str] = set()
    # an input already in its output's format picks first: its name does not depend on its neighbours
    for job, folder, suffix in sorted(named, key=lambda n: n[0].src.suffix.lower() != n[2].lower()):
        stem, ext = job.src.stem, job.src.suffix.lstrip(".")
        candidates = [output_name(stem, suffix), output_name(f"{stem}_{ext}", suffix)]
        candidates += [output_name(f"{stem}_{i}", suffix) for i in range(2, 10_000)]
        for name in candidates:
            key = str((folder / name).resolve()).lower()
            if key not in taken and str((folder / name).resolve()) not in sources:
                taken.add(key)
                job.dst = folder / name
                break
    return jobs


def _format_of_suffix(suffix: str) -> str | None:
    from PIL import Image

    return Image.registered_extensions().get(suffix.lower())


@dataclass
class BatchSettings:
    """How each file is colorized and written."""

    overwrite: bool = False
    first_frame: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS
    saturation: float = 1.0
    vibrance: float = 0.0
    quality: int | None = None
    references: list[tuple[str, object]] = field(default_factory=lambda: [("", None)])  # (name tag, ref)
    temporal: bool = True  # videos: colours kept steady along the optical flow
    crf: int = 18  # videos: H.264 quality


def outputs_for(job: Job, settings: BatchSettings) -> list[Path]:
    """The output(s) of a job: one per reference (``x_color_ref-<name>.<ext>``), else one."""
    assert job.dst is not None
    return [job.dst.with_name(job.dst.stem + tag + job.dst.suffix) for tag, _ in settings.references]


def _exists(out: Path, job: Job) -> bool:
    return out.exists() or (job.video and out.with_suffix(VIDEO_FALLBACK_SUFFIX).exists())


def colorize_frames(colorizer, photo: Photo, settings: BatchSettings, reference=None) -> list[np.ndarray]:
    return [colorizer.colorize(f, reference=reference, saturation=settings.saturation, vibrance=settings.vibrance)
            for f in photo.frames]


Capture = Callable[[list[str]], AbstractContextManager]  # sends what C code writes to fd 2 into a list
# fd 2 is one per process: while one job's decode or encode has it captured, nothing else may write to it (the
# CLI holds this lock while it prints progress, so its lines are never captured as a file's chatter)
FD2_LOCK = threading.Lock()


@contextmanager
def _c_chatter(capture: Capture | None, sink: list[str]) -> Iterator[None]:
    """Around a decode or an encode: what C libraries (libtiff, libjpeg) print to fd 2 goes into ``sink``, so
    it lands in this job's one line even when other jobs run at the same time (they wait for the lock
    only around their own decode and encode, not their colorizing)."""
    if capture is None:
        yield
        return
    with FD2_LOCK, capture(sink):
        yield


def _stderr_note(stray: list[str]) -> list[str]:
    return [f"[stderr: {' | '.join(stray)[:200]}]"] if stray else []


FramesFn = Callable[[Job, Any], None]  # (video job, inference.video.VideoProgress) after each batch of frames


def run_job(colorizer, job: Job, settings: BatchSettings,
            decode: Callable[[Job], Photo] | None = None, capture: Capture | None = None,
            frames: FramesFn | None = None) -> Outcome:
    """Colorize one planned job (photo or video) and write its output(s); never raises for any input:
    whatever decoding, colorizing or encoding it raises is this job's one-line failure (an interrupt,
    Ctrl-C, is not an input's failure: it propagates, and no partial output is left). ``capture``: what
    takes C libraries' fd-2 output during a photo's decoding and encoding
    (``cli.progress.native_stderr_captured``); it is added to the outcome's message, after what reading the
    header said (``Job.notes``). ``frames``: a video's progress, called after each batch of frames."""
    stray: list[str] = []
    stage = ["reading"]
    try:
        if job.video:
            outcome = _run_video(colorizer, job, settings, frames, stage)
        else:
            outcome = _run_job(colorizer, job, settings, decode, capture, stray, stage)
    except Exception as e:  # noqa: BLE001 - one input's unexpected error is its own failure, not the batch's
        log.debug("%s: unexpected error while %s", job.src, stage[0], exc_info=True)
        outcome = Outcome(str(job.src), FAILED, None, f"{job.src}: failed while {stage[0]} ({one_line(e)})")
    outcome.message = "; ".join([m for m in [outcome.message, *job.notes, *_stderr_note(stray)] if m])
    return outcome


def _run_job(colorizer, job: Job, settings: BatchSettings, decode: Callable[[Job], Photo] | None,
             capture: Capture | None, stray: list[str], stage: list[str]) -> Outcome:
    if job.format is None:
        empty = job.src.is_file() and job.src.stat().st_size == 0
        return Outcome(str(job.src), NOT_IMAGE, None,
                       f"{job.src}: " + ("empty file" if empty else "not an image (unrecognised format)"))
    outs = outputs_for(job, settings)
    shown = str(outs[0]) if len(outs) == 1 else ", ".join(map(str, outs))
    if not settings.overwrite and all(_exists(o, job) for o in outs):
        return _skipped(job, outs)
    try:
        with _c_chatter(capture, stray):
            photo = decode(job) if decode else read_photo(job.src, str(job.src), settings.max_pixels,
                                                          all_frames=not settings.first_frame, as_uint8=True)
        if not is_grey(photo.rgb):
            photo.notes.insert(0, "is in colour; colorized its grey version")
        if photo.total_frames > 1 and not settings.first_frame and len(photo.frames) > 1:
            out_fmt = _format_of_suffix(outs[0].suffix)
            if out_fmt not in MULTI_FRAME:
                raise ImageError(f"{job.src}: {photo.total_frames} frames, but {out_fmt} holds one; use a "
                                 "multi-frame --format (png, webp, tiff) or --first-frame")
        for (_tag, ref), out in zip(settings.references, outs, strict=True):
            stage[0] = "colorizing"
            frames = colorize_frames(colorizer, photo, settings, ref)
            stage[0] = "writing"
            with _c_chatter(capture, stray):
                save_photo(frames, out, fmt=_format_of_suffix(out.suffix), meta=photo.meta,
                           software=f"chromalab {__version__} (model {getattr(colorizer, 'name', 'model')})",
                           quality=settings.quality, notes=photo.notes)
    except NotAnImageError as e:
        return Outcome(str(job.src), NOT_IMAGE, None, _with_notes(str(e), locals().get("photo")))
    except ImageError as e:
        return Outcome(str(job.src), FAILED, None, str(e))
    except OSError as e:
        return Outcome(str(job.src), FAILED, None, f"{job.src}: cannot write output ({e.strerror or e})")
    msg = ""
    if photo.total_frames > 1:
        msg = (f"{len(photo.frames)} frames" if len(photo.frames) > 1
               else f"first of {photo.total_frames} frames (--first-frame)")
    out = Outcome(str(job.src), COLORIZED, shown, msg, photo.notes)
    out.message = _with_notes(msg, photo)
    return out


def _skipped(job: Job, outs: list[Path]) -> Outcome:
    outs = [o if o.exists() else o.with_suffix(VIDEO_FALLBACK_SUFFIX) for o in outs]  # a video's .mkv
    shown = str(outs[0]) if len(outs) == 1 else ", ".join(map(str, outs))
    return Outcome(str(job.src), SKIPPED, shown, f"{job.src}: output exists ({outs[0]}); --overwrite redoes it")


def _run_video(colorizer, job: Job, settings: BatchSettings, frames: FramesFn | None, stage: list[str]) -> Outcome:
    """A video job: one output per reference through ``inference.video.colorize_video`` (each written whole
    or not at all). Without the video extra it fails with the line naming the extra; the batch goes on."""
    from chromalab.core.extras import MissingExtra, require

    outs = outputs_for(job, settings)
    if not settings.overwrite and all(_exists(o, job) for o in outs):
        return _skipped(job, outs)
    try:
        require("video", "colorizing videos")
    except MissingExtra as e:
        return Outcome(str(job.src), FAILED, None, f"{job.src}: not colorized: {e}")
    from chromalab.inference import video  # the module, so tests can stand in for colorize_video

    written: list[str] = []
    notes: list[str] = []
    n, seconds = 0, 0.0
    progress = (lambda p: frames(job, p)) if frames is not None else None
    try:
        for (_tag, ref), out in zip(settings.references, outs, strict=True):
            stage[0] = "colorizing"
            prepared = colorizer.prepare_reference(ref) if ref is not None else None
            res = video.colorize_video(job.src, out, colorizer, temporal=settings.temporal, crf=settings.crf,
                                       reference=prepared, progress=progress, saturation=settings.saturation,
                                       vibrance=settings.vibrance)
            written.append(str(res.dst))
            notes += [note for note in res.notes if note not in notes]
            n, seconds = res.frames, seconds + res.seconds
    except video.VideoError as e:
        return Outcome(str(job.src), FAILED, None, str(e))
    msg = f"{n} frames, {n * len(outs) / max(seconds, 1e-9):.1f} fps"
    return Outcome(str(job.src), COLORIZED, ", ".join(written), "; ".join([msg, *notes]), notes)


def run_jobs(colorizer, jobs: Iterable[Job], settings: BatchSettings, workers: int = 2,
             capture: Capture | None = None, frames: FramesFn | None = None) -> Iterator[tuple[Job, Outcome]]:
    """``run_job`` for each job, yielding ``(job, outcome)`` in the jobs' order as each finishes.

    Photos: ``workers`` at a time, in threads: one job's decoding and encoding (Pillow, GIL released)
    overlap another's colorizing (ONNX Runtime or torch, GIL released), so the cores stay busy between the
    network's runs; at most ``workers`` photos are in memory. A video runs alone, in the calling thread
    (it streams batches of frames and keeps its own decoder, network and encoder busy; two at once would
    double the memory): the photos before it finish first, the ones after it start once it is done; a
    Ctrl-C during it stops it at once. Closing the iterator early (Ctrl-C) cancels the jobs not yet
    started and waits for the running ones, whose outputs are written whole or not at all."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    jobs = list(jobs)
    if workers <= 1:
        for job in jobs:
            yield job, run_job(colorizer, job, settings, capture=capture, frames=frames)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="colorize")
    in_flight: deque = deque()
    nxt = 0  # the next job to start

    def start_photos(first: int) -> None:  # ``first``: the oldest job not yet handed out
        nonlocal nxt
        while nxt < len(jobs) and nxt - first < workers and not jobs[nxt].video:
            in_flight.append(pool.submit(run_job, colorizer, jobs[nxt], settings, None, capture))
            nxt += 1

    try:
        start_photos(0)
        for i, job in enumerate(jobs):
            if job.video:  # nothing else is in flight: start_photos stops at a video
                outcome = run_job(colorizer, job, settings, capture=capture, frames=frames)
                nxt = i + 1
            else:
                outcome = in_flight.popleft().result()
            start_photos(i + 1)
            yield job, outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _with_notes(msg: str, photo: Photo | None) -> str:
    notes = photo.notes if photo is not None else []
    return "; ".join([m for m in [msg, *notes] if m])


def summary(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for o in outcomes:
        counts[o.status] += 1
    return counts
