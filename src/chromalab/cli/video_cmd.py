"""Videos for ``chromalab colorize`` and ``chromalab evaluate``: finding them, progress, one-line errors."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from chromalab.cli.app import fail


def output_path(src: Path, root: Path | None, out_dir: Path, suffix: str = ".mp4") -> Path:
    """``out_dir/<path below root>/<stem>_color<suffix>`` (the tag is the photo batch's); never the input."""
    from chromalab.inference.batch import OUTPUT_TAG

    rel = src.relative_to(root) if root is not None else Path(src.name)
    return out_dir / rel.parent / f"{rel.stem}{OUTPUT_TAG}{suffix}"


def split_videos(inputs: list[Path], out_dir: Path) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """(video jobs ``(src, OUT/<rel>/<stem>_color.mp4)``, the inputs left for the photo path).

    Videos named directly are taken out of ``inputs``; folders stay in it (their photos) and their videos
    (recursive, sorted) are added to the jobs."""
    from chromalab.core.media import is_video

    jobs: list[tuple[Path, Path]] = []
    rest: list[Path] = []
    for item in inputs:
        if item.is_dir():
            rest.append(item)
            for dirpath, dirnames, filenames in os.walk(item):
                dirnames.sort()
                for name in sorted(filenames):
                    src = Path(dirpath) / name
                    if is_video(src) and not name.startswith("."):
                        jobs.append((src, output_path(src, item, out_dir, ".mp4")))
        elif is_video(item):
            jobs.append((item, output_path(item, None, out_dir, ".mp4")))
        else:
            rest.append(item)
    return jobs, rest


class ProgressView:
    """Rich bar on a terminal; otherwise a plain line every few seconds (logs, CI)."""

    def __init__(self, every_s: float = 5.0):
        self.tty = sys.stderr.isatty()
        self.every_s = every_s
        self.bar = None

    def __enter__(self) -> ProgressView:
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[fps]:.1f} fps"), TimeRemainingColumn(),
                                transient=True, console=Console(stderr=True, soft_wrap=True))
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def say(self, message: str, style: str | None = None) -> None:
        if self.bar is not None:
            self.bar.console.print(message, style=style, highlight=False, soft_wrap=True)
        else:
            typer.echo(message, err=True)

    def callback(self, name: str):
        task = self.bar.add_task(name, total=None, fps=0.0) if self.bar is not None else None
        last = [0.0]

        def update(p) -> None:
            if task is not None:
                self.bar.update(task, completed=p.frames, total=p.total, fps=p.fps)
                return
            now = time.monotonic()
            if now - last[0] >= self.every_s or (p.total and p.frames >= p.total):
                last[0] = now
                total = f"/{p.total}" if p.total else ""
                eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
                typer.echo(f"{name}: {p.frames}{total} frames, {p.fps:.1f} fps{eta}", err=True)

        def done() -> None:
            if task is not None:
                self.bar.remove_task(task)

        update.done = done
        return update


def colorize_videos(jobs: list[tuple[Path, Path]], colorizer: Any, refs: list[tuple[str, Any]], *,
                    temporal: bool, crf: int, saturation: float = 1.0, vibrance: float = 0.0,
                    record: Callable[[Any], None] | None = None) -> tuple[int, int]:
    """Colorize every video job (one output per reference); returns (done, failed). Whatever one video raises
    is its one-line failure and the rest go on; ``record`` gets each video's ``batch.Outcome`` as it
    finishes (the ``--report`` rows). Ctrl-C stops cleanly. Without the video extra every video fails with one
    line naming it (the photos of the batch are done)."""
    from chromalab.core.extras import MissingExtra, require
    from chromalab.inference.batch import COLORIZED, FAILED, Outcome, one_line

    try:
        require("video", "colorizing videos")
    except MissingExtra as e:
        typer.echo(f"error: {len(jobs)} video(s) not colorized: {e}", err=True)
        for src, _ in jobs:
            if record is not None:
                record(Outcome(str(src), FAILED, None, str(e)))
        return 0, len(jobs)
    from chromalab.inference.video import VideoError, colorize_video

    prepared = [(tag, colorizer.prepare_reference(ref) if ref is not None else None) for tag, ref in refs]
    done = failed = 0
    with ProgressView() as view:
        for src, dst in jobs:
            outs: list[str] = []
            notes: list[str] = []
            try:
                for tag, ref in prepared:
                    out_file = dst.with_name(dst.stem + tag + dst.suffix)
                    cb = view.callback(src.name)
                    try:
                        res = colorize_video(src, out_file, colorizer, temporal=temporal, crf=crf, reference=ref,
                                             progress=cb, saturation=saturation, vibrance=vibrance)
                    finally:
                        cb.done()
                    for note in res.notes:
                        view.say(f"note: {src}: {note}", style="yellow")
                    notes += res.notes
                    outs.append(str(res.dst))
                    view.say(f"{src} → {res.dst} ({res.frames} frames, {res.fps:.1f} fps)")
                done += 1
                outcome = Outcome(str(src), COLORIZED, ", ".join(outs), "; ".join(notes), notes)
            except KeyboardInterrupt:
                view.say("interrupted: no partial output left behind", style="red")
                raise typer.Exit(130) from None
            except Exception as e:  # noqa: BLE001 - one video's failure, VideoError or not, is its own line
                msg = str(e) if isinstance(e, VideoError) else f"{src}: failed while colorizing ({one_line(e)})"
                view.say(f"error: {msg}", style="red")
                failed += 1
                outcome = Outcome(str(src), FAILED, None, msg)
            if record is not None:
                record(outcome)
    return done, failed


def holds_videos(data: Path) -> bool:
    """A video file, or a folder with videos and no photos in it (at any depth)."""
    from chromalab.core.imageio import iter_image_files
    from chromalab.core.media import is_video

    if data.is_file():
        return is_video(data)
    if not data.is_dir():
        return False
    has_video = any(is_video(p) for p in data.rglob("*"))
    return has_video and next(iter(iter_image_files([data], [])), None) is None


def evaluate_videos(models: list[str], data: Path, max_frames: int, out: Path | None) -> None:
    """``chromalab evaluate MODEL --data VIDEO_OR_FOLDER``: temporal off and on, one table."""
    from chromalab.core.jsonio import write_json
    from chromalab.core.media import is_video
    from chromalab.evaluation.video import evaluate_videos as run
    from chromalab.evaluation.video import format_video_table
    from chromalab.inference.video import VideoError

    videos = [data] if data.is_file() else sorted(p for p in data.rglob("*") if is_video(p))
    if not videos:
        fail(f"no videos in {data}")
    try:
        report = run(models, videos, max_frames=max_frames, log=lambda m: typer.echo(m, err=True))
    except (ValueError, FileNotFoundError, KeyError, VideoError) as e:
        fail(str(e))
    typer.echo(format_video_table(report))
    if out:
        write_json(report, out)
        typer.echo(f"metrics written to {out}", err=True)
