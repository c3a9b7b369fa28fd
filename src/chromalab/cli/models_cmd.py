from __future__ import annotations

import typer

from chromalab.cli.app import app


@app.command("models")
def models(family: str = typer.Option(None, help="Only this family (ae, gan, ...).")) -> None:
    """List registered model variants with their parameter counts, and the shipped models."""
    from chromalab.inference.store import shipped_models
    from chromalab.models.registry import build, count_parameters, get_config, names

    typer.echo(f"{'variant':32} {'family':8} {'parameters':>12}")
    for name in names(family):
        cfg = get_config(name)
        typer.echo(f"{name:32} {cfg.family:8} {count_parameters(build(name)):>12,}")
    typer.echo(f"shipped models: {', '.join(shipped_models()) or 'none'}")
