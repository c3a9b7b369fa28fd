from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.cli.progress import progress_display
from chromalab.core.extras import require


@app.command("sweep")
def sweep_command(
    grid: str = typer.Option(..., help="seed-ae (4), seed-gan (12), seed-gan-weights (3), seed-all (19), "
                                       "or variants separated by commas."),
    data: Path = typer.Option(..., help="Folder of colour photos (train/val to train, test to evaluate)."),
    budget_minutes: float = typer.Option(..., help="Training time of every run, in minutes."),
    out: Path = typer.Option(..., help="Sweep folder: one run folder per variant + summary.json (resumable)."),
    size: int = typer.Option(64, help="Training crop size in pixels."),
    batch: int = typer.Option(16, help="Batch size."),
    eval_size: int = typer.Option(None, help="Evaluation photos' shorter side (default: --size)."),
    split: str = typer.Option("test", help="Split to evaluate on."),
    epochs: int = typer.Option(10_000, help="Stop a run earlier than the budget after this many epochs."),
    seed: int = typer.Option(0),
) -> None:
    """Train every configuration of a grid with the same budget, evaluate all on the same photos, print a table.

    Run it again with the same --out to continue an interrupted sweep: finished runs are kept.
    """
    require("train", "a sweep")
    from chromalab.runs.sweep import format_sweep_table, sweep

    if not data.is_dir():
        fail(f"{data}: not a folder")
    if budget_minutes <= 0:
        fail("--budget-minutes must be positive")
    try:
        with progress_display() as progress:
            summary = sweep(grid, data, budget_minutes, out, size=size, batch=batch, eval_size=eval_size,
                            split=split, epochs=epochs, seed=seed, progress=progress)
    except (KeyError, ValueError, FileNotFoundError) as e:
        fail(str(e).strip("'\""))
    typer.echo(format_sweep_table(summary))
    typer.echo(f"summary written to {out / 'summary.json'}", err=True)
