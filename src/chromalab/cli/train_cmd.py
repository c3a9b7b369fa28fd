from __future__ import annotations

import sys
from pathlib import Path

import typer

from chromalab.cli.app import app, fail, parse_sets
from chromalab.core.extras import require


@app.command("train")
def train_command(
    out: Path = typer.Option(..., "--out", help="Run folder to create (or resume)."),
    variant: str = typer.Option(None, help="Registered variant (see `chromalab models`); a recipe may name it."),
    data: Path = typer.Option(None, help="Folder of colour photos (recursive)."),
    recipe: str = typer.Option(None, help="Named training recipe (see `chromalab models`), e.g. the shipped "
                               "default's default-effnet-lite0. Default: the variant's."),
    size: int = typer.Option(None, help="Training crop size in pixels (default: the recipe's)."),
    batch: int = typer.Option(None, help="Batch size (default: the recipe's)."),
    epochs: int = typer.Option(None, help="Epochs, total also when resuming (default: the recipe's)."),
    max_minutes: float = typer.Option(None, help="Stop after this many minutes of training."),
    lr: float = typer.Option(None, help="Learning rate (default: the recipe's)."),
    seed: int = typer.Option(0),
    set_: list[str] = typer.Option(None, "--set", help="Override a model config or recipe field: key=value "
                                   "(repeatable)."),
    resume: bool = typer.Option(False, help="Continue the run in --out from its last checkpoint (saved every epoch)."),
    deterministic: bool = typer.Option(False, help="Deterministic algorithms and seeded workers: same seed, "
                                                   "same weights (slower)."),
    accelerator: str = typer.Option("auto", help="Lightning accelerator: auto, cpu, gpu."),
    devices: str = typer.Option("auto", help="Lightning devices: auto, 1, 2, ..."),
    strategy: str = typer.Option("auto", help="Lightning strategy, e.g. ddp."),
    num_nodes: int = typer.Option(1, help="Machines taking part (DDP under torchrun or SLURM; docs/training.md)."),
    precision: str = typer.Option(None, help="32-true, bf16-mixed, ... (default: bf16-mixed on GPU, 32 on CPU)."),
    workers: int = typer.Option(0, help="Data loader worker processes."),
    db: Path = typer.Option(Path("runs/chromalab.sqlite"), help="Registry the finished run is recorded in."),
) -> None:
    """Train a model on a folder of colour photos."""
    require("train", "training")
    from lightning.pytorch.callbacks import RichProgressBar

    from chromalab.training.callbacks import EpochLine
    from chromalab.training.train import train

    if not resume and ((variant is None and recipe is None) or data is None):
        fail("--variant (or --recipe) and --data are needed for a new run")
    if data is not None and not data.is_dir():
        fail(f"{data}: not a folder")
    dev = int(devices) if devices.isdigit() else devices
    try:
        train(variant, data, out, recipe=recipe, size=size, batch=batch, epochs=epochs, max_minutes=max_minutes,
              overrides=parse_sets(set_), lr=lr, seed=seed, resume=resume, accelerator=accelerator,
              devices=dev, strategy=strategy, precision=precision, num_workers=workers,
              deterministic=deterministic, num_nodes=num_nodes,
              callbacks=[RichProgressBar()] if sys.stderr.isatty() else [EpochLine(out)])
    except (KeyError, ValueError, FileNotFoundError, FileExistsError) as e:
        fail(str(e).strip("'\""))
    from chromalab.runs.registry import RunDB
    with RunDB(db) as reg:
        reg.import_run(out)
    typer.echo(f"run {out} recorded in {db}", err=True)
