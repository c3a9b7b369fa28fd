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
    data: Path = typer.Option(..., help="Folder of colour photos; its test split is used."),
    split: str = typer.Option("test", help="train, val, test or all."),
    size: int = typer.Option(256, help="Photos are scaled so the shorter side is this many pixels."),
    out: Path = typer.Option(None, help="JSON file for per-image and summary metrics "
                                        "(default: RUN_DIR/evaluation.json for one run folder)."),
) -> None:
    """Evaluate models against the truth and the "no colour" baseline; print a table, write JSON."""
    require("train", "evaluation")
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
