"""Colorizing many files: which files are inputs, where each output goes, and what happened to each.

Shared by ``chromalab colorize`` and the Python API (``Colorizer.colorize_batch``) so that both follow
the same rules:

- inputs are recognised by content (anything Pillow opens), not by suffix; hidden files, our own outputs
  (``*_color.*``, ``*_color_ref-*.*``) and the output folder itself are never taken as inputs;
- ``x.jpg`` → ``x_color.jpg`` (format ``same``); two inputs that would share an output name get distinct
  ones (``x_jpg_color.png``), never a silent overwrite;
- an existing output is skipped unless ``overwrite``;
- every input ends with one ``Outcome``: colorized, skipped (exists), not-image, or failed, with a
  one-line message — the rows of ``--report``.
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

import numpy as np

from chromalab.core.imageio import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    NotAnImageError,
    Photo,
    is_grey,
    read_photo,
    save_photo,
    sniff_format,
    walk_folder,
)
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


@dataclass
class Job:
    """One input and the output(s) planned for it."""

    src: Path
    format: str | None  # Pillow format by content; None: not an image
    dst: Path | None = None
    root: Path | None = None
    notes: list[str] = field(default_factory=list)  # what reading its header said (warnings, C chatter)


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
    """A job per file with its output path; clashing names made distinct deterministically (sorted input).
    What reading each header says (Python warnings; with ``capture``, C libraries' fd-2 output) goes into
    that job's ``notes``, later its one line."""
    jobs: list[Job] = []
    taken: set[str] = set()
    found = list(found)
    sources = {str(src.resolve()) for src, _ in found}
    for src, root in found:
        notes: list[str] = []
        stray: list[str] = []
        with _c_chatter(capture, stray):
            job = Job(src, sniff_format(src, notes), root=root)
        job.notes = notes + _stderr_note(stray)
        jobs.append(job)
        if job.format is None:
            continue
        out_fmt = output_format(job.format, fmt)
        suffix = src.suffix if (fmt == "same" and out_fmt == job.format and src.suffix
                                and _format_of_suffix(src.suffix) == out_fmt) else WRITABLE[out_fmt]
        rel = src.relative_to(root) if root is not None else Path(src.name)
        folder = out_dir / rel.parent
        candidates = [f"{rel.stem}{OUTPUT_TAG}{suffix}", f"{rel.stem}_{src.suffix.lstrip('.')}{OUTPUT_TAG}{suffix}"]
        candidates += [f"{rel.stem}_{i}{OUTPUT_TAG}{suffix}" for i in range(2, 10_000)]
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


def outputs_for(job: Job, settings: BatchSettings) -> list[Path]:
    assert job.dst is not None
    return [job.dst.with_name(job.dst.stem + tag + job.dst.suffix) for tag, _ in settings.references]


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


def run_job(colorizer, job: Job, settings: BatchSettings,
            decode: Callable[[Job], Photo] | None = None, capture: Capture | None = None) -> Outcome:
    """Colorize one planned job and write its output(s); never raises for any input: whatever decoding,
    colorizing or encoding it raises is this job's one-line failure. ``capture``: what takes C libraries'
    fd-2 output during decoding and encoding (``cli.progress.native_stderr_captured``); it is added to the
    outcome's message, after what reading the header said (``Job.notes``)."""
    stray: list[str] = []
    stage = ["reading"]
    try:
        outcome = _run_job(colorizer, job, settings, decode, capture, stray, stage)
    except Exception as e:  # noqa: BLE001 - one input's unexpected error is its own failure, not the batch's
        log.debug("%s: unexpected error while %s", job.src, stage[0], exc_info=True)
        outcome = Outcome(str(job.src), FAILED, None, f"{job.src}: failed while {stage[0]} ({one_line(e)})")
    outcome.message = "; ".join([m for m in [outcome.message, *job.notes, *_stderr_note(stray)] if m])
    return outcome


def one_line(e: BaseException) -> str:
    """``Type: first line of the message`` (at most 160 characters) for an unexpected exception."""
    first = (str(e).splitlines() or [""])[0].strip()
    return f"{type(e).__name__}: {first}"[:160] if first else type(e).__name__


def _run_job(colorizer, job: Job, settings: BatchSettings, decode: Callable[[Job], Photo] | None,
             capture: Capture | None, stray: list[str], stage: list[str]) -> Outcome:
    if job.format is None:
        empty = job.src.is_file() and job.src.stat().st_size == 0
        return Outcome(str(job.src), NOT_IMAGE, None,
                       f"{job.src}: " + ("empty file" if empty else "not an image (unrecognised format)"))
    outs = outputs_for(job, settings)
    shown = str(outs[0]) if len(outs) == 1 else ", ".join(map(str, outs))
    if not settings.overwrite and all(o.exists() for o in outs):
        return Outcome(str(job.src), SKIPPED, shown, f"{job.src}: output exists ({outs[0]}); --overwrite redoes it")
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


def run_jobs(colorizer, jobs: Iterable[Job], settings: BatchSettings, workers: int = 2,
             capture: Capture | None = None) -> Iterator[tuple[Job, Outcome]]:
    """``run_job`` for each job, ``workers`` at a time, yielding ``(job, outcome)`` in the jobs' order.

    Why threads: one job's decoding and encoding (Pillow, GIL released) overlap another's colorizing (ONNX
    Runtime or torch, GIL released), so the cores stay busy between the network's runs. At most ``workers``
    jobs (and their photos) are in flight; closing the iterator early (Ctrl-C) cancels the jobs not yet
    started and waits for the running ones, whose outputs are written whole or not at all."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = list(jobs)
    if workers <= 1:
        for job in jobs:
            yield job, run_job(colorizer, job, settings, capture=capture)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="colorize")
    try:
        pending = [pool.submit(run_job, colorizer, job, settings, None, capture) for job in jobs[:workers]]
        for i, job in enumerate(jobs):
            outcome = pending[i].result()
            if i + workers < len(jobs):
                pending.append(pool.submit(run_job, colorizer, jobs[i + workers], settings, None, capture))
            yield job, outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _with_notes(msg: str, photo: Photo | None) -> str:
    notes = photo.notes if photo is not None else []
    return "; ".join([m for m in [msg, *notes] if m])


Result = tuple[Path, "np.ndarray | None", str]


def colorize_paths(colorizer, paths: Iterable[str | os.PathLike], *, reference=None, saturation: float = 1.0,
                   vibrance: float = 0.0, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[Result]:
    """For each path: ``(path, (H, W, 3) float32 result or None, one-line error or "")``; bad files do not
    stop the iteration."""
    for p in paths:
        p = Path(p)
        stage = "reading"
        try:
            rgb = read_photo(p, str(p), max_pixels, all_frames=False).rgb
            stage = "colorizing"
            result = colorizer.colorize(rgb, reference=reference, saturation=saturation, vibrance=vibrance)
        except ImageError as e:
            yield p, None, str(e)
            continue
        except Exception as e:  # noqa: BLE001 - one path's unexpected error is its tuple's, not the iteration's
            log.debug("%s: unexpected error while %s", p, stage, exc_info=True)
            yield p, None, f"{p}: failed while {stage} ({one_line(e)})"
            continue
        yield p, result, ""


def summary(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for o in outcomes:
        counts[o.status] += 1
    return counts
