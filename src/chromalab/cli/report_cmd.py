from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.core.extras import require


@app.command("report")
def report_command(
    out: Path = typer.Option(Path("report.html"), help="HTML file to write (self-contained, opens offline)."),
    db: Path = typer.Option(Path("runs/chromalab.sqlite"), help="Registry file (SQLite)."),
    import_: list[Path] = typer.Option(None, "--import", help="Import these run/sweep folders first."),
    runs: str = typer.Option(None, help="Only runs whose name matches this glob (e.g. 'gan-*')."),
    family: str = typer.Option(None),
    dataset: str = typer.Option(None),
    domain: str = typer.Option(None),
    images: int = typer.Option(6, help="Test photos shown side by side for every model."),
    title: str = typer.Option("chromalab report"),
) -> None:
    """One HTML page: leaderboard with the no-colour baseline, the same photos for every model, curves."""
    require("train", "the report")
    from chromalab.runs.registry import RunDB
    from chromalab.runs.report import report_data, write_report

    with RunDB(db) as reg:
        for p in import_ or []:
            if not p.is_dir():
                fail(f"{p}: not a folder")
            reg.import_tree(p)
        data = report_data(reg, family=family, dataset=dataset, domain=domain, name_glob=runs, images=images)
    if not data["runs"]:
        fail(f"no runs match in {db} (import some with --import DIR or `chromalab runs import`)")
    write_report(data, out, title)
    typer.echo(f"report with {len(data['runs'])} runs written to {out}", err=True)
