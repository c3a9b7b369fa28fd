from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail

runs_app = typer.Typer(help="The run registry: list, filter and import runs.", invoke_without_command=True,
                       no_args_is_help=False)
app.add_typer(runs_app, name="runs")
DB_HELP = "Registry file (SQLite)."


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    db: Path = typer.Option(Path("runs/chromalab.sqlite"), help=DB_HELP),
    family: str = typer.Option(None, help="ae, gan, external, ..."),
    variant: str = typer.Option(None, help="Variant name or glob (gan-unet-*)."),
    dataset: str = typer.Option(None, help="Part of the dataset path."),
    domain: str = typer.Option(None, help="portrait, landscape, ..."),
) -> None:
    """List registered runs (with their mean test MAE) as a table."""
    if ctx.invoked_subcommand is not None:
        return
    from chromalab.runs.registry import RunDB

    if not db.is_file():
        fail(f"{db}: no run registry yet (chromalab runs import RUN_OR_SWEEP_DIR --db {db})")
    with RunDB(db) as reg:
        runs = reg.runs(family=family, variant=variant, dataset=dataset, domain=domain)
        evals = {e["run_id"]: e for e in reg.evaluations(r["id"] for r in runs)}
    typer.echo(f"{'name':30} {'family':9} {'variant':28} {'domain':9} {'epochs':>6} {'wall s':>7} {'status':9} "
               f"{'test MAE':>9}")
    for r in runs:
        mae = evals.get(r["id"], {}).get("summary", {}).get("mae", {}).get("mean")
        wall = "-" if r["wall_seconds"] is None else round(r["wall_seconds"])
        typer.echo(f"{r['name'][:30]:30} {r['family'] or '':9} {(r['variant'] or '')[:28]:28} {r['domain'] or '':9} "
                   f"{r['epochs'] or '':>6} {wall:>7} {r['status'] or '':9} "
                   f"{'-' if mae is None else f'{mae:.4f}':>9}")
    typer.echo(f"{len(runs)} runs in {db}", err=True)


@runs_app.command("import")
def runs_import(
    paths: list[Path] = typer.Argument(..., help="Run folders, sweep folders, or (with --external) outputs."),
    db: Path = typer.Option(Path("runs/chromalab.sqlite"), help=DB_HELP),
    external: str = typer.Option(None, help="Name for a folder of another tool's outputs (evaluated here)."),
    data: Path = typer.Option(None, help="With --external: the photo folder whose split the outputs match."),
    split: str = typer.Option("test"),
    size: int = typer.Option(256, help="With --external: shorter side the photos are compared at."),
    domain: str = typer.Option(None, help="Tag the imported runs with a domain."),
) -> None:
    """Import run folders (their config, history and evaluation) or an external tool's outputs."""
    from chromalab.runs.registry import RunDB

    if external and data is None:
        fail("--external needs --data (the photos the outputs were made from)")
    with RunDB(db) as reg:
        n = 0
        for p in paths:
            if not p.is_dir():
                fail(f"{p}: not a folder")
            try:
                if external:
                    reg.import_external(p, external, data, split=split, size=size, domain=domain)
                    n += 1
                else:
                    n += len(reg.import_tree(p, domain))
            except (FileNotFoundError, ValueError, KeyError) as e:
                fail(str(e))
    typer.echo(f"imported {n} run(s) into {db}", err=True)
