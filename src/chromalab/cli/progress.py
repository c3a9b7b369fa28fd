"""How the CLI shows progress and messages: the library's progress callbacks and log records, per-file progress
for long batch commands, and C libraries' stderr chatter kept out of it.

On a terminal: a rich bar with the current file's name (redrawn only between files, so nothing writes to
stderr while a file is decoded). Otherwise (a log file, a pipe, CI): one plain line per file as it
finishes, so a long run shows its progress as it goes rather than at the end.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from chromalab.core.media import is_video
from chromalab.core.progress import ProgressFn


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at each record (not the stream of the first call: a test runner or a
    caller may swap stderr between commands, and a closed one must never be written to)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup_logging() -> None:
    """Library log messages (INFO and up) as plain lines on stderr: ``note: ...`` / ``warning: ...``."""
    root = logging.getLogger("chromalab")
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)


@contextlib.contextmanager
def progress_display(enabled: bool = True) -> Iterator[ProgressFn | None]:
    """A ``ProgressFn`` that draws one rich bar per label on a terminal, or prints a line every few seconds
    (and at the end of each label) when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(transient=True, console=Console(stderr=True)) as bar:
            tasks: dict[str, int] = {}

            def show(label: str, done: int, total: int | None) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            yield show
        return
    last: dict[str, float] = {}

    def plain(label: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if done == total or now - last.get(label, 0.0) >= 5.0:
            last[label] = now
            print(f"{label}: {done}" + (f"/{total}" if total else ""), file=sys.stderr, flush=True)

    yield plain


class FileProgress:
    """``start(path)`` before a file, ``done(outcome)`` after; prints problems as one line each. A video's
    frames (``frames``, the batch engine's callback): a second bar with fps and ETA on a terminal, else a
    plain line every ``every_s`` seconds."""

    def __init__(self, total: int, tty: bool | None = None, every_s: float = 5.0):
        self.total, self.n = total, 0
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.bar = None
        self.every_s = every_s
        self.frame_task = None
        self.last_line = 0.0

    def __enter__(self) -> FileProgress:
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), transient=True, auto_refresh=False,
                                console=Console(stderr=True, soft_wrap=True))
            self.bar.__enter__()
            self.task = self.bar.add_task("colorizing", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def start(self, path: Path) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=f"colorizing {path.name[:40]}")
            self.bar.refresh()

    def frames(self, job, p) -> None:
        """A video's progress (``inference.video.VideoProgress``: frames, total, fps, eta_s)."""
        if self.bar is not None:
            if self.frame_task is None:
                self.frame_task = self.bar.add_task(f"  {job.src.name[:40]}", total=None)
            desc = f"  {job.src.name[:40]} {p.fps:.1f} fps"
            self.bar.update(self.frame_task, completed=p.frames, total=p.total, description=desc)
            self.bar.refresh()
            return
        now = time.monotonic()
        if now - self.last_line >= self.every_s or (p.total and p.frames >= p.total):
            self.last_line = now
            total = f"/{p.total}" if p.total else ""
            eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
            typer.echo(f"{job.src}: {p.frames}{total} frames, {p.fps:.1f} fps{eta}", err=True)

    def done(self, outcome) -> None:
        self.n += 1
        status, msg = outcome.status, outcome.message
        if self.frame_task is not None:
            self.bar.remove_task(self.frame_task)
            self.frame_task = None
        if self.bar is None:
            where = f" → {outcome.output}" if outcome.output and status == "colorized" else ""
            line = msg if status in ("failed", "not-image", "skipped") else f"{outcome.path}{where}"
            if status == "colorized" and msg:
                line += f" ({msg})"
            typer.echo(f"[{self.n}/{self.total}] {status}: {line}", err=True)
            return
        if status == "failed":
            self.bar.console.print(f"error: {msg}", style="red", highlight=False, markup=False)
        elif status == "not-image":
            self.bar.console.print(f"skipped: {msg}", highlight=False, markup=False)
        elif status == "colorized" and is_video(outcome.path):
            self.bar.console.print(f"{outcome.path} → {outcome.output} ({msg})", highlight=False, markup=False)
        elif status == "colorized" and msg:
            self.bar.console.print(f"note: {outcome.path}: {msg}", style="yellow", highlight=False, markup=False)
        self.bar.advance(self.task)
        self.bar.refresh()


@contextmanager
def native_stderr_captured(sink: list[str]):
    """Send what C code (libtiff, libjpeg) writes to file descriptor 2 into ``sink`` instead of the screen."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode(errors="replace")
            sink.extend(line.strip() for line in text.splitlines() if line.strip())
