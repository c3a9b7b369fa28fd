"""The CLI as a user runs it: exit codes, one-line errors, no partial files."""

import io

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from chromalab.cli import app
from tests.conftest import sample_rgb

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "in"
    (d / "nested").mkdir(parents=True)
    grey = Image.fromarray(sample_rgb("astronaut", 80)).convert("L")
    grey.save(d / "grey.png")
    grey.save(d / "nested" / "grey2.jpg")
    Image.fromarray(sample_rgb("coffee", 64)).save(d / "colour.png")
    return d


def test_models_lists_variants_with_parameter_counts():
    res = run("models")
    assert res.exit_code == 0 and "ae-unet-learned" in res.output and "ae-plain-interp" in res.output
    assert res.output.index("default") < res.output.index("ae-plain-interp")  # shipped models first
    assert "test MAE" in res.output and "MB" in res.output


def test_version():
    res = run("--version")
    assert res.exit_code == 0 and res.output.startswith("chromalab ")


def test_colorize_folder_recursively_at_full_size(tiny_run, inputs, tmp_path):
    out = tmp_path / "out"
    res = run("colorize", inputs, "--model", tiny_run, "--out", out)
    assert res.exit_code == 0, res.output
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == ["colour_color.png", "grey_color.png", "nested/grey2_color.jpg"]  # the input's format
    assert Image.open(out / "grey_color.png").size == Image.open(inputs / "grey.png").size
    assert Image.open(out / "grey_color.png").mode == "RGB"
    assert "is in colour" in res.stderr


def test_bad_files_are_reported_and_the_rest_processed(tiny_run, inputs, tmp_path):
    (inputs / "empty.png").write_bytes(b"")
    (inputs / "text.jpg").write_text("hello")
    buf = io.BytesIO()
    Image.fromarray(sample_rgb("chelsea", 64)).save(buf, "PNG")
    (inputs / "trunc.png").write_bytes(buf.getvalue()[:200])
    Image.new("L", (3000, 3000)).save(inputs / "bomb.png")
    out = tmp_path / "out"
    res = run("colorize", inputs, tmp_path / "missing.png", "--model", tiny_run, "--out", out, "--max-megapixels", "4")
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    errs = [line for line in lines if "error:" in line or "failed:" in line]
    assert len(errs) == 3, res.stderr
    for word in ("corrupt", "limit", "no such file"):
        assert any(word in e for e in errs), word
    not_images = [line for line in lines if "not-image" in line or "skipped:" in line]
    assert len(not_images) == 2 and any("empty" in e for e in not_images)
    assert "3 colorized, 0 skipped (exists), 2 not images, 3 failed" in res.stderr
    made = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert made == ["colour_color.png", "grey2_color.jpg", "grey_color.png"]  # nothing partial or from bad files


def test_unreadable_folder_is_reported(tiny_run, inputs, tmp_path, monkeypatch):
    import os
    locked = inputs / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        # chmod 000 does not stop root (CI runs as root), so refuse the listing the way the OS would
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    res = run("colorize", inputs, "--model", tiny_run, "--out", tmp_path / "o")
    assert res.exit_code == 1 and "cannot read folder" in res.stderr and "locked" in res.stderr
    assert len(list((tmp_path / "o").rglob("*_color.*"))) == 3  # the readable photos were still colorized


def test_unknown_model_and_bad_set_are_one_line_errors(inputs, photo_dir, tmp_path):
    res = run("colorize", inputs, "--model", "nope", "--out", tmp_path / "o")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "nope" in res.stderr
    res = run("train", "--variant", "ae-unet-learned", "--data", photo_dir, "--out", tmp_path / "r", "--set", "width",
              "--db", tmp_path / "reg.sqlite")
    assert res.exit_code == 1 and "key=value" in res.stderr
    res = run("train", "--resume", "--out", tmp_path / "never-trained")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "nothing to resume" in res.stderr


def test_train_and_evaluate_from_the_cli(photo_dir, tmp_path):
    run_dir, db = tmp_path / "run", tmp_path / "reg.sqlite"
    res = run("train", "--variant", "ae-plain-interp", "--data", photo_dir, "--out", run_dir, "--size", "32",
              "--batch", "4", "--epochs", "1", "--set", "width=4", "--set", "depth=2", "--db", db)
    assert res.exit_code == 0, res.output
    res = run("evaluate", run_dir, "--data", photo_dir, "--split", "all", "--size", "32", "--db", db)
    assert res.exit_code == 0, res.output
    assert "no-colour" in res.stdout and (run_dir / "evaluation.json").is_file()


def test_readme_flow_evaluate_several_then_report_and_web_show_them_all(tiny_run, photo_dir, tmp_path):
    """`evaluate runs/a runs/b` → `runs import` → `report`: used to end in an empty leaderboard."""
    import shutil

    from fastapi.testclient import TestClient

    from chromalab.runs.registry import RunDB
    from chromalab.web import WebSettings, create_app
    runs, db = tmp_path / "runs", tmp_path / "runs" / "chromalab.sqlite"
    for name in ("a", "b"):
        shutil.copytree(tiny_run, runs / name)
    res = run("evaluate", runs / "a", runs / "b", "default", "--data", photo_dir, "--split", "test", "--size", "32",
              "--db", db)
    assert res.exit_code == 0, res.output
    assert (runs / "a" / "evaluation.json").is_file() and (runs / "b" / "evaluation.json").is_file()
    assert run("runs", "import", runs, "--db", db).exit_code == 0
    with RunDB(db) as reg:
        board = reg.leaderboard(["mae"])
    assert sorted(r["model"] for r in board["rows"]) == ["a", "b", "default"] and board["baseline"]
    res = run("report", "--db", db, "--out", tmp_path / "report.html", "--images", "1")
    assert res.exit_code == 0, res.output
    html = (tmp_path / "report.html").read_text()
    assert all(f">{n}<" in html for n in ("a", "b", "default"))
    with TestClient(create_app(WebSettings(runs_dir=runs))) as client:
        page_board = client.get("/api/runs").json()
    assert sorted(r["model"] for r in page_board["rows"]) == ["a", "b", "default"]  # the shipped default too


def test_output_pixels_are_colour_for_a_trained_model(tiny_run, inputs, tmp_path):
    run("colorize", inputs / "grey.png", "--model", tiny_run, "--out", tmp_path / "o")
    out = np.asarray(Image.open(tmp_path / "o" / "grey_color.png")).astype(float)
    assert out.std(axis=2).mean() > 0  # some chroma, not a grey copy
