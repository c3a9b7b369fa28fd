"""Videos for ``chromalab evaluate``. (``chromalab colorize`` runs videos through the one batch engine,
``inference.batch``, with photos; their frame progress is ``cli.progress.FileProgress.frames``.)"""

from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import fail


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
