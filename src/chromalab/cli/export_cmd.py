from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail


@app.command("export")
def export_command(
    run_dir: Path = typer.Argument(..., help="Trained run folder."),
    out: Path = typer.Option(..., help="Model folder to write (config.json + model.safetensors)."),
    half: bool = typer.Option(True, help="Store fp16 weights."),
    weights: str = typer.Option("model.safetensors", help="Which weights of the run: model (best) or last."),
) -> None:
    """Export a run's model as a self-contained folder (e.g. into src/chromalab/weights/NAME to ship it)."""
    from chromalab.models.io import export_model

    try:
        export_model(run_dir, out, half=half, weights=weights)
    except FileNotFoundError as e:
        fail(str(e))
    typer.echo(f"exported {run_dir} → {out}", err=True)
