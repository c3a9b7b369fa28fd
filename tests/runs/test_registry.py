import shutil

import numpy as np
import pytest
from PIL import Image

from chromalab.evaluation.evaluate import evaluate
from chromalab.runs.registry import RunDB


@pytest.fixture(scope="module")
def evaluated_runs(tiny_run, photo_dir, tmp_path_factory):
    """Two run folders (copies of the tiny run, one with a domain) evaluated on the same photos."""
    root = tmp_path_factory.mktemp("runs")
    for name in ("alpha", "beta"):
        shutil.copytree(tiny_run, root / name)
        evaluate(root / name, photo_dir, split="all", size=32, out=root / name / "evaluation.json")
    return root


def test_import_round_trip(evaluated_runs, tmp_path):
    with RunDB(tmp_path / "r.sqlite") as db:
        ids = db.import_tree(evaluated_runs)
        assert len(ids) == 2
        db.import_tree(evaluated_runs)  # importing again refreshes, never duplicates
        runs = db.runs()
        assert [r["name"] for r in runs] == ["alpha", "beta"]
        assert runs[0]["variant"] == "ae-unet-learned" and runs[0]["family"] == "ae" and runs[0]["epochs"] == 2
        evs = db.evaluations(r["id"] for r in runs)
        assert len(evs) == 2 and all(e["summary"]["mae"]["min"] <= e["summary"]["mae"]["max"] for e in evs)
        base = db.baselines(e["fingerprint"] for e in evs)
        assert len(base) == 1 and base[0]["summary"]["colourfulness"]["max"] < 1.0
    with RunDB(tmp_path / "r.sqlite") as db:  # persisted in the file
        assert len(db.runs(variant="ae-*")) == 2 and db.runs(family="gan") == []


def test_domain_filter(evaluated_runs, tmp_path):
    with RunDB(tmp_path / "d.sqlite") as db:
        db.import_run(evaluated_runs / "alpha", domain="portrait")
        db.import_run(evaluated_runs / "beta", domain="landscape")
        assert [r["name"] for r in db.runs(domain="portrait")] == ["alpha"]


def test_external_outputs_are_evaluated_with_the_same_metrics(evaluated_runs, photo_dir, tmp_path):
    from chromalab.evaluation.evaluate import load_photos
    photos = load_photos(photo_dir, "all", 32)
    out = tmp_path / "other_tool"
    out.mkdir()
    for f in photos.index.files:  # a "tool" that returns the truth itself, named with a suffix
        Image.open(f).convert("RGB").save(out / f"{f.stem}_colorized.png")
    with RunDB(tmp_path / "e.sqlite") as db:
        rid = db.import_external(out, "perfect-tool", photo_dir, split="all", size=32)
        ev = db.evaluations([rid])[0]
        assert ev["count"] == len(photos)
        assert ev["summary"]["mae"]["mean"] < 0.02  # the truth (up to resizing) scores near perfect
        (out / f"{photos.index.files[0].stem}_colorized.png").unlink()
        with pytest.raises(FileNotFoundError, match="no output"):
            db.import_external(out, "broken", photo_dir, split="all", size=32)
    assert np.isfinite(ev["summary"]["psnr"]["mean"])
