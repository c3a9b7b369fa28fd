"""`chromalab models` reads a shipped model's scores from its evaluation.json, never from the card's prose."""

import json

from chromalab.cli.models_cmd import scores
from chromalab.inference.store import PACKAGE_MODELS


def _row(name, mae, de, model_dir=None):
    return {"name": name, "model_dir": model_dir, "summary": {"mae": {"mean": mae}, "delta_e2000": {"mean": de}}}


def test_scores_come_from_evaluation_json_not_the_card(tmp_path):
    (tmp_path / "MODEL_CARD.md").write_text("# m\n\n| model | MAE ↓ | ΔE2000 ↓ |\n|---|---|---|\n| m | 0.5 | 50 |\n")
    assert scores(tmp_path) == ""  # a card alone gives no scores
    rows = [_row("m", 0.06572, 13.021, "m"), _row("no-colour", 0.0733, 13.83)]
    report = {"split": "test", "count": 9, "results": rows}
    (tmp_path / "evaluation.json").write_text(json.dumps(report))
    assert scores(tmp_path) == "test MAE 0.0657 (no colour 0.0733), ΔE2000 13.02 (no colour 13.83); 9 photos"


def test_the_shipped_default_carries_its_measured_test_scores():
    report = json.loads((PACKAGE_MODELS / "default" / "evaluation.json").read_text())
    mae = report["results"][0]["summary"]["mae"]["mean"]
    assert report["split"] == "test" and report["count"] == 9
    assert f"MAE {mae:.4f}" in scores(PACKAGE_MODELS / "default")
