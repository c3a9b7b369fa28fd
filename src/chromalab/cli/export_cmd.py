from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.core import rundir


@app.command("export")
def export_command(
    run_dirs: list[Path] = typer.Argument(..., help="Trained run folder; several unet-effnet-lite0 runs with "
                                          "a frozen encoder become one decoder ensemble."),
    out: Path = typer.Option(..., help="Model folder to write (config.json + model.safetensors + model.onnx)."),
    half: bool = typer.Option(True, help="Store fp16 weights."),
    weights: str = typer.Option(rundir.WEIGHTS, help="Which weights of the run: model (best) or last."),
    onnx: bool = typer.Option(True, help="Also write model.onnx (plain L → ab networks), which ONNX Runtime "
                              "runs (chromalab colorize --runtime onnx)."),
    temperature: float | None = typer.Option(None, help="ab-bins models: the annealed mean's temperature to "
                                             "ship (written under inference, baked into model.onnx)."),
) -> None:
    """Export a run's model as a self-contained folder (e.g. into src/chromalab/weights/NAME to ship it).

    Several runs: their decoders are averaged as one ensemble on the shared frozen encoder.
    """
    from chromalab.core.extras import require

    require("torch", "export")
    from chromalab.models.io import export_model

    try:
        export_model(run_dirs if len(run_dirs) > 1 else run_dirs[0], out, half=half, weights=weights,
                     onnx=onnx, inference={"temperature": temperature} if temperature is not None else None)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
    typer.echo(f"exported {', '.join(map(str, run_dirs))} → {out}", err=True)
