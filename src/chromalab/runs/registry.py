"""The run registry: every training run and every evaluation in one SQLite file.

Run folders made anywhere (``chromalab train``, ``chromalab sweep``) are imported from their
``config.json``, ``history.json`` and ``evaluation.json``; so are "external" runs — a folder of another
tool's outputs for the same test photos — evaluated here with the same metrics, so public tools and
classical baselines sit in the same leaderboard. The "no colour" baseline is stored as a run of family
``baseline`` for each dataset it was measured on.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from chromalab.core import lab, rundir
from chromalab.core.jsonio import read_json
from chromalab.models.registry import family_of

DEFAULT_DB = Path("runs") / "chromalab.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    path TEXT UNIQUE,
    family TEXT, variant TEXT, overrides TEXT, domain TEXT,
    dataset TEXT, data_fingerprint TEXT, train_images INTEGER, size INTEGER,
    epochs INTEGER, wall_seconds REAL, device TEXT, status TEXT,
    history TEXT, imported_at REAL
);
CREATE TABLE IF NOT EXISTS evaluations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset TEXT, fingerprint TEXT, split TEXT, size INTEGER, count INTEGER,
    summary TEXT, images TEXT,
    UNIQUE (run_id, fingerprint, split, size)
);
"""
def _family(meta: dict[str, Any]) -> str:
    """The model registry's family of the run's config (the one owner of families)."""
    return family_of(meta.get("model", {})) or "unknown"


