"""The decision rule of this project (fixed before the test split was looked at), and the per-photo vividness
loop both sweeps share (``vividness_sweep.py``, ``leave_photos_out.py``)."""

from __future__ import annotations

from chromalab.evaluation.evaluate import no_colour
from chromalab.evaluation.metrics import all_metrics
from chromalab.inference.pipeline import colorize_lightness, image_lightness, working_lightness

MIN_CF_RATIO = 0.85


def passes(row: dict, base: dict) -> bool:
    s = row["summary"]
    return (s["colourfulness"]["mean"] >= MIN_CF_RATIO * s["colourfulness_truth"]["mean"]
            and s["mae"]["mean"] < base["mae"]["mean"] and s["delta_e2000"]["mean"] < base["delta_e2000"]["mean"])


def vivid_metrics(col, truths: list, vivid: list[float]) -> dict[float, list[dict]]:
    """Per vividness, the metrics of each truth's colorization by ``col`` (its network runs once per photo)."""
    rows: dict[float, list[dict]] = {v: [] for v in vivid}
    for truth in truths:
        L = image_lightness(no_colour(truth), col.steps)  # (H, W)
        low, _ = working_lightness(L, col.work_size)
        ab = col.predict(low)
        for v in vivid:
            pred = colorize_lightness(L, steps=col.steps, predict=lambda _, v=v, ab=ab: ab * v,
                                      work_size=col.work_size)
            rows[v].append(all_metrics(pred, truth))
    return rows
