import json
import shutil

import pytest
from typer.testing import CliRunner

from chromalab.cli import app
from chromalab.models.registry import names
from chromalab.models.zoo import GRIDS
from chromalab.runs.sweep import format_sweep_table, resolve_grid, sweep

PAIR = ["ae-plain-interp", "gan-plain-interp-d4-w20"]
TINY = {"ae-plain-interp": {"width": 4, "depth": 2},
        "gan-plain-interp-d4-w20": {"generator.width": 4, "generator.depth": 2, "d_width": 4, "d_layers": 2}}
SETTINGS = dict(size=32, batch=4, epochs=1, overrides=TINY, progress=None)


@pytest.fixture(scope="module")
def tiny_sweep(photo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "pair"
    summary = sweep(PAIR, photo_dir, 1.0, out, **SETTINGS)
    return out, summary


def stamps(out):
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and p.name in ("model.safetensors", "history.json", "evaluation.json")}


def test_grids_hold_the_seed_configurations():
    assert {k: len(v) for k, v in GRIDS.items()} == {"seed-ae": 4, "seed-gan": 12, "seed-gan-weights": 3,
                                                     "seed-all": 19}
    # every autoencoder and GAN but issue 15's adversarial fine-tune of the default (not a seed configuration)
    assert set(GRIDS["seed-all"]) == set(names("ae")) | set(names("gan")) - {"gan-effnet-lite0-d0"}
    assert resolve_grid(" ae-unet-learned, gan-plain-interp-d0-w20") == ["ae-unet-learned", "gan-plain-interp-d0-w20"]
    with pytest.raises(KeyError, match="seed-all"):
        resolve_grid("seed-everything")


def test_sweep_trains_evaluates_and_summarizes_every_run(tiny_sweep, photo_dir):
    out, summary = tiny_sweep
    assert [r["name"] for r in summary["results"]] == PAIR + ["no-colour"]
    assert summary["split"] == "test" and summary["size"] == 32 and summary["count"] > 0
    for name in PAIR:
        run = out / name
        meta = json.loads((run / "config.json").read_text())
        assert meta["training"]["status"] == "finished" and meta["training"]["epochs_done"] == 1
        assert meta["training"]["max_minutes"] == 1.0 and meta["training"]["size"] == 32
        ev = json.loads((run / "evaluation.json").read_text())
        assert ev["fingerprint"] == summary["fingerprint"] and ev["results"][0]["summary"]["mae"]["mean"] > 0
    assert json.loads((out / "summary.json").read_text())["results"][1]["training"]["epochs_done"] == 1
    table = format_sweep_table(summary)
    assert all(n in table for n in PAIR + ["no-colour"]) and "trained 1 min each at 32 px" in table


def test_a_second_sweep_keeps_finished_runs(tiny_sweep, photo_dir, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(tiny_sweep[0], out)
    before = stamps(out)
    summary = sweep(PAIR, photo_dir, 1.0, out, **SETTINGS)
    assert stamps(out) == before and len(before) == 6  # nothing retrained or re-evaluated
    assert [r["summary"] for r in summary["results"]] == [r["summary"] for r in tiny_sweep[1]["results"]]


def test_interrupted_runs_are_resumed_or_restarted_and_the_others_kept(tiny_sweep, photo_dir, tmp_path):
    out = tmp_path / "interrupted"
    shutil.copytree(tiny_sweep[0], out)
    ae, gan = (out / n for n in PAIR)
    for run in (ae, gan):  # as if killed during training
        meta = json.loads((run / "config.json").read_text())
        meta["training"]["status"] = "running"
        (run / "config.json").write_text(json.dumps(meta))
    shutil.rmtree(gan / "checkpoints")  # killed before its first checkpoint: must start again
    (gan / "history.json").write_text('{"epochs": [{"epoch": 0, "marker": true}]}')
    before = stamps(out)
    sweep(PAIR, photo_dir, 1.0, out, **SETTINGS)
    after = stamps(out)
    for run in (ae, gan):
        assert json.loads((run / "config.json").read_text())["training"]["status"] == "finished"
    # the AE resumed from its checkpoint at the end of epoch 1: no new epoch trained, but evaluated again
    assert after[f"{PAIR[0]}/model.safetensors"] == before[f"{PAIR[0]}/model.safetensors"]
    assert after[f"{PAIR[0]}/evaluation.json"] != before[f"{PAIR[0]}/evaluation.json"]
    # the GAN was trained afresh
    assert "marker" not in (gan / "history.json").read_text()
    assert after[f"{PAIR[1]}/model.safetensors"] != before[f"{PAIR[1]}/model.safetensors"]


def test_other_settings_need_another_folder(tiny_sweep, photo_dir):
    with pytest.raises(ValueError, match="budget_minutes"):
        sweep(PAIR, photo_dir, 2.0, tiny_sweep[0], **SETTINGS)


def test_cli_sweep_prints_the_table_and_refuses_bad_grids(tiny_sweep, photo_dir, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli"
    shutil.copytree(tiny_sweep[0], out)
    res = runner.invoke(app, ["sweep", "--grid", ",".join(PAIR), "--data", str(photo_dir), "--budget-minutes", "1",
                              "--out", str(out), "--size", "32", "--batch", "4", "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "no-colour" in res.stdout and PAIR[1] in res.stdout
    res = runner.invoke(app, ["sweep", "--grid", "seed-nope", "--data", str(photo_dir), "--budget-minutes", "1",
                              "--out", str(tmp_path / "x")])
    assert res.exit_code == 1 and res.stderr.startswith("error:") and res.stderr.count("\n") == 1