class RunDB:
    """A run registry in one SQLite file (created on first use)."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> RunDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------------------------
    def _upsert_run(self, row: dict[str, Any]) -> int:
        row = {**row, "imported_at": time.time()}
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "path")
        with self.conn:
            self.conn.execute(f"INSERT INTO runs ({cols}) VALUES ({marks}) ON CONFLICT(path) DO UPDATE SET {updates}",
                              list(row.values()))
        return int(self.conn.execute("SELECT id FROM runs WHERE path = ?", (row["path"],)).fetchone()[0])

    def add_evaluation(self, run_id: int, report: dict[str, Any], result: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO evaluations (run_id, dataset, fingerprint, split, size, count, summary, images) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, fingerprint, split, size) DO UPDATE SET "
                "summary = excluded.summary, images = excluded.images, count = excluded.count",
                (run_id, report.get("dataset"), report.get("fingerprint"), report.get("split"), report.get("size"),
                 report.get("count"), json.dumps(result["summary"]), json.dumps(result["images"])))

    def _baseline_id(self, report: dict[str, Any]) -> int:
        key = f"baseline:{report.get('fingerprint')}"
        return self._upsert_run({"name": "no-colour", "path": key, "family": "baseline", "variant": "no-colour",
                                 "dataset": report.get("dataset"), "status": "finished"})

    def import_run(self, run_dir: str | os.PathLike, domain: str | None = None) -> int:
        """Import (or refresh) one run folder and its ``evaluation.json``; returns the run id."""
        run_dir = Path(run_dir).resolve()
        meta = read_json(run_dir / rundir.CONFIG)
        t = meta.get("training", {})
        history = read_json(run_dir / rundir.HISTORY)["epochs"] if (run_dir / rundir.HISTORY).is_file() else []
        run_id = self._upsert_run({
            "name": run_dir.name, "path": str(run_dir), "family": _family(meta), "variant": meta.get("variant"),
            "overrides": json.dumps(meta.get("overrides", {})), "domain": domain or meta.get("domain"),
            "dataset": t.get("data"), "data_fingerprint": t.get("data_fingerprint"),
            "train_images": t.get("train_images"), "size": t.get("size"), "epochs": t.get("epochs_done"),
            "wall_seconds": t.get("wall_seconds"), "device": t.get("device"), "status": t.get("status"),
            "history": json.dumps(history)})
        ev_path = run_dir / rundir.EVALUATION
        if ev_path.is_file():
            report = read_json(ev_path)
            for res in report.get("results", []):
                if res["name"] == "no-colour":
                    self.add_evaluation(self._baseline_id(report), report, res)
                elif res["name"] == run_dir.name or (res.get("model_dir") and
                                                     Path(res["model_dir"]).resolve() == run_dir):
                    self.add_evaluation(run_id, report, res)
        return run_id

    def record_report(self, report: dict[str, Any]) -> list[int]:
        """Record every result of an evaluation report (``evaluation.compare``): run folders are imported (and
        get the evaluation), shipped or installed models by name become runs ``model:NAME``, the "no colour"
        row the dataset's baseline. Returns the run ids, in the report's order (baseline left out)."""
        ids = []
        for res in report.get("results", []):
            if res["name"] == "no-colour":
                self.add_evaluation(self._baseline_id(report), report, res)
                continue
            where = Path(res["model_dir"]) if res.get("model_dir") else None
            if where is not None and (where / rundir.CONFIG).is_file():
                run_id = self.import_run(where)
            else:
                run_id = self._model_run(res["name"])
            self.add_evaluation(run_id, report, res)
            ids.append(run_id)
        return ids

    def _model_run(self, name: str) -> int:
        """A registry row for an installed model (the shipped default, say), found by name."""
        from chromalab.inference.store import installed_models
        folder = installed_models().get(name)
        meta = read_json(folder / rundir.CONFIG) if folder and (folder / rundir.CONFIG).is_file() else {}
        t = meta.get("training", {})
        members = t.get("members") or [t]  # an exported ensemble: its members' training time, all together
        wall = sum(m.get("wall_seconds") or 0 for m in members) or None
        return self._upsert_run({"name": name, "path": f"model:{name}", "family": _family(meta),
                                 "variant": meta.get("variant"), "epochs": t.get("epochs_done"), "size": t.get("size"),
                                 "train_images": t.get("train_images"), "status": t.get("status", "finished"),
                                 "wall_seconds": wall, "device": t.get("device")})

    def leaderboard(self, metrics: Iterable[str]) -> dict[str, Any]:
        """Every evaluation in one table: ``{"columns", "rows": [{"model", "family", "dataset", "images",
        metric: mean}], "baseline": row | None}`` sorted by mean MAE; the one source of the web page's board."""
        metrics = list(metrics)
        runs = {r["id"]: r for r in self.runs(include_baseline=True)}
        rows, baseline = [], None
        for e in self.evaluations(runs):
            r = runs[e["run_id"]]
            row = {"model": r["name"], "family": r["family"], "dataset": Path(e["dataset"] or "").name,
                   "images": e["count"], **{m: e["summary"][m]["mean"] for m in metrics if m in e["summary"]}}
            if r["family"] == "baseline":
                baseline = baseline or row
            else:
                rows.append(row)
        rows.sort(key=lambda row: row.get("mae", float("inf")))
        return {"columns": metrics, "rows": rows, "baseline": baseline}

    def import_tree(self, root: str | os.PathLike, domain: str | None = None) -> list[int]:
        """Import a run folder, or every run folder below ``root`` (e.g. a sweep)."""
        root = Path(root)
        if (root / rundir.CONFIG).is_file():
            return [self.import_run(root, domain)]
        return [self.import_run(cfg.parent, domain) for cfg in sorted(root.rglob(rundir.CONFIG))
                if (cfg.parent / rundir.WEIGHTS).is_file() or (cfg.parent / rundir.HISTORY).is_file()]

    def import_external(self, outputs: str | os.PathLike, name: str, data: str | os.PathLike, split: str = "test",
                        size: int = 256, domain: str | None = None) -> int:
        """Evaluate another tool's outputs (files named like the test photos, any suffix such as
        ``_color``) against the truth of ``data``'s split, with the same metrics and photo sizes."""
        from chromalab.core import lab
        from chromalab.core.imageio import iter_image_files, load_rgb
        from chromalab.evaluation.evaluate import evaluate_fn, load_photos
        from chromalab.evaluation.metrics import all_metrics, summarize

        photos = load_photos(data, split, size)
        by_stem: dict[str, Path] = {}
        for f in iter_image_files([outputs]):
            by_stem.setdefault(f.stem, f)
        missing = [f.name for f in photos.index.files if _find(by_stem, f.stem) is None]
        if missing:
            raise FileNotFoundError(f"{outputs}: no output for {len(missing)} test photos, e.g. {missing[0]}")
        rows = []
        for i, f in enumerate(photos.index.files):
            truth = lab.tensor_to_image(photos.photo(i)).clip(0, 1)
            pred = _resize_to(load_rgb(_find(by_stem, f.stem)), truth.shape[:2])
            rows.append({"file": str(f), **all_metrics(pred, truth)})
        result = {"name": name, "images": rows, "summary": summarize(rows)}
        report = {"dataset": str(Path(data).resolve()), "split": split, "size": size,
                  "fingerprint": photos.index.fingerprint(), "count": len(photos)}
        run_id = self._upsert_run({"name": name, "path": f"external:{Path(outputs).resolve()}",
                                   "family": "external", "variant": name, "domain": domain,
                                   "status": "finished", "dataset": report["dataset"]})
        self.add_evaluation(run_id, report, result)
        baseline = evaluate_fn(lambda g: g, photos, "no-colour")
        self.add_evaluation(self._baseline_id(report), report, baseline)
        return run_id

    # ---- reading -------------------------------------------------------------------------------------
    def runs(self, family: str | None = None, variant: str | None = None, dataset: str | None = None,
             domain: str | None = None, name_glob: str | None = None, include_baseline: bool = False
             ) -> list[dict[str, Any]]:
        """Runs matching every given filter (``variant`` and ``name_glob`` accept ``*`` wildcards)."""
        where, args = [], []
        for col, val in (("family", family), ("domain", domain)):
            if val:
                where.append(f"{col} = ?")
                args.append(val)
        for col, val in (("variant", variant), ("name", name_glob)):
            if val:
                where.append(f"{col} GLOB ?")
                args.append(val)
        if dataset:
            where.append("dataset LIKE ?")
            args.append(f"%{dataset}%")
        if not include_baseline:
            where.append("family != 'baseline'")
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY name"
        return [dict(r) for r in self.conn.execute(sql, args)]

    def evaluations(self, run_ids: Iterable[int]) -> list[dict[str, Any]]:
        ids = list(run_ids)
        if not ids:
            return []
        rows = self.conn.execute(
            f"SELECT * FROM evaluations WHERE run_id IN ({', '.join('?' for _ in ids)})", ids)
        out = []
        for r in rows:
            d = dict(r)
            d["summary"], d["images"] = json.loads(d["summary"]), json.loads(d["images"])
            out.append(d)
        return out

    def baselines(self, fingerprints: Iterable[str]) -> list[dict[str, Any]]:
        fps = [f for f in set(fingerprints) if f]
        rows = [r["id"] for r in self.conn.execute(
            f"SELECT id FROM runs WHERE family = 'baseline' AND path IN ({', '.join('?' for _ in fps)})",
            [f"baseline:{f}" for f in fps])] if fps else []
        return self.evaluations(rows)


def _find(by_stem: dict[str, Path], stem: str) -> Path | None:
    if stem in by_stem:
        return by_stem[stem]
    for s, p in by_stem.items():
        if s.startswith(stem) and s[len(stem):len(stem) + 1] in ("_", "-", "."):
            return p
    return None


def _resize_to(rgb: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    if rgb.shape[:2] == tuple(hw):
        return rgb
    from PIL import Image
    im = Image.fromarray(lab.to_uint8(rgb)).resize((hw[1], hw[0]), Image.LANCZOS)
    return np.asarray(im, dtype=np.float32) / 255.0
