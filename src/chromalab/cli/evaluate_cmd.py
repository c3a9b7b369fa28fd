from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.cli.progress import progress_display
from chromalab.core import rundir


@app.command("evaluate")
def evaluate_command(
    models: list[str] = typer.Argument(..., help="Run folders or shipped model names (several = comparison)."),
    data: Path = typer.Option(..., help="Folder of colour photos (its test split is used), or a colour video "
                                        "or folder of videos (made grey, colorized with temporal off and on)."),
    split: str = typer.Option("test", help="train, val, test or all."),
    size: int = typer.Option(256, help="Photos are scaled so the shorter side is this many pixels."),
    out: Path = typer.Option(None, help="JSON file for per-image and summary metrics "
                                        "(default: RUN_DIR/evaluation.json for one run folder)."),
    frames: int = typer.Option(90, min=2, help="Videos: evaluate the first this many frames of each."),
) -> None:
    """Evaluate models against the truth and the "no colour" baseline; print a table, write JSON."""
    from chromalab.cli.video_cmd import evaluate_videos, holds_videos

    if holds_videos(data):
        evaluate_videos(models, data, frames, out)
        return
    from chromalab.evaluation.evaluate import compare, format_table

    if out is None and len(models) == 1 and Path(models[0]).is_dir():
        out = Path(models[0]) / rundir.EVALUATION
    try:
        with progress_display() as progress:
            report = compare(models, data, split=split, size=size, out=out, progress=progress)
    except (ValueError, FileNotFoundError) as e:
        fail(str(e))
    typer.echo(format_table(report))
    if out:
        typer.echo(f"metrics written to {out}", err=True)
