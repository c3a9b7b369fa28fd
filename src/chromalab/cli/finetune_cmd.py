from __future__ import annotations

import sys
from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.cli.progress import progress_display
from chromalab.core.extras import require


@app.command("finetune")
def finetune_command(
    data: Path = typer.Option(None, "--data", help="Folder of your colour photos (recursive; grey ones are "
                              "skipped and counted). Not needed with --resume."),
    out: Path = typer.Option(..., "--out", help="Model folder to create (or resume): config, weights, model.onnx, "
                             "MODEL_CARD.md."),
    source: str = typer.Option("default", "--from", help="Model to start from: an installed name or a model "
                               "folder (a unet-effnet-lite0 model such as the shipped default)."),
    minutes: float = typer.Option(None, min=0.1, help="Stop training after this many minutes (the final "
                                  "before/after measurement comes on top)."),
    epochs: int = typer.Option(None, min=1, help="At most this many epochs (default: the recipe's); it stops "
                               "earlier when its held-out photos stop improving."),
    alpha: float = typer.Option(None, "--alpha", min=0.0, max=1.0, help="Share of the fine-tuned weights in the "
                                "written model, the rest the source's (default: the recipe's wise_alpha; 1: the "
                                "fine-tuned weights alone, more specialised; lower keeps more of the source)."),
    resume: bool = typer.Option(False, help="Continue the fine-tune in --out from its last checkpoint."),
    seed: int = typer.Option(0),
    db: Path = typer.Option(Path("runs/chromalab.sqlite"), help="Registry the finished run is recorded in."),
) -> None:
    """Adapt a model (the shipped default unless --from) to your own colour photos, on a CPU.

    Prints before/after on its held-out photos; then `chromalab colorize --model OUT` uses it (ONNX Runtime,
    no torch needed), and `chromalab serve --runs PARENT` lists it."""
    require("train", "fine-tuning")
    from lightning.pytorch.callbacks import RichProgressBar

    from chromalab.evaluation.evaluate import format_table
    from chromalab.runs.finetune import CARD_METRICS, finetune

    if not resume and data is None:
        fail("--data is needed: a folder of your colour photos")
    try:
        with progress_display() as progress:
            report = finetune(data, out, source=source, minutes=minutes, epochs=epochs, alpha=alpha,
                              resume=resume, seed=seed,
                              callbacks=[RichProgressBar()] if sys.stderr.isatty() else [], progress=progress)
    except (KeyError, ValueError, FileNotFoundError, FileExistsError) as e:
        fail(str(e).strip("'\""))
    typer.echo(format_table(report, metrics=CARD_METRICS))
    from chromalab.runs.registry import RunDB
    with RunDB(db) as reg:
        reg.import_run(out)
    typer.echo(f"fine-tuned model in {out} (MODEL_CARD.md); colorize with: chromalab colorize PHOTOS --model {out}",
               err=True)
