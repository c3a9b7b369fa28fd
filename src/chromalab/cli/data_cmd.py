from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.cli.progress import progress_display
from chromalab.core.extras import require

data_app = typer.Typer(help="Build datasets of colour photos.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("build")
def build_command(
    sources: list[str] = typer.Argument(..., help="Folders, video files, URL lists (.txt) or flickr:QUERY."),
    out: Path = typer.Option(..., help="Dataset folder (created, or resumed if it exists)."),
    size: int = typer.Option(512, help="Longer side of the written photos."),
    min_side: int = typer.Option(128, help="Drop photos whose shorter side is smaller."),
    workers: int = typer.Option(2, help="Parallel workers (decode, filter, resize)."),
    domain: str = typer.Option(None, help="Keep only portrait or landscape photos."),
    shards: int = typer.Option(0, help="Also write tar shards of this many photos each (0 = none)."),
    fps: float = typer.Option(1.0, help="Video frames sampled per second (scene cuts are added)."),
    flickr_max: int = typer.Option(500, help="Most photos per flickr: query."),
    flickr_licenses: str = typer.Option("1,2,3,4,5,6,9,10", help="Flickr licence ids (default: Creative Commons)."),
) -> None:
    """Build a train/val/test image folder with a manifest; rerun to resume after an interruption."""
    require("data", "building a data set")
    from chromalab.data.build.build import build_dataset
    from chromalab.data.build.sources import SourceOptions

    if domain not in (None, "portrait", "landscape"):
        fail("--domain must be portrait or landscape")
    opts = SourceOptions(fps=fps, flickr_max=flickr_max, flickr_licenses=flickr_licenses)
    try:
        with progress_display() as progress:
            s = build_dataset(sources, out, size=size, min_side=min_side, workers=workers, domain=domain,
                              shards=shards, options=opts, progress=progress)
    except (OSError, ValueError) as e:
        fail(str(e))
    for e in s.errors:
        typer.echo(f"error: {e}", err=True)
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(s.dropped.items())) or "none"
    typer.echo(f"kept {s.kept} new photos ({', '.join(f'{k} {v}' for k, v in sorted(s.by_split.items()))} in all), "
               f"dropped: {dropped}; {s.skipped_done} already done; {s.seconds:.1f} s → {out}", err=True)
    if s.errors:
        raise typer.Exit(1)
