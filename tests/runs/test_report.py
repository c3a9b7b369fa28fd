import re
import shutil

import pytest
from typer.testing import CliRunner

from chromalab.cli import app
from chromalab.evaluation.evaluate import evaluate
from chromalab.runs.registry import RunDB
from chromalab.runs.report import report_data, write_report


@pytest.fixture(scope="module")
def registry(tiny_run, photo_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("rep")
    for name in ("alpha", "beta"):
        shutil.copytree(tiny_run, root / "runs" / name)
        evaluate(root / "runs" / name, photo_dir, split="all", size=32, out=root / "runs" / name / "evaluation.json")
    db = RunDB(root / "r.sqlite")
    db.import_tree(root / "runs")
    yield root, db
    db.close()


def test_report_rows_baseline_pictures_and_curves(registry, tmp_path):
    _, db = registry
    data = report_data(db, images=3, image_size=32)
    (group,) = data["groups"]
    assert [r["name"] for r in group["rows"]][-1] == "no-colour" and group["rows"][-1]["baseline"]
    assert sorted(r["name"] for r in group["rows"][:-1]) == ["alpha", "beta"]
    pics = group["pictures"]
    assert len(pics["files"]) >= 3 and set(pics["models"]) == {"alpha", "beta"}
    assert {c["name"] for c in data["curves"]} == {"alpha", "beta"}
    html = write_report(data, tmp_path / "r.html").read_text()
    n_imgs = len(re.findall(r"<img ", html))
    grid_imgs = len(pics["files"]) * (2 + 2)  # grey | two models | original
    assert n_imgs >= grid_imgs
    assert "no-colour" in html and "<svg" in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "Where the metrics disagree" in html


def test_filters_select_runs(registry):
    _, db = registry
    data = report_data(db, name_glob="alpha", images=0)
    assert [r["name"] for r in data["groups"][0]["rows"]] == ["alpha", "no-colour"]


def test_cli_runs_import_list_and_report(registry, tmp_path):
    root, _ = registry
    runner = CliRunner()
    db = tmp_path / "c.sqlite"
    res = runner.invoke(app, ["runs", "import", str(root / "runs"), "--db", str(db)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["runs", "--db", str(db)])
    assert res.exit_code == 0 and "alpha" in res.stdout and "beta" in res.stdout
    res = runner.invoke(app, ["report", "--db", str(db), "--out", str(tmp_path / "x.html"), "--images", "2"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "x.html").stat().st_size > 5000
    res = runner.invoke(app, ["report", "--db", str(db), "--runs", "nothing*", "--out", str(tmp_path / "y.html")])
    assert res.exit_code == 1 and "no runs match" in res.stderr and not (tmp_path / "y.html").exists()


@pytest.mark.slow
def test_report_opens_in_chromium(registry, tmp_path):
    from playwright.sync_api import sync_playwright

    _, db = registry
    path = write_report(report_data(db, images=3, image_size=32), tmp_path / "r.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(path.as_uri())
        first = page.eval_on_selector("table.sortable tbody tr td", "e => e.textContent")
        page.click("table.sortable th >> nth=6")  # sort by MAE
        page.click("table.sortable th >> nth=6")
        assert page.eval_on_selector_all("img", "els => els.every(e => e.naturalWidth > 0)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert first and (tmp_path / "report.png").stat().st_size > 10_000


def test_models_worse_than_no_colour_are_marked_and_named_not_highlighted():
    from chromalab.evaluation.metrics import LOWER_IS_BETTER, SHOWN
    from chromalab.runs.report.html import leaderboard_table, svg_plot

    def row(name, baseline, better):  # better: beats the baseline on every metric, else loses on every one
        sign = (-1 if better else 1)
        metrics = {m: {"mean": 0.5 + sign * (0.1 if LOWER_IS_BETTER.get(m, True) else -0.1), "min": 0.1, "max": 0.9}
                   for m in SHOWN}
        if baseline:
            metrics = {m: {"mean": 0.5, "min": 0.1, "max": 0.9} for m in SHOWN}
        return {"name": name, "family": "ae", "baseline": baseline, "domain": None, "epochs": 1, "train_size": 1,
                "crop": 32, "test_size": 3, "metrics": metrics}

    group = {"rows": [row("good", False, True), row("awful", False, False), row("no-colour", True, False)]}
    table = leaderboard_table(group)
    assert "<b>awful</b> is worse than no colour on every metric" in table
    directed = [m for m in SHOWN if m in LOWER_IS_BETTER]
    assert table.count("class=worse") == len(directed) and table.count("class=best") == len(directed)
    awful = table[table.index("data-v='awful'"):table.index("data-v='no-colour'")]
    assert "class=best" not in awful  # the lone loser is not green
    assert "class=scroll" in table
    svg = svg_plot([{"name": "one-epoch", "epochs": [0], "series": {"val/mae": [0.2]}}], "val/mae")
    assert "<svg" in svg and "epoch" in svg and "<path" in svg  # a single point still draws a marker
