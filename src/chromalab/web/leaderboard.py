"""Leaderboard rows for the page: the run registry's (the same evaluations ``chromalab report`` shows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chromalab.evaluation.metrics import LOWER_IS_BETTER, SHOWN
from chromalab.runs.registry import RunDB

COLUMNS = tuple(m for m in SHOWN if m != "colourfulness_gap")  # the page shows colourfulness itself


def leaderboard_rows(runs_dir: Path | None, db: Path | None = None) -> dict[str, Any]:
    """``{"columns": [...], "rows": [{"model", "family", "dataset", metric: mean, ..., "worse": [metric, ...]}],
    "baseline": row | None}``; ``worse`` names the metrics on which "no colour" beats the row (as in the report).

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
        board = reg.leaderboard(COLUMNS)
    base = board["baseline"] or {}
    for row in board["rows"]:
        row["worse"] = [m for m in COLUMNS if m in LOWER_IS_BETTER and m in row and m in base
                        and (row[m] > base[m] if LOWER_IS_BETTER[m] else row[m] < base[m])]
    return board
