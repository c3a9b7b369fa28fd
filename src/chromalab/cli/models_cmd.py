from __future__ import annotations

import re
from pathlib import Path

import typer

from chromalab.cli.app import app


def card_summary(folder: Path) -> tuple[str, str]:
    """(one-line description, test scores) from a shipped model's MODEL_CARD.md: the first prose line, and
    MAE / ΔE2000 of the first test-table row that names the model itself (e.g. ``default (unchanged)``; a
    card also tabulates candidates that were not shipped), else of the first table's first row."""
    card = folder / "MODEL_CARD.md"
    if not card.is_file():
        return "", ""
    lines = card.read_text(encoding="utf-8").splitlines()
    desc = next((ln.strip().lstrip("- ") for ln in lines[1:] if ln.strip() and not ln.startswith("#")), "")
    desc = re.sub(r"[`*]", "", desc).split(". ")[0][:90]
    rows = []  # (header cells, row cells) of every table whose header starts with "model"
    for i, ln in enumerate(lines):
        if ln.startswith("| model |"):
            head = [c.strip() for c in ln.strip("|").split("|")]
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                rows.append((head, [re.sub(r"\*|\[.*?\]|`", "", c).strip() for c in lines[j].strip("|").split("|")]))
                j += 1
    if not rows:
        return desc, ""
    head, row = next(((h, r) for h, r in rows if r[0].lower().startswith(folder.name.lower())), rows[0])
    got = {h.split()[0]: v for h, v in zip(head, row, strict=False) if h.split()}
    return desc, ", ".join(f"test {k} {got[k]}" for k in ("MAE", "ΔE2000") if got.get(k))


def folder_size(folder: Path) -> str:
    return f"{sum(f.stat().st_size for f in folder.rglob('*') if f.is_file()) / 1e6:.1f} MB"


@app.command("models")
def models(family: str = typer.Option(None, help="Only this family (ae, gan, ...).")) -> None:
    """The shipped models to colorize with (description, size, test scores), then the training variants."""
    from chromalab.core.extras import missing
    from chromalab.inference.store import DEFAULT_MODEL, PACKAGE_MODELS, shipped_models

    typer.echo("shipped models (chromalab colorize --model NAME):")
    for name in shipped_models():
        desc, scores = card_summary(PACKAGE_MODELS / name)
        tag = " (used by default)" if name == DEFAULT_MODEL else ""
        typer.echo(f"  {name:12} {folder_size(PACKAGE_MODELS / name):>8}  {desc}{tag}")
        if scores:
            typer.echo(f"  {'':12} {'':8}  {scores}")
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
