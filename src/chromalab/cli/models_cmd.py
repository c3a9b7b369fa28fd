from __future__ import annotations

import re
from pathlib import Path

import typer

from chromalab.cli.app import app

SCORES = (("mae", "MAE", 4), ("delta_e2000", "ΔE2000", 2))  # (metric, label, decimals) shown per model


def description(folder: Path) -> str:
    """The first sentence of a shipped model's MODEL_CARD.md (its first prose line)."""
    card = folder / "MODEL_CARD.md"
    if not card.is_file():
        return ""
    lines = card.read_text(encoding="utf-8").splitlines()
    desc = next((ln.strip().lstrip("- ") for ln in lines[1:] if ln.strip() and not ln.startswith("#")), "")
    return re.sub(r"[`*]", "", desc).split(". ")[0][:90]


def scores(folder: Path) -> str:
    """The model's measured scores from its ``evaluation.json`` (what ``chromalab evaluate`` writes), beside the
    "no colour" row of the same evaluation; "" when the folder holds none."""
    from chromalab.core import rundir
    from chromalab.core.jsonio import read_json

    path = folder / rundir.EVALUATION
    if not path.is_file():
        return ""
    report = read_json(path)
    rows = report.get("results", [])
    own = next((r for r in rows if r.get("model_dir")), None)  # the baseline row names no model folder
    base = next((r for r in rows if r is not own), None)
    if own is None:
        return ""
    cells = []
    for metric, label, digits in SCORES:
        if metric in own["summary"]:
            cell = f"{label} {own['summary'][metric]['mean']:.{digits}f}"
            if base is not None and metric in base["summary"]:
                cell += f" (no colour {base['summary'][metric]['mean']:.{digits}f})"
            cells.append(cell)
    return f"{report.get('split', 'test')} " + ", ".join(cells) + f"; {report.get('count', '?')} photos"


def folder_size(folder: Path) -> str:
    return f"{sum(f.stat().st_size for f in folder.rglob('*') if f.is_file()) / 1e6:.1f} MB"


@app.command("models")
def models(family: str = typer.Option(None, help="Only this family (ae, gan, ...).")) -> None:
    """The shipped models to colorize with (description, size, test scores), then the training variants."""
    from chromalab.core.extras import missing
    from chromalab.inference.store import DEFAULT_MODEL, PACKAGE_MODELS, shipped_models

    typer.echo("shipped models (chromalab colorize --model NAME):")
    for name in shipped_models():
        folder = PACKAGE_MODELS / name
        tag = " (used by default)" if name == DEFAULT_MODEL else ""
        typer.echo(f"  {name:12} {folder_size(folder):>8}  {description(folder)}{tag}")
        measured = scores(folder)
        if measured:
            typer.echo(f"  {'':12} {'':8}  {measured}")
    if missing("torch"):  # the variants are torch modules; the shipped models run without it
        typer.echo("\ntraining variants and recipes: pip install 'chromalab[train]' to list and train them")
        return
    from chromalab.models.registry import build, count_parameters, get_config, names, recipe_of
    from chromalab.training.recipe import RECIPES

    typer.echo("\ntraining variants (chromalab train --variant NAME):")
    typer.echo(f"  {'variant':32} {'family':10} {'parameters':>12}  recipe")
    for name in names(family):
        cfg = get_config(name)
        recipe = recipe_of(name) or "default"
        typer.echo(f"  {name:32} {cfg.family:10} {count_parameters(build(name, pretrained=False)):>12,}  {recipe}")
    typer.echo("\ntraining recipes (chromalab train --recipe NAME): " + ", ".join(RECIPES))
