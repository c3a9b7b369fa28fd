"""Leaderboard rows for the page: every run folder's evaluation (``evaluation.json``) in one table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chromalab.core import rundir
from chromalab.core.jsonio import read_json
from chromalab.evaluation.metrics import SHOWN

COLUMNS = tuple(m for m in SHOWN if m != "colourfulness_gap")  # the page shows colourfulness itself


def leaderboard_rows(runs_dir: Path | None) -> dict[str, Any]:
    """``{"columns": [...], "rows": [{"model", "dataset", metric: mean, ...}], "baseline": row | None}``.

    Rows come from ``RUN/evaluation.json`` files written by ``chromalab evaluate``; sorted by mean MAE.
    """
    rows: list[dict[str, Any]] = []
    baseline = None
    if runs_dir is not None and Path(runs_dir).is_dir():
        for ev in sorted(Path(runs_dir).rglob(rundir.EVALUATION)):
            try:
                report = read_json(ev)
            except (OSError, ValueError):
                continue
            for res in report.get("results", []):
                row = {"model": res["name"], "dataset": Path(report.get("dataset", "")).name,
                       "images": report.get("count")}
                row.update({m: res["summary"][m]["mean"] for m in COLUMNS if m in res.get("summary", {})})
                if res["name"] == "no-colour":
                    baseline = baseline or row
                else:
                    rows.append(row)
    rows.sort(key=lambda r: r.get("mae", float("inf")))
    return {"columns": list(COLUMNS), "rows": rows, "baseline": baseline}
