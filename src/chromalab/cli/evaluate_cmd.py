from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.cli.progress import progress_display
from chromalab.core import rundir
from chromalab.core.extras import require


@app.command("evaluate")
def evaluate_command(
    models: list[str] = typer.Argument(..., help="Run folders or shipped model names (several = comparison)."),
    data: Path = typer.Option(..., help="Folder of colour photos (its test split is used), or a colour video "
                                        "or folder of videos (made grey, colorized with temporal off and on)."),
    split: str = typer.Option("test", help="train, val, test or all."),
    size: int = typer.Option(256, help="Photos are scaled so the shorter side is this many pixels."),
    out: Path = typer.Option(None, help="Also write the whole comparison to this JSON file."),
    db: Path = typer.Option(Path("runs/chromalab.sqlite"), help="Registry the results are recorded in (what "
                                                                 "`report` and the web leaderboard read)."),
    frames: int = typer.Option(90, min=2, help="Videos: evaluate the first this many frames of each."),
) -> None:
    """Evaluate models against the truth and the "no colour" baseline; print a table.

    Every run folder evaluated gets RUN/evaluation.json, and every result goes into the registry (--db), so
    `chromalab report` and the web page show it whatever the number of models. Videos: a table with temporal
    colour consistency off and on."""
    require("train", "evaluation")
    from chromalab.cli.video_cmd import evaluate_videos, holds_videos

    if holds_videos(data):
        require("video", "evaluating videos")
        evaluate_videos(models, data, frames, out)
        return
    from chromalab.evaluation.evaluate import compare, format_table

    try:
        with progress_display() as progress:
            report = compare(models, data, split=split, size=size, out=out, progress=progress)
    except (ValueError, FileNotFoundError) as e:
        fail(str(e))
    from chromalab.runs.registry import RunDB
    with RunDB(db) as reg:
        reg.record_report(report)
    typer.echo(format_table(report))
    written = [str(Path(m) / rundir.EVALUATION) for m in models if (Path(m) / rundir.CONFIG).is_file()]
    typer.echo(f"metrics written to {', '.join([*written, *([str(out)] if out else [])]) or 'no file'}; "
               f"recorded in {db}", err=True)
