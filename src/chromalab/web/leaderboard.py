"""Leaderboard rows for the page: the run registry's (the same evaluations ``chromalab report`` shows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chromalab.evaluation.metrics import SHOWN
from chromalab.runs.registry import RunDB

COLUMNS = tuple(m for m in SHOWN if m != "colourfulness_gap")  # the page shows colourfulness itself


def leaderboard_rows(runs_dir: Path | None, db: Path | None = None) -> dict[str, Any]:
    """``{"columns": [...], "rows": [{"model", "family", "dataset", metric: mean, ...}], "baseline": row | None}``.

    Read from the registry ``db`` (default ``runs_dir/chromalab.sqlite``), after importing the run folders under
    ``runs_dir`` (so a folder evaluated by the library alone shows too); sorted by mean MAE. Installed models
    evaluated through ``chromalab evaluate`` (the shipped default) are in the registry, so they show as well.
    """
    db = db or (Path(runs_dir) / "chromalab.sqlite" if runs_dir is not None else None)
    if db is None or (not Path(db).is_file() and not (runs_dir and Path(runs_dir).is_dir())):
        return {"columns": list(COLUMNS), "rows": [], "baseline": None}
    with RunDB(db) as reg:
        if runs_dir is not None and Path(runs_dir).is_dir():
            reg.import_tree(runs_dir)
        return reg.leaderboard(COLUMNS)
