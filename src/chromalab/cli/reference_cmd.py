"""``chromalab similarity train`` and ``chromalab reference train|evaluate``."""

from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail, parse_sets
from chromalab.cli.progress import progress_display
from chromalab.core import rundir
from chromalab.core.extras import require

similarity_app = typer.Typer(help="Similarity (feature) networks for reference-guided colorization.",
                             no_args_is_help=True)
reference_app = typer.Typer(help="Reference-guided colorization: train and evaluate.", no_args_is_help=True)
app.add_typer(similarity_app, name="similarity")
app.add_typer(reference_app, name="reference")


@similarity_app.command("train")
def similarity_train(
    data: Path = typer.Option(..., help="Folder of labelled photos: one sub-folder per class."),
    out: Path = typer.Option(..., help="Run folder to create."),
    variant: str = typer.Option("similarity-resnet34-l", help="similarity-resnet34-l or similarity-resnet34-rgb."),
    size: int = typer.Option(96, help="Training crop size in pixels."),
    batch: int = typer.Option(16),
    epochs: int = typer.Option(10),
    lr: float = typer.Option(1e-3),
    max_minutes: float = typer.Option(None, help="Stop after this many minutes."),
    seed: int = typer.Option(0),
    set_: list[str] = typer.Option(None, "--set", help="Override a config field: key=value (repeatable)."),
) -> None:
    """Train a similarity network as a classifier; prints the validation accuracy."""
    require("train", "training")
    from chromalab.training.similarity import train_similarity

    if not data.is_dir():
        fail(f"{data}: not a folder")
    try:
        res = train_similarity(variant, data, out, size=size, batch=batch, epochs=epochs, lr=lr, seed=seed,
                               overrides=parse_sets(set_), max_minutes=max_minutes)
    except (KeyError, ValueError, FileNotFoundError, FileExistsError) as e:
        fail(str(e).strip("'\""))
    typer.echo(f"validation accuracy {res['val_accuracy']:.3f} over {len(res['classes'])} classes "
               f"(chance {1 / len(res['classes']):.3f}); model in {out}")


@reference_app.command("train")
def reference_train(
    data: Path = typer.Option(..., help="Folder of colour photos (no labels, no references needed)."),
    out: Path = typer.Option(..., help="Run folder to create."),
    variant: str = typer.Option("reference-unet", help="reference-unet or reference-unet-nowarp (ablation)."),
    features: str = typer.Option(None, help="A similarity run folder to use as feature network "
                                            "(default: pretrained EfficientNet-Lite0)."),
    size: int = typer.Option(96, help="Training crop size in pixels."),
    batch: int = typer.Option(8),
    epochs: int = typer.Option(40),
    max_minutes: float = typer.Option(None, help="Stop after this many minutes."),
    lr: float = typer.Option(2e-4),
    seed: int = typer.Option(0),
    set_: list[str] = typer.Option(None, "--set", help="Override a config field: key=value (repeatable)."),
) -> None:
    """Train a reference-guided colorizer from colour photos alone (each photo is its own distorted reference)."""
    require("train", "training")
    from chromalab.core.jsonio import read_json
    from chromalab.training.train import train

    if not data.is_dir():
        fail(f"{data}: not a folder")
    overrides: dict = dict(parse_sets(set_))
    if features:
        cfg_path = Path(features) / rundir.CONFIG
        if not cfg_path.is_file():
            fail(f"{features}: not a similarity run folder (no config.json)")
        from chromalab.models.registry import config_from_dict
        overrides["features"] = config_from_dict(read_json(cfg_path)["model"])
        overrides["features_weights"] = str(Path(features).resolve())
    try:
        train(variant, data, out, size=size, batch=batch, epochs=epochs, max_minutes=max_minutes, lr=lr, seed=seed,
              overrides=overrides)
    except (KeyError, ValueError, FileNotFoundError, FileExistsError) as e:
        fail(str(e).strip("'\""))


@reference_app.command("evaluate")
def reference_evaluate(
    models: list[str] = typer.Argument(..., help="Reference run folders (others get one row each)."),
    data: Path = typer.Option(..., help="Folder of colour photos; its --split is used."),
    split: str = typer.Option("test"),
    size: int = typer.Option(128, help="Photos are scaled so the shorter side is this many pixels."),
    out: Path = typer.Option(None, help="JSON file for per-image and summary metrics."),
    grid: Path = typer.Option(None, help="Also write an example grid PNG (first model)."),
) -> None:
    """Metrics with three reference kinds (distorted truth, unrelated photo, none), with and without correspondence."""
    require("train", "evaluation")
    from chromalab.evaluation.evaluate import eval_work_size, format_table
    from chromalab.evaluation.reference import evaluate_reference, example_grid
    from chromalab.inference.load import load_colorizer

    try:
        with progress_display() as progress:
            report = evaluate_reference(models, data, split=split, size=size, out=out, progress=progress)
        if grid is not None:
            col = load_colorizer(models[0], work_size=eval_work_size(size))
            if not col.takes_reference:
                fail(f"{models[0]}: not a reference-guided model, no grid to draw")
            example_grid(col, data, grid, split=split, size=size)
            typer.echo(f"example grid written to {grid}", err=True)
    except (ValueError, FileNotFoundError) as e:
        fail(str(e))
    typer.echo(format_table(report))
    if out:
        typer.echo(f"metrics written to {out}", err=True)
