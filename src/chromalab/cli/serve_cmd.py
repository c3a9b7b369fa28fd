from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.core.extras import require


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000),
    runs: Path = typer.Option(None, help="Folder of run folders: each trained run becomes a model."),
    workers: int = typer.Option(2, help="Images colorized at once."),
    queue: int = typer.Option(8, help="Images that may wait; beyond that the API answers 503."),
    max_upload_mb: float = typer.Option(25.0),
    max_megapixels: float = typer.Option(40.0),
    max_video_upload_mb: float = typer.Option(200.0, help="Largest video upload (photos: --max-upload-mb)."),
    db: Path = typer.Option(None, help="Run registry for the leaderboard (default: RUNS/chromalab.sqlite, else "
                                       "runs/chromalab.sqlite if it exists)."),
    runtime: str = typer.Option("auto", help="What runs the networks: auto (ONNX Runtime where the model has "
                                "model.onnx and onnxruntime is installed), torch or onnx."),
) -> None:
    """Start the web demo and HTTP API (OpenAPI docs at /docs)."""
    require("web", "the web server")
    import uvicorn

    from chromalab.web import WebSettings, create_app

    if runs is not None and not runs.is_dir():
        fail(f"{runs}: not a folder")
    if db is None and runs is None and Path("runs/chromalab.sqlite").is_file():
        db = Path("runs/chromalab.sqlite")
    settings = WebSettings(runs_dir=runs, db=db, workers=workers, queue_size=queue, runtime=runtime,
                           max_upload_bytes=int(max_upload_mb * 1024 * 1024), max_pixels=int(max_megapixels * 1e6),
                           max_video_upload_bytes=int(max_video_upload_mb * 1024 * 1024))
    typer.echo(f"chromalab on http://{host}:{port}  (API docs: /docs)", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
